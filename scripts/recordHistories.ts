/**
 * `npm run record:histories`: runs one check down each path of its life on a
 * fresh embedded stack (short timers), and saves each finished workflow's
 * history to test/replay/histories/. The replay test replays them against the
 * current workflow code, so a change that breaks running checks fails CI.
 * Re-record only for a deliberate, versioned (`patched`) change; keep the old
 * files too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { temporalBinary } from '../stack/binaries';
import { benchTarget } from '../bench/lib';
import { loadConfig } from '../config';
import { REPLAY_DOCUMENT_KEY } from '../test/replay/replayKey';
import { dataConverter } from '../lib/payloadCodec';
import { workflowIdFor } from '../workflows/names';
import { freePort } from '../stack/processes';
import { signReviewerToken } from '../api/reviewerAuth';
import { call } from '../test/integration/client';
import { cleanOrder, fraudOrder, reviewOrder, suspiciousOrder } from '../test/fixtures/orders';
import { differentJpeg } from '../test/fixtures/images';
import sharp from 'sharp';

/** `npm run record:histories -- <folder>`: a new folder per recording; older folders stay and keep replaying. */
const out = path.join(__dirname, '..', 'test', 'replay', 'histories', process.argv[2] ?? new Date().toISOString().slice(0, 10));

