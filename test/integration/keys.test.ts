/**
 * Rotating DOCUMENT_KEY, through the real processes: a key ring that cannot read what the
 * deployment holds stops the start (nothing written); with the old key in
 * PREVIOUS_DOCUMENT_KEYS everything carries on — documents, open workflows, links, velocity;
 * `npm run keys -- rewrap` moves every document under the new key, after which the new key
 * alone reads them.
 *
 * Its own database and Temporal server (on the harness's FerretDB), because the keys it
 * records would stop the shared harness processes from restarting with theirs.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import sharp from 'sharp';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { startStack, type Stack } from '../../stack';
import { freePort } from '../../stack/processes';
import { startService, type Service } from '../../stack/services';
import { cleanOrder, suspiciousOrder } from '../fixtures/orders';
import { documentJpeg } from '../fixtures/images';

const root = path.resolve(__dirname, '../..');

/** `npm run keys -- <args>` as an operator runs it, with `env`. */
function keysCommand(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Starting must fail; returns what the process logged. */
async function refusedStart(start: () => Promise<unknown>): Promise<string> {
  let failure: Error | undefined;
  try {
    const started = await start();
    const service = (started as { service?: Service }).service ?? (started as Service);
    await service.stop();
  } catch (error) {
    failure = error as Error;
  }
  if (!failure) expect.fail('the process started');
  const log = /see (.+\.log)\)/.exec(failure.message)?.[1];
  expect(log, failure.message).to.be.a('string');
  return readFileSync(log!, 'utf8');
}

