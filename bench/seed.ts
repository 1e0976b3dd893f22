/**
 * Synthetic read-model records for benchmarks: documents shaped like what
 * `activities/readModel.ts` `projectCheck` writes into `checks` (flat queue
 * fields, risk, timeline, documents, claim, order metadata), inserted directly
 * with `insertMany` — no workflows behind them. Deterministic (seeded PRNG).
 *
 * Mix: ~2 % open cases (in_review 60 %, escalated 15 %, awaiting_documents 25 %),
 * the rest final (approved 82 %, rejected 8 %, expired 6 %, cancelled 4 %),
 * created over the last 180 days (open ones over the last days).
 */
import { seededRandom } from '../test/fixtures/random';
import type mongoose from 'mongoose';
import { openStatuses, queueFields } from '../models/queueEntry';

type Db = mongoose.mongo.Db;

const rng = seededRandom;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REVIEW_SLA = 4 * HOUR;
const UPLOAD_DEADLINE = 72 * HOUR;
const RULESET = '2026-11-25.1';

type Status = 'approved' | 'rejected' | 'expired' | 'cancelled' | 'in_review' | 'escalated' | 'awaiting_documents';
type Band = 'low' | 'medium' | 'high' | 'critical';

const reasonPool: { code: string; points: number; detail: string; asks?: string }[] = [
  { code: 'PREVIOUS_CHARGEBACKS', points: 35, detail: '2 previous chargebacks on this customer' },
  { code: 'PROXY_OR_VPN', points: 20, detail: 'placed through a proxy or VPN (exit country US)' },
  { code: 'NEW_ACCOUNT', points: 15, detail: 'account created 1 day ago', asks: 'identity' },
  { code: 'AVS_MISMATCH', points: 15, detail: 'AVS result: mismatch', asks: 'payment_ownership' },
  { code: 'SHIPPING_BILLING_COUNTRY_MISMATCH', points: 15, detail: 'shipping to US, billing in GB', asks: 'address' },
  { code: 'NO_3DS_HIGH_VALUE', points: 12, detail: '3-D Secure not performed on $1,899.00', asks: 'payment_ownership' },
  { code: 'FIRST_ORDER_HIGH_VALUE', points: 10, detail: 'first order, total $1,899.00 (at least $250.00)', asks: 'identity' },
  { code: 'HIGH_VALUE', points: 10, detail: 'order total $1,899.00 (at least $500.00)', asks: 'identity' },
  { code: 'RISKY_CATEGORY', points: 8, detail: 'electronics worth $1,899.00' },
  { code: 'IP_COUNTRY_MISMATCH', points: 8, detail: 'IP in DE, billing in US' },
  { code: 'RANDOM_EMAIL', points: 6, detail: 'the e-mail local part looks machine-generated', asks: 'identity' },
  { code: 'ESTABLISHED_CUSTOMER', points: -15, detail: '12 earlier orders, no chargebacks' },
];

const catalogue = [
  { sku: 'sku_drill', name: 'Drill', category: 'tools', unitAmount: 12999 },
  { sku: 'sku_tv', name: '85in TV', category: 'electronics', unitAmount: 189900 },
  { sku: 'sku_phone', name: 'Phone', category: 'electronics', unitAmount: 99900 },
  { sku: 'sku_shoes', name: 'Running shoes', category: 'apparel', unitAmount: 8900 },
  { sku: 'gc_100', name: 'Gift card', category: 'gift_cards', unitAmount: 10000 },
  { sku: 'sku_lamp', name: 'Desk lamp', category: 'home', unitAmount: 4500 },
];
const cities = [
  ['Austin', '78701', 'TX', 'US'],
  ['Leeds', 'LS1 1AA', undefined, 'GB'],
  ['Miami', '33101', 'FL', 'US'],
  ['Berlin', '10115', undefined, 'DE'],
  ['Lyon', '69001', undefined, 'FR'],
] as const;

