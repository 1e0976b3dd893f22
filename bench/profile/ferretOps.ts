/**
 * What single database operations of the decision path cost on this FerretDB, one at a
 * time (from the bench process, through the same driver): so a change of operation (an
 * upsert for an insert, five lookups for one) can be priced before it is made. Runs on the
 * tuned collections (their GIN indexes) with ids of its own, removed afterwards.
 */
import mongoose from 'mongoose';
import { load, percentiles, type Percentiles } from '../lib';

export interface OpCost {
  name: string;
  p: Percentiles;
}

/** A read-model document of about the size of a clean check's. */
function checkDoc(id: string, version: number, tag: string) {
  return {
    benchOp: tag,
    orderId: `ord_${id}`,
    status: 'approved',
    fulfilment: 'release',
    score: 5,
    band: 'low',
    risk: { score: 5, band: 'low', action: 'approve', rulesetVersion: '2026-11-25.1', reasons: [{ code: 'ESTABLISHED_CUSTOMER', points: -15, detail: '12 earlier orders, no chargebacks' }] },
    verification: null,
    timeline: [{ seq: 1, at: new Date().toISOString(), event: 'scored', from: null, to: 'approved', actor: { type: 'system' }, reason: 'score 5 (low): released' }],
    version,
    documents: [],
    claim: null,
    slaDueAt: null,
    assignee: null,
    leaseExpiresAt: null,
    documentCount: 0,
    flags: [],
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

export async function ferretOpCosts(uri: string, runs = 30): Promise<OpCost[]> {
  const conn = await mongoose.createConnection(uri).asPromise();
  const db = conn.db!;
  const checks = db.collection<Record<string, unknown>>('checks');
  const velocity = db.collection<Record<string, unknown>>('velocity');
  const blocklist = db.collection<Record<string, unknown>>('blocklist');
  const tag = `bench_op_${Date.now().toString(36)}`;
  let n = 0;
  const id = () => `${tag}_${n++}`;
  const existing: string[] = [];
  const order = { amount: 12999, currency: 'USD', customer: { email: 'ann@example.com', name: 'Ann Lee' } };
  const ops: [string, () => Promise<unknown>][] = [
    [
      'checks insertOne (new)',
      async () => {
        const _id = id();
        await checks.insertOne({ _id, ...checkDoc(_id, 1, tag), order } as never);
        existing.push(_id);
      },
    ],
    [
      'checks updateOne {_id, version $lt} upsert (new) — the projection today',
      () => {
        const _id = id();
        return checks.updateOne({ _id, version: { $lt: 1 } } as never, { $set: checkDoc(_id, 1, tag), $setOnInsert: { order } }, { upsert: true });
      },
    ],
    [
      'checks updateOne {_id, version $lt} upsert (existing)',
      () => {
        const _id = existing[n++ % existing.length];
        return checks.updateOne({ _id, version: { $lt: 2 + n } } as never, { $set: checkDoc(_id, 2 + n, tag) }, { upsert: true });
      },
    ],
    ['checks updateOne {_id} $set (existing, no upsert)', () => checks.updateOne({ _id: existing[n++ % existing.length] } as never, { $set: { updatedAt: new Date() } })],
    ['checks findOne {_id}', () => checks.findOne({ _id: existing[n++ % existing.length] } as never)],
    ['velocity find {email: bucket, _id $ne} limit 50 (miss)', () => velocity.find({ email: `${tag}:${n++}`, _id: { $ne: 'x' } } as never, { projection: { at: 1 } }).limit(50).toArray()],
    ['velocity insertOne', () => velocity.insertOne({ _id: id(), at: new Date(), card: [`${tag}:a`, `${tag}:b`], email: [`${tag}:c`, `${tag}:d`], ip: [`${tag}:e`, `${tag}:f`] } as never)],
    ['blocklist findOne {_id} (miss)', () => blocklist.findOne({ _id: `${tag}:${n++}` } as never, { projection: { _id: 1 } })],
    ['5 × blocklist findOne {_id}, in parallel', () => Promise.all(Array.from({ length: 5 }, () => blocklist.findOne({ _id: `${tag}:${n++}` } as never, { projection: { _id: 1 } })))],
    ['5 × velocity find, in parallel', () => Promise.all(Array.from({ length: 5 }, () => velocity.find({ email: `${tag}:${n++}`, _id: { $ne: 'x' } } as never, { projection: { at: 1 } }).limit(50).toArray()))],
  ];
  const out: OpCost[] = [];
  try {
    for (const [name, op] of ops) {
      for (let i = 0; i < 3; i++) await op(); // warm-up
      const run = await load(runs, 1, async () => void (await op()));
      out.push({ name, p: percentiles(run.latencies) });
    }
  } finally {
    await checks.deleteMany({ benchOp: tag }).catch(() => undefined);
    await velocity.deleteMany({ card: `${tag}:a` } as never).catch(() => undefined);
    await conn.close();
  }
  return out;
}