describe('DOCUMENT_KEY rotation (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let temporal: Stack;
  let db: mongoose.Connection;
  let dataDir: string;
  let isolated: NodeJS.ProcessEnv;
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  const running: Service[] = [];
  let senior: string;

  const startWorker = async (env: NodeJS.ProcessEnv, name = 'keys-worker') => {
    const worker = await startService(name, 'worker/main.ts', { ...h.env, ...isolated, ...env }, { logDir: temporal.logDir });
    running.push(worker);
    return worker;
  };
  const startApi = async (env: NodeJS.ProcessEnv) => {
    const api = await h.startApi({ ...isolated, ...env });
    running.push(api.service);
    return api;
  };
  const stopAll = async () => {
    for (const s of running.splice(0)) await s.stop();
  };
  const recordedKeys = async () => (await db.collection('keys').find({}).toArray()).map((k) => String(k._id)).sort();
  /** A key's id as records and envelopes name it: the first 8 bytes of its SHA-256, hex. */
  const keyIdOf = async (key: string) => createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 16);

  // What phase A leaves behind, for the later phases.
  let apiA: string;
  let check: { orderId: string; checkId: string; token: string };
  let identity: { documentId: string; bytes: Buffer };
  const card = `fp_rot_${randomBytes(4).toString('hex')}`;
  const sameCard = () => {
    const order = cleanOrder();
    return { ...order, payment: { ...order.payment, card: { ...order.payment.card, fingerprint: card } } };
  };

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-keys-'));
    const mongodbUri = h.stack.mongodbUri.replace(/\/fraud(?=\?|$)/, `/keys_${randomBytes(4).toString('hex')}`);
    temporal = await startStack({ dataDir, mongodbUri, ephemeral: true, ports: { temporal: await freePort() } });
    isolated = { DATA_DIR: dataDir, MONGODB_URI: mongodbUri, TEMPORAL_ADDRESS: temporal.temporalAddress };
    db = await mongoose.createConnection(mongodbUri).asPromise();
    senior = await h.token('sen_rot', 'senior');
  });
  after(async () => {
    await stopAll();
    await db?.close();
    await temporal?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const upload = async (baseUrl: string, token: string, kind: string, bytes: Buffer) => {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
    const res = await call(baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const documentId = res.body.documentId as string;
    const doc = await eventually(async () => {
      const page = await call(baseUrl, 'GET', `/v1/verification/${token}`);
      const d = page.body.documents?.find((x: { documentId: string }) => x.documentId === documentId);
      return d && d.status !== 'processing' ? d : undefined;
    }, 60_000, `processing of ${documentId}`);
    expect(doc.status).to.equal('accepted');
    return documentId;
  };
  const original = async (baseUrl: string, documentId: string) => {
    const res = await fetch(`${baseUrl}/v1/review/cases/${check.checkId}/documents/${documentId}/content?variant=original`, {
      headers: { authorization: `Bearer ${senior}` },
    });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it('under key A: a check waits for documents, one is accepted; three orders with one card', async () => {
    await startWorker({ DOCUMENT_KEY: keyA });
    apiA = (await startApi({ DOCUMENT_KEY: keyA })).baseUrl;
    const order = suspiciousOrder();
    const created = await call(apiA, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
    expect(created.body.status).to.equal('awaiting_documents');
    check = { orderId: order.orderId, checkId: created.body.checkId, token: created.body.verification.token };
    const bytes = await documentJpeg();
    identity = { documentId: await upload(apiA, check.token, 'identity', bytes), bytes };
    expect((await original(apiA, identity.documentId)).bytes.equals(bytes)).to.equal(true);
    for (let i = 0; i < 3; i++) {
      const res = await call(apiA, 'POST', '/v1/checks', { token: h.serviceKey, json: sameCard() });
      expect(res.status).to.equal(201);
    }
    expect(await recordedKeys()).to.deep.equal([await keyIdOf(keyA)]);
    await stopAll();
  });

  it('DOCUMENT_KEY=B alone: the API and the worker refuse to start, naming DOCUMENT_KEY / PREVIOUS_DOCUMENT_KEYS; nothing written', async () => {
    const before = await db.collection('keys').find({}).toArray();
    const apiLog = await refusedStart(() => startApi({ DOCUMENT_KEY: keyB }));
    expect(apiLog).to.include('DOCUMENT_KEY / PREVIOUS_DOCUMENT_KEYS cannot read what this deployment already holds');
    expect(apiLog).to.include(await keyIdOf(keyA));
    const workerLog = await refusedStart(() => startWorker({ DOCUMENT_KEY: keyB }, 'keys-worker-b'));
    expect(workerLog).to.include('PREVIOUS_DOCUMENT_KEYS');
    expect(await db.collection('keys').find({}).toArray()).to.deep.equal(before);

    // A deployment from before the key record (no `keys` yet): its documents and workflows say which key they need.
    await db.collection('keys').deleteMany({});
    const firstStartLog = await refusedStart(() => startApi({ DOCUMENT_KEY: keyB }));
    expect(firstStartLog).to.include('found in existing data');
    expect(await recordedKeys()).to.deep.equal([]);
  });

  it('DOCUMENT_KEY=B, PREVIOUS_DOCUMENT_KEYS=A: documents, open workflows, links and velocity carry on', async () => {
    await startWorker({ DOCUMENT_KEY: keyB, PREVIOUS_DOCUMENT_KEYS: keyA });
    const api = (await startApi({ DOCUMENT_KEY: keyB, PREVIOUS_DOCUMENT_KEYS: keyA })).baseUrl;
    expect(await recordedKeys()).to.deep.equal([await keyIdOf(keyA), await keyIdOf(keyB)].sort());

    // The document stored under A.
    const seen = await original(api, identity.documentId);
    expect(seen.status).to.equal(200);
    expect(seen.bytes.equals(identity.bytes)).to.equal(true);
    // The link: the same token in the answer, and it still works.
    const current = await call(api, 'GET', `/v1/checks/${check.orderId}`, { token: h.serviceKey });
    expect(current.body.verification.token).to.equal(check.token);
    expect((await call(api, 'GET', `/v1/verification/${check.token}`)).status).to.equal(200);
    // The workflow written under A carries on under B: another upload is processed and recorded.
    const address = await upload(api, check.token, 'address', await sharp(await documentJpeg()).modulate({ hue: 120 }).jpeg().toBuffer());
    expect((await original(api, address)).status).to.equal(200);
    // Velocity: the three orders with this card before the rotation still count.
    const fourth = await call(api, 'POST', '/v1/checks', { token: h.serviceKey, json: sameCard() });
    expect(fourth.status).to.equal(201);
    expect(fourth.body.risk.reasons.map((r: { code: string }) => r.code)).to.include('CARD_VELOCITY');
  });

  it('`npm run keys -- rewrap` moves every document under B (idempotent) and says what still needs A', async () => {
    const env = { ...h.env, ...isolated, DOCUMENT_KEY: keyB, PREVIOUS_DOCUMENT_KEYS: keyA };
    const idA = await keyIdOf(keyA);
    const first = await keysCommand(env, 'rewrap');
    expect(first.code, first.output).to.equal(0);
    expect(first.output).to.match(/re-wrapped now\s+1\n/);
    expect(first.output).to.match(new RegExp(`${idA}\\s+PREVIOUS_DOCUMENT_KEYS\\s+0 documents`));
    expect(first.output).to.match(/\d+ running workflows started before/);
    expect(first.output).to.include(`${idA}: wraps no document; keep it in PREVIOUS_DOCUMENT_KEYS until those`);
    const again = await keysCommand(env, 'rewrap');
    expect(again.code, again.output).to.equal(0);
    expect(again.output).to.match(/re-wrapped now\s+0\n/);
    const docs = await db.collection('documents').find({}, { projection: { 'dataKey.keyId': 1 } }).toArray();
    expect(docs.map((d) => d.dataKey.keyId)).to.deep.equal(docs.map(() => 'x').map(() => docs[0].dataKey.keyId));
    expect(docs[0].dataKey.keyId).to.equal(await keyIdOf(keyB));

    // Open workflows started under A still need it: retiring A is refused, unless forced.
    const refused = await keysCommand(env, 'retire', idA);
    expect(refused.code, refused.output).to.equal(1);
    expect(refused.output).to.match(/running workflows started before .* may hold payloads encrypted with key/);
    const forced = await keysCommand(env, 'retire', idA, '--force');
    expect(forced.code, forced.output).to.equal(0);
    expect(forced.output).to.include(`Key ${idA} is retired`);
  });

  it('after the re-wrap (and A retired), DOCUMENT_KEY=B alone starts and reads the documents', async () => {
    await stopAll();
    const api = (await startApi({ DOCUMENT_KEY: keyB })).baseUrl;
    const seen = await original(api, identity.documentId);
    expect(seen.status).to.equal(200);
    expect(seen.bytes.equals(identity.bytes)).to.equal(true);
    // Starting with A again as DOCUMENT_KEY un-retires it (it writes with it again).
    await stopAll();
    await startApi({ DOCUMENT_KEY: keyA, PREVIOUS_DOCUMENT_KEYS: keyB });
    const a = await db.collection('keys').findOne({ _id: (await keyIdOf(keyA)) as never });
    expect(a?.retiredAt).to.equal(undefined);
  });
});