async function main(): Promise<void> {
  const hookPort = await freePort();
  const hooks = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => hooks.listen(hookPort, '127.0.0.1', r));
  const target = await benchTarget({
    UPLOAD_DEADLINE: '15s',
    REMINDER_INTERVAL: '6s',
    REVIEW_SLA: '3s',
    RETENTION_PERIOD: '4s',
    ESCALATION_SLA: '3s',
    WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hooks`,
    WEBHOOK_SECRET: 'record',
    DOCUMENT_KEY: REPLAY_DOCUMENT_KEY, // the replay test decrypts the payloads with it
  });
  const connection = await Connection.connect({ address: target.env.TEMPORAL_ADDRESS! });
  const config = loadConfig({ ...process.env, ...target.env });
  const client = new Client({ connection, dataConverter: dataConverter(config.payloadKeys.keys, config.payloadKeys.current) });
  const secret = target.env.REVIEWER_JWT_SECRET!;
  const reviewer = await signReviewerToken(secret, { sub: 'rev_rec', role: 'reviewer' });
  const senior = await signReviewerToken(secret, { sub: 'sen_rec', role: 'senior' });
  const api = (method: string, p: string, token: string, json?: unknown) => call(target.baseUrl, method, p, { token, json });
  const submit = async (order: { orderId: string }) => (await api('POST', '/v1/checks', target.serviceKey, order)).body;
  const wait = async (orderId: string, status: string) => {
    for (let i = 0; i < 300; i++) {
      const c = (await api('GET', `/v1/checks/${orderId}`, target.serviceKey)).body;
      if (c.status === status) return c;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${orderId} never reached ${status}`);
  };
  const uploadAll = async (token: string, kinds: string[]) => {
    for (const [i, kind] of kinds.entries()) {
      const form = new FormData();
      form.append('kind', kind);
      const jpeg = await sharp(await differentJpeg()).modulate({ hue: 60 * (i + 1) + Math.floor(Math.random() * 50) }).jpeg().toBuffer();
      form.append('file', new Blob([jpeg], { type: 'image/jpeg' }), 'p.jpg');
      const res = await call(target.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
      if (res.status !== 202) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };
  const decide = async (token: string, checkId: string, action: string, extra: Record<string, unknown> = {}) => {
    await api('POST', `/v1/review/cases/${checkId}/claim`, token);
    const res = await api('POST', `/v1/review/cases/${checkId}/decision`, token, { action, reason: `recorded ${action}`, ...extra });
    if (res.status !== 200) throw new Error(`${action}: ${res.status} ${JSON.stringify(res.body)}`);
  };

  /** Whether the cancel update was accepted while the decide update was still in flight. */
  const cancelWaited = async (orderId: string) => {
    const events = (await client.workflow.getHandle(workflowIdFor(orderId)).fetchHistory()).events ?? [];
    const accepted = (name: string) => events.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === name);
    const decide = accepted('decide');
    const cancel = accepted('cancel');
    if (!decide || !cancel) return false;
    const decided = events.find((e) => String(e.workflowExecutionUpdateCompletedEventAttributes?.acceptedEventId ?? '') === String(decide.eventId));
    return Number(cancel.eventId) < Number(decided?.eventId ?? 0);
  };

  const scenarios: Record<string, () => Promise<string>> = {
    'approved-at-once': async () => (await submit(cleanOrder())).orderId,
    'blocked': async () => (await submit(fraudOrder())).orderId,
    'cancelled-while-waiting': async () => {
      const c = await submit(suspiciousOrder());
      await api('POST', `/v1/checks/${c.orderId}/cancel`, target.serviceKey, { reason: 'customer cancelled' });
      return c.orderId;
    },
    'expired-after-reminders': async () => (await submit(suspiciousOrder())).orderId,
    'documents-then-approved': async () => {
      const c = await submit(suspiciousOrder());
      await uploadAll(c.verification.token, c.verification.requested);
      await wait(c.orderId, 'in_review');
      await decide(reviewer, c.checkId, 'approve');
      return c.orderId;
    },
    'document-rejected-then-approved': async () => {
      // Since `document-decisions`: the reviewer rejects one document with a reason; the customer sends that kind again.
      const c = await submit(suspiciousOrder());
      await uploadAll(c.verification.token, c.verification.requested);
      await wait(c.orderId, 'in_review');
      await api('POST', `/v1/review/cases/${c.checkId}/claim`, reviewer);
      const kase = (await api('GET', `/v1/review/cases/${c.checkId}`, reviewer)).body as { documents: { documentId: string; kind: string; status: string }[] };
      const target = kase.documents.find((d) => d.status === 'accepted');
      if (!target) throw new Error(`no accepted document to reject: ${JSON.stringify(kase.documents)}`);
      const res = await api('POST', `/v1/review/cases/${c.checkId}/documents/${target.documentId}/decision`, reviewer, { action: 'reject', reason: 'recorded: the photo is cut off' });
      if (res.status !== 200) throw new Error(`reject document: ${res.status} ${JSON.stringify(res.body)}`);
      const waiting = await wait(c.orderId, 'awaiting_documents');
      await uploadAll(waiting.verification.token, [target.kind]);
      await wait(c.orderId, 'in_review');
      await decide(reviewer, c.checkId, 'approve');
      return c.orderId;
    },
    'more-documents-then-rejected': async () => {
      const c = await submit(reviewOrder());
      await decide(reviewer, c.checkId, 'request_documents', { requested: ['address'] });
      const waiting = await wait(c.orderId, 'awaiting_documents');
      await uploadAll(waiting.verification.token, ['address']);
      await wait(c.orderId, 'in_review');
      await decide(reviewer, c.checkId, 'reject');
      return c.orderId;
    },
    'rejected-and-blocked': async () => {
      // Since `block-on-reject`: the reject puts the order's card and email on the block list.
      const c = await submit(reviewOrder());
      await decide(reviewer, c.checkId, 'reject', { block: ['card_fingerprint', 'email'] });
      return c.orderId;
    },
    'sla-escalated-then-reported': async () => {
      const c = await submit(reviewOrder());
      await wait(c.orderId, 'escalated');
      await decide(senior, c.checkId, 'report');
      return c.orderId;
    },
    'escalated-then-approved': async () => {
      const c = await submit(reviewOrder());
      await decide(reviewer, c.checkId, 'escalate');
      await decide(senior, c.checkId, 'approve');
      return c.orderId;
    },
    'escalation-overdue-then-approved': async () => {
      const c = await submit(reviewOrder());
      await decide(reviewer, c.checkId, 'escalate');
      for (let i = 0; i < 300; i++) {
        if ((await api('GET', `/v1/review/cases/${c.checkId}`, senior)).body.escalationOverdueAt) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await decide(senior, c.checkId, 'approve');
      return c.orderId;
    },
    'cancel-waits-for-request-documents': async () => {
      // Until a cancel arrives while request_documents is being applied (it waits, then cancels).
      for (let attempt = 0; attempt < 20; attempt++) {
        const c = await submit(reviewOrder());
        await api('POST', `/v1/review/cases/${c.checkId}/claim`, reviewer);
        await Promise.all([
          api('POST', `/v1/review/cases/${c.checkId}/decision`, reviewer, { action: 'request_documents', reason: 'recorded race', requested: ['address'] }),
          new Promise((r) => setTimeout(r, 20 + attempt * 5)).then(() =>
            api('POST', `/v1/checks/${c.orderId}/cancel`, target.serviceKey, { reason: 'recorded race' }),
          ),
        ]);
        if (await cancelWaited(c.orderId)) return c.orderId;
      }
      throw new Error('no cancel arrived while request_documents was being applied');
    },
    'resubmitted-after-history-deleted': async () => {
      const order = cleanOrder();
      await submit(order);
      const handle = client.workflow.getHandle(workflowIdFor(order.orderId));
      await handle.result();
      await connection.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: handle.workflowId } });
      for (let i = 0; i < 300; i++) {
        try {
          await handle.describe();
          await new Promise((r) => setTimeout(r, 100));
        } catch {
          break;
        }
      }
      const again = await api('POST', '/v1/checks', target.serviceKey, order);
      if (again.status !== 200) throw new Error(`resubmission: ${again.status} ${JSON.stringify(again.body)}`);
      return order.orderId;
    },
  };

  mkdirSync(out, { recursive: true });
  try {
    // `npm run record:histories -- <folder> [path …]`: only those paths (the rest of the folder stays).
    const only = process.argv.slice(3);
    for (const [name, run] of Object.entries(scenarios).filter(([n]) => only.length === 0 || only.includes(n))) {
      const orderId = await run();
      const handle = client.workflow.getHandle(workflowIdFor(orderId));
      await handle.result(); // ends after the (short) retention period
      // The CLI writes the same JSON that `historyFromJSON` reads (and the Temporal UI downloads).
      const json = execFileSync(temporalBinary(), ['workflow', 'show', '--address', target.env.TEMPORAL_ADDRESS!, '-w', handle.workflowId, '-o', 'json'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      writeFileSync(path.join(out, `${name}.json`), json);
      process.stdout.write(`recorded ${name} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)\n`);
    }
  } finally {
    await connection.close();
    await target.stop();
    hooks.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
