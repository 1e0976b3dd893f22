/**
 * Case files for payment processors, banks and authorities, through HTTP against
 * the real servers: made by a senior, listed, downloaded as a ZIP whose manifest,
 * case and audit trail hold up, audited, announced by webhook, gone after the
 * retention purge.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { unzipSync, strFromU8 } from 'fflate';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { decide, inReview, reviewedWithDocuments, waitForStatus } from './caseFixtures';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function download(baseUrl: string, token: string, path: string): Promise<{ status: number; type: string | null; files?: Record<string, Uint8Array>; body?: any }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(Buffer.from(bytes).toString('utf8')) };
  return { status: 200, type: res.headers.get('content-type'), files: unzipSync(bytes) };
}

describe('case files for processors, banks and authorities (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let reviewer: string;
  let senior: string;
  let admin: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    [reviewer, senior, admin] = await Promise.all([h.token('rev_rpt', 'reviewer'), h.token('sen_rpt', 'senior'), h.token('adm_rpt', 'admin')]);
  });

  const post = (token: string, path: string, json: unknown) => call(h.baseUrl, 'POST', path, { token, json });
  const request = { recipient: { kind: 'payment_processor', name: 'Acme Payments' }, reference: 'CB-2026-0042', note: 'chargeback dispute, card holder denies the order' };

  it('a report on a rejected case: 201, listed, the ZIP verifies, previews only, audited, announced; reviewers are refused', async () => {
    const c = await reviewedWithDocuments(h, reviewer);
    await decide(h, reviewer, c.checkId, { action: 'reject', reason: 'the ID photo belongs to someone else' });
    await waitForStatus(h, reviewer, c.checkId, 'rejected');
    const base = `/v1/review/cases/${c.checkId}/reports`;

    const refused = await post(reviewer, base, request);
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('forbidden');
    // Originals carry the camera's metadata: admins only.
    expect((await post(senior, base, { ...request, includeOriginals: true })).status).to.equal(403);
    expect((await post(senior, base, { ...request, recipient: { kind: 'neighbour', name: 'x' } })).status).to.equal(400);

    const created = await post(senior, base, request);
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const report = created.body;
    expect(report.reportId).to.match(/^rpt_/);
    expect(report).to.deep.include({ checkId: c.checkId, reference: request.reference, includeOriginals: false });
    expect(report.recipient).to.deep.equal(request.recipient);
    expect(report.createdBy).to.deep.equal({ id: 'sen_rpt', role: 'senior' });
    expect(report.fileUrl).to.match(new RegExp(`/v1/review/cases/${c.checkId}/reports/${report.reportId}/file$`));

    const listed = await call(h.baseUrl, 'GET', base, { token: senior });
    expect(listed.status).to.equal(200);
    expect(listed.body.items.map((r: any) => r.reportId)).to.include(report.reportId);
    expect((await call(h.baseUrl, 'GET', base, { token: reviewer })).status).to.equal(403);

    expect((await download(h.baseUrl, reviewer, `${base}/${report.reportId}/file`)).status).to.equal(403);
    const zip = await download(h.baseUrl, senior, `${base}/${report.reportId}/file`);
    expect(zip.status).to.equal(200);
    expect(zip.type).to.equal('application/zip');
    const files = zip.files!;
    const manifest = JSON.parse(strFromU8(files['manifest.json']));
    expect(manifest.reportId).to.equal(report.reportId);
    const listedPaths = manifest.files.map((f: any) => f.path).sort();
    expect(listedPaths).to.deep.equal(Object.keys(files).filter((p) => p !== 'manifest.json').sort());
    for (const f of manifest.files) {
      expect(sha256(files[f.path]), f.path).to.equal(f.sha256);
      expect(files[f.path].length, f.path).to.equal(f.size);
    }
    expect(sha256(files['case.json'])).to.equal(report.sha256.case);

    const kase = JSON.parse(strFromU8(files['case.json']));
    expect(kase.order.orderId).to.equal(c.orderId);
    expect(kase.check).to.deep.include({ checkId: c.checkId, status: 'rejected', fulfilment: 'cancel' });
    expect(kase.risk.reasons).to.be.an('array').that.is.not.empty;
    expect(kase.risk.reasons[0]).to.have.keys(['code', 'points', 'detail']);
    expect(kase.decisions.map((d: any) => d.action)).to.include('reject');
    expect(kase.decisions.find((d: any) => d.action === 'reject').reason).to.equal('the ID photo belongs to someone else');
    expect(kase.timeline.map((t: any) => t.to)).to.include('rejected');
    expect(kase.report).to.deep.include({ reportId: report.reportId, reference: request.reference, note: request.note });

    const audit = JSON.parse(strFromU8(files['audit.json']));
    expect(audit.verification).to.deep.include({ valid: true });
    expect(audit.entries.map((e: any) => e.action)).to.include('report.created');

    const documents = Object.keys(files).filter((p) => p.startsWith('documents/'));
    expect(documents).to.have.length(c.documentIds.length);
    for (const id of c.documentIds) expect(documents).to.include(`documents/${id}-preview.jpg`);
    expect(documents.some((p) => p.includes('original'))).to.equal(false);
    for (const p of documents) expect(Buffer.from(files[p]).subarray(0, 3).toString('hex')).to.equal('ffd8ff');

    const trail = await call(h.baseUrl, 'GET', `/v1/review/cases/${c.checkId}/audit`, { token: reviewer });
    expect(trail.body.verification).to.deep.include({ valid: true });
    const made = trail.body.entries.find((e: any) => e.action === 'report.created');
    const fetched = trail.body.entries.find((e: any) => e.action === 'report.downloaded');
    expect(made.actor).to.deep.equal({ type: 'reviewer', id: 'sen_rpt', role: 'senior' });
    expect(made.detail).to.deep.include({ reportId: report.reportId, recipient: request.recipient });
    expect(fetched.actor).to.deep.equal({ type: 'reviewer', id: 'sen_rpt', role: 'senior' });
    expect(fetched.detail.reportId).to.equal(report.reportId);

    const event = await eventually(
      () => h.webhooks.forOrder(c.orderId).find((e) => e.type === 'check.report_created'),
      60_000,
      'the report webhook',
    );
    expect(event.id).to.equal(`${c.checkId}.report.${report.reportId}`);
    expect((event.data as any).report).to.deep.include({ reportId: report.reportId, reference: request.reference });
    expect((event.data as any).report.note).to.equal(undefined);
    expect(event.data.status).to.equal('rejected');
  });

  it('originals only when an admin asks for them', async () => {
    const c = await reviewedWithDocuments(h, reviewer);
    await decide(h, reviewer, c.checkId, { action: 'reject', reason: 'forged utility bill' });
    await waitForStatus(h, reviewer, c.checkId, 'rejected');
    const created = await post(admin, `/v1/review/cases/${c.checkId}/reports`, { ...request, recipient: { kind: 'authority', name: 'Police' }, includeOriginals: true });
    expect(created.status).to.equal(201);
    const zip = await download(h.baseUrl, admin, `/v1/review/cases/${c.checkId}/reports/${created.body.reportId}/file`);
    const documents = Object.keys(zip.files!).filter((p) => p.startsWith('documents/'));
    expect(documents.filter((p) => p.includes('-original'))).to.have.length(c.documentIds.length);
    expect(documents.filter((p) => p.includes('-preview'))).to.have.length(c.documentIds.length);
  });

  it('after the retention purge the file is gone (410); the record of who sent it stays', async () => {
    // An API whose new checks keep their data 20 s after they end; the harness sweeps every 2 s.
    const api = await h.startApi({ RETENTION_PERIOD: '20s' });
    const c = await inReview(h, {}, api.baseUrl);
    await decide(h, reviewer, c.checkId, { action: 'reject', reason: 'card holder confirmed fraud' });
    await waitForStatus(h, reviewer, c.checkId, 'rejected');
    const created = await post(senior, `/v1/review/cases/${c.checkId}/reports`, { ...request, recipient: { kind: 'bank', name: 'First Bank' } });
    expect(created.status).to.equal(201);
    const file = `/v1/review/cases/${c.checkId}/reports/${created.body.reportId}/file`;
    expect((await download(h.baseUrl, senior, file)).status).to.equal(200);
    const gone = await eventually(async () => {
      const r = await download(h.baseUrl, senior, file);
      return r.status === 410 ? r : undefined;
    }, 90_000, 'the purge');
    expect(gone.body.error.code).to.equal('gone');
    const listed = await call(h.baseUrl, 'GET', `/v1/review/cases/${c.checkId}/reports`, { token: senior });
    const after = listed.body.items.find((r: any) => r.reportId === created.body.reportId);
    expect(after.purgedAt).to.be.a('string');
    expect(after.note).to.equal(null);
    expect(after.recipient).to.deep.equal({ kind: 'bank', name: 'First Bank' });
  });
});
