/**
 * Determinism guard: saved histories of the check workflow (one per path of a
 * check's life, recorded with `npm run record:histories`) must replay cleanly
 * against the current workflow code. A change that would break running checks
 * fails here; make such a change with `patched()` and keep the old histories.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { payloadKeys } from '../../config';
import { dataConverter, failureConverterPath } from '../../lib/payloadCodec';
import { REPLAY_DOCUMENT_KEY } from './replayKey';

const dir = path.join(__dirname, 'histories');
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
/** `<recording folder>/<path>.json`: every recording is kept, old code paths included. */
const files = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(dir, d.name)).filter((f) => f.endsWith('.json')).map((f) => `${d.name}/${f}`))
  .sort();

describe('check workflow replays its saved histories', function () {
  this.timeout(120_000);
  let workflowBundle: WorkflowBundle;

  before(async function () {
    this.timeout(120_000);
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') }); // replay workers' state changes are not news
    } catch {
      // a runtime already exists in this process: keep its logger
    }
    workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), failureConverterPath, logger: quiet });
  });

  it('has a history for every path', () => {
    expect(files.map((f) => path.basename(f, '.json'))).to.include.members([
      'approved-at-once',
      'blocked',
      'cancelled-while-waiting',
      'expired-after-reminders',
      'documents-then-approved',
      'more-documents-then-rejected',
      'sla-escalated-then-reported',
      'escalated-then-approved',
    ]);
  });

  it('has a history of every path since checks complete when final (2026-12-02-v3-lifecycle)', () => {
    const v3 = files.filter((f) => f.startsWith('2026-12-02-v3-lifecycle/')).map((f) => path.basename(f, '.json'));
    expect(v3).to.include.members([
      'approved-at-once',
      'blocked',
      'cancelled-while-waiting',
      'expired-after-reminders',
      'documents-then-approved',
      'more-documents-then-rejected',
      'sla-escalated-then-reported',
      'escalated-then-approved',
      'escalation-overdue-then-approved',
      'cancel-waits-for-request-documents',
      'resubmitted-after-history-deleted',
    ]);
  });

  it('has a duplicate-document history from before DUPLICATE_DOCUMENT was a rule of the ruleset, and one since', () => {
    // Recorded by test/workflows/checkWorkflow.test.ts's duplicate path (mocked activities): v4 on the code before, v5 after.
    for (const folder of ['2026-12-02-v4-duplicate-before-rule', '2026-12-02-v5-duplicate-rule']) {
      expect(files.filter((f) => f.startsWith(`${folder}/`)).map((f) => path.basename(f, '.json'))).to.have.members(['duplicate-found', 'duplicate-reported']);
    }
  });

  it('has a history of a per-document rejection since `document-decisions` (2026-12-02-v6-document-decisions)', () => {
    const file = '2026-12-02-v6-document-decisions/document-rejected-then-approved.json';
    expect(files).to.include(file);
    // It must take the patched path: the patch is recorded and the rejectDocument update was accepted.
    const { events } = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { events: any[] };
    const patches = events
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details['patch-data'].payloads[0].data, 'base64').toString('utf8')).id);
    expect(patches).to.include('document-decisions');
    const updates = events.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name).filter(Boolean);
    expect(updates).to.include('rejectDocument');
    expect(updates.slice(updates.indexOf('rejectDocument'))).to.include.members(['documentReceived', 'decide']);
  });

  it('has a history of every path since `local-writes` (2026-12-02-v7-local-writes): audit and read model by local activities', () => {
    const folder = '2026-12-02-v7-local-writes';
    const v7 = files.filter((f) => f.startsWith(`${folder}/`)).map((f) => path.basename(f, '.json'));
    expect(v7).to.include.members(['approved-at-once', 'documents-then-approved', 'escalated-then-approved', 'more-documents-then-rejected', 'rejected-and-blocked', 'document-rejected-then-approved']);
    const { events } = JSON.parse(readFileSync(path.join(dir, folder, 'escalated-then-approved.json'), 'utf8')) as { events: any[] };
    const patches = events
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details['patch-data'].payloads[0].data, 'base64').toString('utf8')).id);
    expect(patches).to.include('local-writes');
    const activities = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(activities).to.not.include('auditEvent');
    expect(activities).to.not.include('projectCheck');
  });

  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      // Histories recorded before payload encryption are plaintext: only this test lets the codec pass them.
      const keys = payloadKeys(Buffer.from(REPLAY_DOCUMENT_KEY, 'base64'), undefined);
      const converter = dataConverter(keys.keys, keys.current, { allowPlaintext: true });
      await Worker.runReplayHistory({ workflowBundle, replayName: file, dataConverter: converter }, history);
    });
  }
});