export interface SeedOptions {
  total: number;
  /** Open cases (in_review / escalated / awaiting_documents); default 2 % of total. */
  open?: number;
  now?: number;
  seed?: number;
}

/** The `i`-th synthetic check record. */
function record(i: number, open: boolean, now: number, rand: () => number, tag: string): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const r = rand();
  let status: Status;
  if (open) status = r < 0.6 ? 'in_review' : r < 0.75 ? 'escalated' : 'awaiting_documents';
  else status = r < 0.82 ? 'approved' : r < 0.9 ? 'rejected' : r < 0.96 ? 'expired' : 'cancelled';

  // How the check started: approve (clean), review (reviewer), verify (documents).
  let path: 'clean' | 'review' | 'verify';
  if (status === 'approved') path = rand() < 0.85 ? 'clean' : rand() < 0.5 ? 'review' : 'verify';
  else if (status === 'expired' || status === 'awaiting_documents') path = 'verify';
  else if (status === 'cancelled') path = rand() < 0.6 ? 'verify' : 'review';
  else path = rand() < 0.6 ? 'review' : 'verify';

  const reasons =
    path === 'clean'
      ? rand() < 0.5
        ? []
        : [reasonPool[11], ...(rand() < 0.4 ? [reasonPool[8]] : [])]
      : [...reasonPool.slice(0, 11)].sort(() => rand() - 0.5).slice(0, 2 + Math.floor(rand() * 5));
  const score = Math.max(0, Math.min(100, reasons.reduce((s, x) => s + x.points, 0) + (path === 'clean' ? 0 : 20)));
  const band: Band = score >= 75 ? 'critical' : score >= 50 ? 'high' : score >= 25 ? 'medium' : 'low';
  const action = path === 'clean' ? 'approve' : path === 'review' ? 'review' : 'verify';

  const age = open ? (status === 'awaiting_documents' ? rand() * 70 * HOUR : status === 'in_review' ? rand() * 3.5 * HOUR : 4 * HOUR + rand() * 2 * DAY) : rand() * 180 * DAY;
  const created = now - age;
  const at = (offset: number) => new Date(created + offset).toISOString();
  const n = `${tag}${i.toString(36)}`;
  const [city, postalCode, region, country] = pick(cities);
  const [shipCity, shipPostal, shipRegion, shipCountry] = path === 'clean' || rand() < 0.5 ? [city, postalCode, region, country] : pick(cities);
  const item = pick(catalogue);
  const quantity = 1 + Math.floor(rand() * 3);
  const amount = item.unitAmount * quantity;
  const orderId = `ord_seed_${n}`;
  const checkId = `chk_seed_${n}`;
  const order = {
    orderId,
    placedAt: at(-2000),
    amount,
    currency: 'USD',
    channel: pick(['web', 'web', 'mobile_app', 'marketplace'] as const),
    customer: {
      id: `cus_${n}`,
      email: `customer.${n}@example.com`,
      name: pick(['Ann Lee', 'Bo Chen', 'Cara Diaz', 'Dev Patel', 'Eli Novak']),
      accountCreatedAt: new Date(created - rand() * 900 * DAY).toISOString(),
      previousOrders: Math.floor(rand() * 30),
      previousChargebacks: reasons.some((x) => x.code === 'PREVIOUS_CHARGEBACKS') ? 2 : 0,
    },
    payment: {
      method: 'card',
      card: { bin: '411111', last4: String(1000 + (i % 9000)), country, fingerprint: `fp_${n}` },
      avsResult: reasons.some((x) => x.code === 'AVS_MISMATCH') ? 'mismatch' : 'match',
      cvvResult: 'match',
      threeDSecure: path === 'clean' ? 'authenticated' : 'not_performed',
      failedAttempts: 0,
    },
    billingAddress: { line1: `${i} Main St`, city, postalCode, ...(region ? { region } : {}), country },
    shippingAddress: { line1: `${i} Harbor Rd`, city: shipCity, postalCode: shipPostal, ...(shipRegion ? { region: shipRegion } : {}), country: shipCountry },
    items: [{ sku: item.sku, name: item.name, category: item.category, quantity, unitAmount: item.unitAmount }],
    device: { ip: `198.51.${i % 256}.${(i >> 8) % 256}`, ipCountry: country, userAgent: 'Mozilla/5.0', fingerprint: `dev_${n}`, isProxy: reasons.some((x) => x.code === 'PROXY_OR_VPN') },
  };

  const system = { type: 'system' };
  const reviewer = { type: 'reviewer', id: `rev_${pick(['ann', 'bob', 'cat', 'dan', 'eve'])}`, role: 'reviewer' };
  const timeline: Record<string, unknown>[] = [];
  let seq = 0;
  let t = 0;
  const step = (event: string, from: Status | null, to: Status, actor: unknown, reason: string, dt: number) => {
    t += dt;
    timeline.push({ seq: ++seq, at: at(t), event, from, to, actor, reason });
  };
  const first: Status = path === 'clean' ? 'approved' : path === 'review' ? 'in_review' : 'awaiting_documents';
  step('scored', null, first, system, `score ${score} (${band}): ${first === 'approved' ? 'released' : first === 'in_review' ? 'held for a reviewer' : 'documents requested before release'}`, 0);

  let verification: Record<string, unknown> | null = null;
  const documents: Record<string, unknown>[] = [];
  let slaDueAt: Date | null = null;
  let version = 1;
  const requested = [...new Set(['identity', ...reasons.flatMap((x) => (x.asks ? [x.asks] : []))])];
  if (path === 'verify') {
    verification = { round: 1, requested, startedAt: at(0), expiresAt: at(UPLOAD_DEADLINE), remindersSent: status === 'expired' ? 2 : Math.floor(rand() * 2) };
    if (status !== 'expired' && status !== 'awaiting_documents') {
      for (const [k, kind] of requested.entries()) {
        const flagged = rand() < 0.05;
        documents.push({
          documentId: `doc_seed_${n}_${k}`,
          kind,
          round: 1,
          status: 'accepted',
          reason: null,
          uploadedAt: at(HOUR + k * 60_000),
          flags: flagged ? ['duplicate'] : [],
          duplicates: flagged ? [{ checkId: `chk_seed_${tag}${Math.floor(rand() * i + 1).toString(36)}`, documentId: `doc_seed_x_${k}`, distance: 2, exact: false }] : [],
        });
        version += 2;
      }
      step('documents_received', 'awaiting_documents', 'in_review', system, 'every requested document was accepted', 2 * HOUR);
      slaDueAt = new Date(created + t + REVIEW_SLA);
    } else if (status === 'awaiting_documents' && rand() < 0.3) {
      documents.push({ documentId: `doc_seed_${n}_0`, kind: 'identity', round: 1, status: rand() < 0.7 ? 'accepted' : 'rejected', reason: null, uploadedAt: at(age * 0.5), flags: [], duplicates: [] });
      version += 2;
    }
  } else if (path === 'review') {
    slaDueAt = new Date(created + REVIEW_SLA);
  }
  if (status === 'escalated') {
    step('escalated', 'in_review', 'escalated', system, 'review SLA ran out', REVIEW_SLA);
    slaDueAt = null;
  } else if (status === 'expired') {
    step('expired', 'awaiting_documents', 'expired', system, 'the upload deadline passed without the requested documents', UPLOAD_DEADLINE);
  } else if (status === 'cancelled') {
    step('cancelled', timeline[timeline.length - 1].to as Status, 'cancelled', { type: 'service', id: 'shop' }, 'order cancelled by the shop', HOUR * rand() * 3);
  } else if ((status === 'approved' || status === 'rejected') && path !== 'clean') {
    version += 1; // the claim
    step(status, 'in_review', status, reviewer, status === 'approved' ? 'documents match the order' : 'card owner could not be confirmed', 30 * 60_000 + rand() * 2 * HOUR);
  }
  version += timeline.length - 1;

  // A claimed open case: about one in ten.
  let claim: Record<string, unknown> | null = null;
  if ((status === 'in_review' || status === 'escalated') && rand() < 0.1) {
    claim = { assignee: status === 'escalated' ? 'sen_cat' : reviewer.id, role: status === 'escalated' ? 'senior' : 'reviewer', leaseExpiresAt: new Date(now + rand() * 15 * 60_000).toISOString() };
    version += 1;
  }
  const fulfilment = status === 'approved' ? 'release' : ['rejected', 'expired', 'cancelled'].includes(status) ? 'cancel' : 'hold';
  return {
    _id: checkId,
    orderId,
    status,
    fulfilment,
    score,
    band,
    risk: { score, band, action, rulesetVersion: RULESET, reasons: reasons.map(({ code, points, detail }) => ({ code, points, detail })).sort((a, b) => b.points - a.points) },
    verification,
    timeline,
    version,
    documents,
    claim,
    slaDueAt: status === 'in_review' ? slaDueAt : null,
    assignee: (claim?.assignee as string | undefined) ?? null,
    leaseExpiresAt: claim ? new Date(claim.leaseExpiresAt as string) : null,
    documentCount: documents.length,
    flags: [...new Set(documents.flatMap((d) => d.flags as string[]))],
    createdAt: new Date(created),
    updatedAt: new Date(created + t),
    order,
    amount,
    currency: 'USD',
  };
}

