/**
 * `npm run bench:blobs`: what storing an upload's bytes costs, where they were (GridFS on the
 * embedded FerretDB/PostgreSQL) and where they are now (files under BLOB_DIR), and, for
 * scale only, the S3 store against the in-memory S3-protocol server of the tests (loopback
 * HTTP and the SDK, not MinIO's disks). One photo-sized blob of random bytes (ciphertext is
 * incompressible), put then get, BENCH_BLOB_RUNS times after a warm-up, from this process,
 * with nothing else of ours running. A fresh embedded stack with fsync on, as `npm start` runs.
 *
 * Env: BENCH_BLOB_RUNS (30), BENCH_BLOB_BYTES (1 900 000: an average 12 MP upload).
 * The last line is JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startStack } from '../stack';
import { freePort } from '../stack/processes';
import { startTestS3 } from '../stack/s3';
import type { BlobStore } from '../documents/blobStore';
import { FileBlobStore } from '../documents/fileBlobStore';
import { S3BlobStore } from '../documents/s3BlobStore';
import { deleteGridFsBlobs, getGridFsBlob, putGridFsBlob } from '../documents/gridFsBlobs';
import { percentile, summary } from './lib';

const runs = Number(process.env.BENCH_BLOB_RUNS ?? 30);
const size = Number(process.env.BENCH_BLOB_BYTES ?? 1_900_000);

interface Measured {
  put: number[];
  get: number[];
}

async function measure(store: Pick<BlobStore, 'put' | 'get' | 'deleteDocument'>): Promise<Measured> {
  const blob = randomBytes(size);
  const out: Measured = { put: [], get: [] };
  for (let i = 0; i <= runs; i++) {
    const id = `doc_${randomBytes(12).toString('base64url')}`;
    let t = performance.now();
    await store.put(`${id}/original`, blob);
    const put = performance.now() - t;
    t = performance.now();
    const read = await store.get(`${id}/original`);
    const get = performance.now() - t;
    if (!read || read.length !== blob.length) throw new Error('read back the wrong bytes');
    await store.deleteDocument(id);
    if (i > 0) {
      // the first is a warm-up
      out.put.push(put);
      out.get.push(get);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fraud-engine-bench-blobs-'));
  const stack = await startStack({ dataDir, ports: { postgres: await freePort(), mongo: await freePort(), temporal: await freePort(), temporalUi: await freePort() } });
  const s3 = await startTestS3({ bucket: 'bench', logDir: stack.logDir });
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  const db = await mongoose.createConnection(stack.mongodbUri).asPromise();
  const s3Store = new S3BlobStore({ bucket: 'bench', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
  const results: Record<string, Measured> = {};
  try {
    results.gridfs = await measure({
      put: (name, bytes) => putGridFsBlob(db.db!, name, bytes),
      get: (name) => getGridFsBlob(db.db!, name),
      deleteDocument: async (id) => void (await deleteGridFsBlobs(db.db!, id)),
    });
    results.filesystem = await measure(new FileBlobStore(path.join(dataDir, 'blobs')));
    results.s3 = await measure(s3Store);
  } finally {
    s3Store.close();
    await db.close();
    await s3.stop();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const mb = (size / 1e6).toFixed(1);
  const labels: Record<string, string> = {
    gridfs: 'GridFS on FerretDB (before)',
    filesystem: 'files under BLOB_DIR (now)',
    s3: 'S3 store, in-memory test server',
  };
  console.log(`Blob put / get of ${mb} MB, ${runs} runs each after a warm-up, load average ${os.loadavg()[0].toFixed(1)} at the end`);
  for (const [kind, m] of Object.entries(results)) {
    console.log(summary(`${labels[kind]}: put`, m.put));
    console.log(summary(`${labels[kind]}: get`, m.get));
  }
  const figures = Object.fromEntries(
    Object.entries(results).map(([kind, m]) => {
      const p = (xs: number[], q: number) => Math.round(percentile([...xs].sort((a, b) => a - b), q) * 10) / 10;
      return [kind, { putP50: p(m.put, 50), putP95: p(m.put, 95), getP50: p(m.get, 50), getP95: p(m.get, 95) }];
    }),
  );
  console.log(JSON.stringify({ bench: 'blobs', bytes: size, runs, loadAverage: os.loadavg()[0], ...figures }));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
