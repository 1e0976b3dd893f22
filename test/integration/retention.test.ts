/**
 * Retention leaves no traces, and the audit chain is keyed — through HTTP
 * against the real servers, reading the database directly to prove what is gone.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import sharp from 'sharp';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { reviewOrder, suspiciousOrder } from '../fixtures/orders';
import { differentJpeg } from '../fixtures/images';
import { startService } from '../../stack/services';
import { canonicalJson, sha256Hex } from '../../lib/crypto';
import { loadConfig } from '../../config';
import { connectDatabase } from '../../models';
import { createReadModelActivities } from '../../activities/readModel';
import { blobStore } from '../../documents/storage';
import { configureAudit } from '../../activities/audit';

type Doc = Record<string, any>;

describe('retention purge and the keyed audit chain (integration)', function () {
  this.timeout(240_000);
  let h: Harness;
  let db: mongoose.Connection;
  let reviewer: string;
  let senior: string;
  let outbox: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    [reviewer, senior] = await Promise.all([h.token('rev_ret', 'reviewer'), h.token('sen_ret', 'senior')]);
    outbox = path.join(h.dataDir, 'outbox');
  });
  after(async () => db?.close());

  const get = (token: string, p: string, baseUrl = h.baseUrl) => call(baseUrl, 'GET', p, { token });
  const post = (token: string, p: string, json: unknown = {}) => call(h.baseUrl, 'POST', p, { token, json });
  const auditOf = (checkId: string) => get(reviewer, `/v1/review/cases/${checkId}/audit`);
  const stored = async (checkId: string): Promise<Doc[]> =>
    (await db.collection('audit').find({ checkId }).toArray()).sort((a, b) => a.seq - b.seq);

  /** Rewrites a whole chain in the database the way someone without AUDIT_SECRET can: plain SHA-256, the formula in this repository's history. */
  async function rewriteChain(checkId: string, change: (doc: Doc) => Doc): Promise<void> {
    let prevHash = '0'.repeat(64);
    for (const original of await stored(checkId)) {
      const doc = change({ ...original });
      doc.prevHash = prevHash;
      const { checkId: c, seq, at, actor, action, detail } = doc;
      doc.hash = sha256Hex(canonicalJson({ checkId: c, seq, at, actor, action, detail, prevHash }));
      prevHash = doc.hash;
      await db.collection('audit').replaceOne({ _id: original._id }, doc);
    }
  }

  /** A reviewed case: claimed and approved with a reason; its audit chain has its four entries. */
  async function approvedCase(reason: string) {
    const order = reviewOrder();
    const created = await call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(created.body.status).to.equal('in_review');
    const checkId = created.body.checkId as string;
    expect((await post(reviewer, `/v1/review/cases/${checkId}/claim`)).status).to.equal(200);
    expect((await post(reviewer, `/v1/review/cases/${checkId}/decision`, { action: 'approve', reason })).status).to.equal(200);
    const audit = await eventually(async () => {
      const a = await auditOf(checkId);
      return a.body.entries.length >= 4 ? a : undefined;
    }, 20_000, 'audit entries');
    expect(audit.body.verification).to.deep.include({ valid: true });
    return checkId;
  }

  it('destroys fingerprints, outbox e-mails and every free-text reason; the audit chain still verifies', async () => {
    // A checks worker without SMTP, as in development: its e-mails go to DATA_DIR/outbox.
    await h.worker.stop();
    const outboxWorker = await startService('worker-outbox', 'worker/main.ts', { ...h.env, WORKER_TASK_QUEUES: 'checks', SMTP_URL: undefined }, { logDir: h.stack.logDir });
    try {
      const api = await h.startApi({ RETENTION_PERIOD: '3s' });
      const order = suspiciousOrder();
      const created = await call(api.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
      expect(created.body.status).to.equal('awaiting_documents');
      const checkId = created.body.checkId as string;
      const token = created.body.verification.token as string;

      const eml = path.join(outbox, `${checkId}_1_0.eml`);
      await eventually(() => existsSync(eml) || undefined, 30_000, 'the e-mail in the outbox');
      expect(readFileSync(eml, 'utf8')).to.include(String(order.customer.email));
      // Another check's message whose name starts the same way (check ids may contain `_`): it must stay.
      const otherCheck = path.join(outbox, `${checkId}_x_1_0.eml`);
      writeFileSync(otherCheck, 'another check');

      const ids: string[] = [];
      for (const [i, kind] of (created.body.verification.requested as string[]).entries()) {
        const form = new FormData();
        form.append('kind', kind);
        const jpeg = await sharp(await differentJpeg()).modulate({ hue: 50 * (i + 1) + 7 }).rotate(90 * i).jpeg().toBuffer();
        form.append('file', new Blob([jpeg], { type: 'image/jpeg' }), 'photo.jpg');
        const res = await call(h.baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
        ids.push(res.body.documentId);
      }
      await eventually(async () => {
        const c = await get(senior, `/v1/review/cases/${checkId}`);
        return c.body.status === 'in_review' ? c : undefined;
      }, 90_000, 'in_review');
      const fingerprints = await db.collection('documents').find({ checkId }).toArray();
      expect(fingerprints).to.have.length(ids.length);
      for (const d of fingerprints) {
        expect(d.sha256).to.match(/^[0-9a-f]{64}$/);
        expect(d.phash).to.be.a('string');
        expect(d.phashBands).to.have.length(4);
      }

      const escalation = `ESCALATED-${randomBytes(6).toString('hex')} customer phoned from another number`;
      const rejection = `REJECTED-${randomBytes(6).toString('hex')} the ID photo belongs to someone else`;
      expect((await post(reviewer, `/v1/review/cases/${checkId}/claim`)).status).to.equal(200);
      expect((await post(reviewer, `/v1/review/cases/${checkId}/decision`, { action: 'escalate', reason: escalation })).status).to.equal(200);
      const before = await eventually(async () => {
        const a = await auditOf(checkId);
        return a.body.entries.some((e: Doc) => e.action === 'decision.escalate') ? a : undefined;
      }, 20_000, 'the escalation in the audit trail');
      expect(before.body.verification).to.deep.include({ valid: true });
      expect(before.body.entries.find((e: Doc) => e.action === 'decision.escalate').detail.reason).to.equal(escalation);
      expect((await post(senior, `/v1/review/cases/${checkId}/claim`)).status).to.equal(200);
      expect((await post(senior, `/v1/review/cases/${checkId}/decision`, { action: 'reject', reason: rejection })).status).to.equal(200);

      const purged = await eventually(async () => {
        const c = await get(senior, `/v1/review/cases/${checkId}`);
        return c.body.purged ? c : undefined;
      }, 60_000, 'purge');

      // Every trace the purge must destroy, gathered so a failure lists all that is left.
      const traces: string[] = [];
      const text = (value: unknown) => JSON.stringify(value);
      for (const d of await db.collection('documents').find({ checkId }).toArray()) {
        for (const field of ['sha256', 'phash', 'phashBands', 'dataKey', 'blobs', 'size', 'width', 'height', 'quality']) {
          if (d[field] !== undefined) traces.push(`documents.${field} of ${d._id}`);
        }
      }
      for (const d of fingerprints) {
        if ((await db.collection('documents').countDocuments({ sha256: d.sha256 })) > 0) traces.push(`a document with the sha256 of ${d._id}`);
      }
      const serviceView = await call(h.baseUrl, 'GET', `/v1/checks/${order.orderId}`, { token: h.serviceKey });
      expect(serviceView.status).to.equal(200);
      const auditRaw = text(await stored(checkId));
      const record = text(await db.collection('checks').findOne({ _id: checkId } as never));
      for (const reason of [escalation, rejection]) {
        if (auditRaw.includes(reason.slice(0, 20))) traces.push(`audit holds "${reason.slice(0, 20)}"`);
        if (record.includes(reason.slice(0, 20))) traces.push(`read model holds "${reason.slice(0, 20)}"`);
        if (text(purged.body).includes(reason.slice(0, 20))) traces.push(`the case view shows "${reason.slice(0, 20)}"`);
        if (text(serviceView.body).includes(reason.slice(0, 20))) traces.push(`the order pipeline's view shows "${reason.slice(0, 20)}"`);
      }
      if (record.includes(String(order.customer.email))) traces.push('read model holds the e-mail address');
      const left = readdirSync(outbox).filter((n) => n.startsWith(`${checkId}_`) && n !== path.basename(otherCheck));
      if (left.length > 0) traces.push(`outbox holds ${left.join(', ')}`);
      if ((await db.collection('verifications').countDocuments({ checkId })) > 0) traces.push('verification tokens');
      if ((await db.collection('velocity').countDocuments({ _id: order.orderId } as never)) > 0) traces.push('velocity record');
      expect(traces).to.deep.equal([]);
      expect(existsSync(otherCheck), 'the other check’s message').to.equal(true);

      // What stays: the events, who decided, the audit chain — which still verifies, the reasons shown as redacted.
      expect(purged.body.timeline.map((t: Doc) => t.event)).to.include.members(['escalated', 'rejected']);
      const after = await auditOf(checkId);
      expect(after.body.verification, JSON.stringify(after.body.verification)).to.deep.include({ valid: true });
      const decisions = after.body.entries.filter((e: Doc) => e.action.startsWith('decision.'));
      expect(decisions.map((e: Doc) => e.actor.id)).to.deep.equal(['rev_ret', 'sen_ret']);
      for (const e of decisions) {
        expect(e.redacted).to.deep.equal(['reason']);
        expect(e.detail).not.to.have.property('reason');
        expect(e.keyed).to.equal(true);
      }
      expect(after.body.entries.filter((e: Doc) => e.action === 'case.purged')).to.have.length(1);

      // The purge again (a sweep that runs twice, or resumes a purge cut short): nothing breaks, nothing doubles.
      const config = loadConfig({ ...h.env });
      configureAudit(config.auditSecret);
      await connectDatabase(h.stack.mongodbUri);
      try {
        await createReadModelActivities(config.tokenSecret, config.mail.outboxDir, blobStore(config)).purgeCheck({ checkId, orderId: order.orderId });
      } finally {
        await mongoose.connection.close(); // the default connection only (mongoose.disconnect would close `db` too)
      }
      const again = await auditOf(checkId);
      expect(again.body.verification).to.deep.include({ valid: true });
      expect(again.body.entries).to.have.length(after.body.entries.length);
      await api.service.stop();
    } finally {
      await outboxWorker.stop();
      await h.restartWorker();
    }
  });

  it('finds a whole chain rewritten in the database without AUDIT_SECRET', async () => {
    // Another reviewer's name on the decision, every hash recomputed: plain SHA-256 cannot tell.
    const edited = await approvedCase('verified by phone');
    await rewriteChain(edited, (doc) => (doc.action === 'decision.approve' ? { ...doc, actor: { ...doc.actor, id: 'rev_somebody_else' } } : doc));
    const first = await auditOf(edited);
    expect(first.body.verification, JSON.stringify(first.body.verification)).to.deep.include({ valid: false, brokenAt: 1 });

    // The same, dressed as a chain from before the key: no keyed entry vouches for it.
    const downgraded = await approvedCase('verified by phone');
    await rewriteChain(downgraded, (doc) => {
      const { chain: _c, keyId: _k, freeText, freeTextSalt: _s, freeTextCommitment: _m, ...rest } = doc;
      const changed = { ...rest, detail: { ...rest.detail, ...freeText } };
      return doc.action === 'decision.approve' ? { ...changed, actor: { ...doc.actor, id: 'rev_somebody_else' } } : changed;
    });
    const second = await auditOf(downgraded);
    expect(second.body.verification, JSON.stringify(second.body.verification)).to.deep.include({ valid: false, brokenAt: 1 });
    expect(second.body.verification.reason).to.match(/not keyed/);
  });

  it('reads chains written before the key; `npm run audit:seal` makes the key vouch for them', async () => {
    const checkId = await approvedCase('documents checked by hand');
    // What the database of an earlier version holds: plain SHA-256, the reason inside detail.
    await rewriteChain(checkId, ({ chain: _c, keyId: _k, freeText, freeTextSalt: _s, freeTextCommitment: _m, ...rest }) => ({ ...rest, detail: { ...rest.detail, ...freeText } }));
    const unsealed = await auditOf(checkId);
    expect(unsealed.body.entries).to.have.length(4);
    expect(unsealed.body.entries.every((e: Doc) => e.keyed === false)).to.equal(true);
    expect(unsealed.body.verification).to.deep.include({ valid: false, brokenAt: 1 });

    const seal = () => promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/sealAudit.ts'], { env: { ...process.env, ...h.env }, cwd: path.resolve(__dirname, '../..') });
    const { stdout } = await seal();
    expect(stdout).to.match(/sealed [1-9]\d* audit chain/);
    const sealed = await auditOf(checkId);
    expect(sealed.body.verification, JSON.stringify(sealed.body.verification)).to.deep.equal({ valid: true, length: 5 });
    expect(sealed.body.entries.map((e: Doc) => e.keyed)).to.deep.equal([false, false, false, false, true]);
    expect(sealed.body.entries[4]).to.deep.include({ action: 'audit.sealed', detail: { unkeyedThrough: 4 } });
    expect(sealed.body.entries.find((e: Doc) => e.action === 'decision.approve').detail.reason).to.equal('documents checked by hand');
    await seal();
    expect((await auditOf(checkId)).body.entries).to.have.length(5);
    // Sealed, an edit of an old entry is still found.
    await db.collection('audit').updateOne({ checkId, seq: 3 }, { $set: { 'detail.reason': 'edited afterwards' } });
    expect((await auditOf(checkId)).body.verification).to.deep.include({ valid: false, brokenAt: 3 });
  });
});