const open_: readonly string[] = openStatuses;

/**
 * Inserts `total` synthetic checks into `checks` in batches (`insertMany`, unordered), with up
 * to `parallel` batches in flight. Returns the count per status. `onBatch` reports progress.
 */
export async function seedChecks(
  db: Db,
  { total, open = Math.round(total * 0.02), now = Date.now(), seed = 42 }: SeedOptions,
  { batchSize = 1000, parallel = 1, onBatch }: { batchSize?: number; parallel?: number; onBatch?: (inserted: number) => void } = {},
): Promise<Record<string, number>> {
  const rand = rng(seed);
  const tag = `${seed.toString(36)}_`;
  const counts: Record<string, number> = {};
  // Open cases spread evenly through the id range: exactly `open` of them.
  const isOpenAt = (i: number) => Math.floor(((i + 1) * open) / total) > Math.floor((i * open) / total);
  const collection = db.collection('checks');
  const queue = db.collection('queue');
  let nextStart = 0;
  let inserted = 0;
  const makeBatch = (start: number) => {
    const batch: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(total, start + batchSize); i++) {
      const doc = record(i, isOpenAt(i), now, rand, tag);
      counts[doc.status as string] = (counts[doc.status as string] ?? 0) + 1;
      batch.push(doc);
    }
    return batch;
  };
  await Promise.all(
    Array.from({ length: Math.max(1, parallel) }, async () => {
      while (nextStart < total) {
        const batch = makeBatch(nextStart); // synchronous: batches stay in id order and the PRNG sequence is fixed
        nextStart += batchSize;
        await collection.insertMany(batch as never[], { ordered: false });
        // Open checks also get their queue entry, as the projection activity writes it.
        const entries = batch.filter((d) => open_.includes(d.status as string)).map((d) => ({ _id: d._id, ...queueFields(d) }));
        if (entries.length > 0) await queue.insertMany(entries as never[], { ordered: false });
        inserted += batch.length;
        onBatch?.(inserted);
      }
    }),
  );
  return counts;
}

/** The id `seedChecks` gives its `i`-th record. */
export function seededCheckId(i: number, seed = 42): string {
  return `chk_seed_${seed.toString(36)}_${i.toString(36)}`;
}
