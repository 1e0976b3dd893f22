/**
 * The production build, run the way the image runs it: `node dist/api/main.js` and
 * `node dist/worker/main.js` (checks and documents queues) in NODE_ENV=production, from a
 * directory laid out like the image's runtime stage: package.json, the production
 * dependencies (`npm ci --omit=dev`, then deploy/image/prune-runtime.cjs, as in the
 * Dockerfile) and dist/. Against the embedded stack, over HTTP only; documents go to an S3
 * bucket (an S3-protocol server from stack/s3 standing in for MinIO), as in docker-compose.yml.
 *
 * Needs `npm run build` first; `npm run test:dist` (CI runs it after the build).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { startStack, type Stack } from '../../stack';
import { freePort } from '../../stack/processes';
import { startTestS3, type TestS3 } from '../../stack/s3';
import { S3BlobStore } from '../../documents/s3BlobStore';
import { call } from '../integration/client';
import { documentJpeg } from '../fixtures/images';
import { cleanOrder, suspiciousOrder } from '../fixtures/orders';

const root = path.resolve(__dirname, '..', '..');
const secret = () => randomBytes(32).toString('base64');

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('production build (dist/ on production dependencies)', function () {
  this.timeout(300_000);
  let dir: string;
  let app: string;
  let stack: Stack | undefined;
  let s3: TestS3 | undefined;
  const children: ChildProcess[] = [];
  let baseUrl: string;
  const serviceKey = `sk_dist_${randomBytes(8).toString('hex')}`;

  /** Starts `node dist/<entry>` in the runtime directory; resolves once it reports ready. */
  function startNode(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<void> {
    const log = createWriteStream(path.join(dir, `${name}.log`));
    const child = fork(path.join(app, entry), [], { cwd: app, env, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    children.push(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start (see ${dir}/${name}.log)`)), 120_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}: ${readFileSync(path.join(dir, `${name}.log`), 'utf8').slice(-2000)}`));
      });
    });
  }

  before(async () => {
    if (!existsSync(path.join(root, 'dist', 'workflow-bundle.js'))) throw new Error('no dist/: run `npm run build` first');
    dir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-dist-'));
    app = path.join(dir, 'app');

    // The image's runtime stage, without the base image.
    for (const file of ['package.json', 'package-lock.json']) cpSync(path.join(root, file), path.join(app, file));
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
    execFileSync(process.execPath, [path.join(root, 'deploy', 'image', 'prune-runtime.cjs'), app], { stdio: 'ignore' });
    cpSync(path.join(root, 'dist'), path.join(app, 'dist'), { recursive: true });

    stack = await startStack({
      dataDir: path.join(dir, 'data'),
      ephemeral: true,
      ports: { postgres: await freePort(), mongo: await freePort(), temporal: await freePort() },
    });
    s3 = await startTestS3({ bucket: 'fraud-documents', logDir: path.join(dir, 'logs') });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    // Only what production gives a process: no inherited development settings.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      DATA_DIR: path.join(dir, 'app-data'),
      TEMPORAL_ADDRESS: stack.temporalAddress,
      MONGODB_URI: stack.mongodbUri,
      SERVICE_API_KEYS: serviceKey,
      REVIEWER_JWT_SECRET: secret(),
      DOCUMENT_KEY: secret(),
      TOKEN_SECRET: secret(),
      PSEUDONYM_SECRET: secret(),
      AUDIT_SECRET: secret(),
      // Production sends e-mail by SMTP, or writes it to a folder only when told to.
      MAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'fraud-engine',
      AWS_SECRET_ACCESS_KEY: secret(),
      LOG_LEVEL: 'warn',
    };
    await Promise.all([
      startNode('checks-worker', 'dist/worker/main.js', { ...env, WORKER_TASK_QUEUES: 'checks' }),
      startNode('documents-worker', 'dist/worker/main.js', { ...env, WORKER_TASK_QUEUES: 'documents' }),
      startNode('api', 'dist/api/main.js', env),
    ]);
  });

  after(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        child.kill('SIGKILL');
      }
    }
    await stack?.stop();
    await s3?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('carries no tsx, esbuild, swc or webpack (a stub stands in for webpack)', () => {
    const modules = path.join(app, 'node_modules');
    for (const name of ['tsx', 'esbuild', '@esbuild', '@swc/core', 'swc-loader', 'typescript']) {
      expect(existsSync(path.join(modules, name)), name).to.equal(false);
    }
    const webpack = JSON.parse(readFileSync(path.join(modules, 'webpack', 'package.json'), 'utf8'));
    expect(webpack.version).to.equal('0.0.0-runtime-stub');
  });

  it('approves a clean order at once, with workflows from the prebuilt bundle', async () => {
    const reply = await call(baseUrl, 'POST', '/v1/checks', { token: serviceKey, json: cleanOrder() });
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    expect(reply.body).to.include({ status: 'approved', fulfilment: 'release' });
  });

  it('holds a suspicious order; the documents worker accepts a photo and a PDF', async () => {
    const reply = await call(baseUrl, 'POST', '/v1/checks', { token: serviceKey, json: suspiciousOrder() });
    expect(reply.status, JSON.stringify(reply.body)).to.equal(201);
    expect(reply.body.status).to.equal('awaiting_documents');
    const token: string = reply.body.verification.token;

    const pdf = await PDFDocument.create();
    const page = pdf.addPage([595, 842]);
    page.drawText('Utility bill, 1 Harbor Rd, Miami', { x: 50, y: 760, size: 18, font: await pdf.embedFont(StandardFonts.Helvetica) });
    const uploads: [string, Buffer, string, string][] = [
      ['identity', await documentJpeg(), 'id.jpg', 'image/jpeg'],
      ['address', Buffer.from(await pdf.save()), 'bill.pdf', 'application/pdf'],
    ];
    const documentIds: string[] = [];
    for (const [kind, bytes, name, type] of uploads) {
      const form = new FormData();
      form.set('kind', kind);
      form.set('file', new Blob([bytes], { type }), name);
      const upload = await call(baseUrl, 'POST', `/v1/verification/${token}/documents`, { body: form });
      expect(upload.status, JSON.stringify(upload.body)).to.equal(202);
      documentIds.push(upload.body.documentId);
    }

    const documents = await until('both documents processed', async () => {
      const status = await call(baseUrl, 'GET', `/v1/verification/${token}`);
      const docs: { kind: string; status: string; reason: string | null }[] = status.body.documents ?? [];
      return docs.length === 2 && docs.every((d) => d.status !== 'processing') ? docs : undefined;
    });
    expect(documents.map((d) => [d.kind, d.status, d.reason]).sort()).to.deep.equal([
      ['address', 'accepted', null],
      ['identity', 'accepted', null],
    ]);
    // The bytes are in the bucket, encrypted; nothing under DATA_DIR. (This process reads the
    // bucket with the SDK's default credential chain too; the server does not check signatures.)
    process.env.AWS_ACCESS_KEY_ID ??= 'fraud-engine-test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'fraud-engine-test';
    const bucket = new S3BlobStore({ bucket: s3!.bucket, endpoint: s3!.endpoint, region: 'us-east-1', forcePathStyle: true });
    try {
      const photo = await bucket.get(`${documentIds[0]}/original`);
      expect(photo, 'the photo in the bucket').to.be.instanceOf(Buffer);
      expect(photo!.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])), 'stored as a plain JPEG').to.equal(false);
      expect(await bucket.get(`${documentIds[0]}/preview`), 'its preview in the bucket').to.be.instanceOf(Buffer);
      const pdf = await bucket.get(`${documentIds[1]}/original`);
      expect(pdf?.subarray(0, 5).toString(), 'stored as a plain PDF').to.not.equal('%PDF-');
    } finally {
      bucket.close();
    }
    expect(existsSync(path.join(dir, 'app-data', 'blobs')), 'blobs under DATA_DIR').to.equal(false);
  });

  it('serves the pages from dist/web', async () => {
    const review = await call(baseUrl, 'GET', '/review');
    expect(review.status).to.equal(200);
    expect(review.headers.get('content-type')).to.match(/^text\/html/);
  });
});
