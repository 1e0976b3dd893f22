/**
 * Decision records of finished days, packed: what makes a backtest over 100 000 checks fast.
 *
 * Every decided check inserts its own record (`decisions`, one unique insert on the
 * decision path: nothing there waits for this module). The embedded database's cost of a
 * read is per document and per byte it returns (measured over 100 000 records of ~1.9 kB:
 * 30 s one by one; the same bytes in 100 documents 19 s; deflated, 1.9 s), so once a UTC
 * day is over, the packing pass (a Temporal Schedule, workflows/decisionPacking.ts) copies
 * the day's records into a few deflated documents of up to PACK_SIZE records each and then
 * seals the day:
 *
 * - the packs of an attempt carry a fresh `seal` id; the seal document (`_id` the day, a
 *   unique insert, written last) names the attempt whose packs hold the day. Packs of an
 *   attempt that died before sealing, or lost the seal to a concurrent pass, are never read.
 * - a day is packed GRACE_MS after it ends. A record carries the time of its check's
 *   decision, which the decision activity writes within its own run (seconds), so nothing
 *   of a sealed day arrives after the seal.
 * - the records stay where they are (the packs are a copy made for reading): a day can be
 *   packed again from them, and a day without a seal is read record by record.
 */
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { DecisionPackModel, DecisionRecordModel, DecisionSealModel, isDuplicateKey } from '../models';
import { dayOf } from '../models/ruleset';
import type { ScoredDecision } from '../scoring/backtest';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** Records per pack: ~110 kB deflated at today's record size, well inside a document's 16 MB. */
export const PACK_SIZE = 2_000;
/** A day is packed this long after it ends. */
export const GRACE_MS = 60 * 60_000;
/** How far back a packing pass looks for days without a seal (past the longest backtest period). */
export const LOOKBACK_DAYS = 400;
const DAY_MS = 86_400_000;

/** A decision record as stored in `decisions` (the facts as JSON text). */
export interface DecisionDoc {
  _id: string;
  orderId: string;
  createdAt: Date;
  rulesetVersion: string;
  live: ScoredDecision;
  facts: string;
}

/** A decision record as read back, facts parsed (the same from a pack and from `decisions`). */
export interface ReadDecision {
  checkId: string;
  orderId: string;
  createdAt: Date;
  rulesetVersion: string;
  live: ScoredDecision;
  facts: unknown;
}

const fromDoc = (d: DecisionDoc): ReadDecision => ({
  checkId: d._id,
  orderId: d.orderId,
  createdAt: d.createdAt,
  rulesetVersion: d.rulesetVersion,
  live: d.live,
  facts: JSON.parse(d.facts),
});

/**
 * Pack format 1: a JSON array of `[checkId, orderId, createdAt (epoch ms), rulesetVersion,
 * live, facts]` with the facts as an object (not as JSON text inside JSON), deflated.
 */
const FORMAT = 1;
type PackedRecord = [string, string, number, string, ScoredDecision, unknown];

export async function encodePack(records: readonly DecisionDoc[]): Promise<string> {
  const rows: PackedRecord[] = records.map((r) => [r._id, r.orderId, r.createdAt.getTime(), r.rulesetVersion, r.live, JSON.parse(r.facts)]);
  return (await deflate(Buffer.from(JSON.stringify(rows)))).toString('base64');
}

export async function decodePack(z: string, format: number): Promise<ReadDecision[]> {
  if (format !== FORMAT) throw new Error(`decision pack format ${format} is not known to this version`);
  const rows = JSON.parse((await inflate(Buffer.from(z, 'base64'))).toString()) as PackedRecord[];
  return rows.map(([checkId, orderId, at, rulesetVersion, live, facts]) => ({ checkId, orderId, createdAt: new Date(at), rulesetVersion, live, facts }));
}

const packId = (day: string, seal: string, part: number) => `${day}|${seal}|${part}`;

/** A day's records as stored in `decisions`, one by one (streamed). */
async function* storedRecords(day: string): AsyncGenerator<DecisionDoc> {
  const cursor = DecisionRecordModel.find({ day }).lean<DecisionDoc[]>().cursor({ batchSize: 1000 });
  try {
    yield* cursor as AsyncIterable<DecisionDoc>;
  } finally {
    await cursor.close();
  }
}

/** When a day may be packed: GRACE_MS after its end. */
export const packableAt = (day: string): number => Date.parse(`${day}T00:00:00.000Z`) + DAY_MS + GRACE_MS;

export interface SealedDay {
  day: string;
  records: number;
  parts: number;
}

/**
 * Packs and seals one day (idempotent: a sealed day is left alone; of two passes at once,
 * the one whose seal goes in first wins and the other takes its packs back).
 * `undefined` when the day was sealed already, or is not over yet.
 */
export async function sealDay(day: string, now = Date.now(), packSize = PACK_SIZE): Promise<SealedDay | undefined> {
  if (now < packableAt(day)) return undefined;
  if (await DecisionSealModel.exists({ _id: day })) return undefined;
  const seal = randomBytes(6).toString('hex');
  let parts = 0;
  let records = 0;
  let chunk: DecisionDoc[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const part = parts++;
    await DecisionPackModel.create({ _id: packId(day, seal, part), day, seal, part, count: chunk.length, format: FORMAT, z: await encodePack(chunk) });
    records += chunk.length;
    chunk = [];
  };
  for await (const doc of storedRecords(day)) {
    chunk.push(doc);
    if (chunk.length >= packSize) await flush();
  }
  await flush();
  try {
    await DecisionSealModel.create({ _id: day, seal, parts, count: records, sealedAt: new Date(now) });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await DecisionPackModel.deleteMany({ day, seal });
    return undefined;
  }
  return { day, records, parts };
}

/**
 * One packing pass: every day of the last LOOKBACK_DAYS that is over (plus the grace) and
 * has no seal, oldest first. Empty days are sealed too (no packs), so a pass reads the
 * seals and only the days that are new since the last one.
 */
export async function sealFinishedDays(now = Date.now(), onDay: (day: string) => void = () => undefined): Promise<{ sealed: SealedDay[] }> {
  const sealedDays = new Set((await DecisionSealModel.find({}, { _id: 1 }).lean<{ _id: string }[]>()).map((s) => s._id));
  const sealed: SealedDay[] = [];
  for (let t = now - LOOKBACK_DAYS * DAY_MS; ; t += DAY_MS) {
    const day = dayOf(t);
    if (packableAt(day) > now) break;
    if (sealedDays.has(day)) continue;
    const done = await sealDay(day, now);
    if (done) sealed.push(done);
    onDay(day);
  }
  return { sealed };
}

/**
 * A day's records: from its packs when it is sealed (the next pack is read while the
 * current one is handed out), else one by one.
 */
export async function* recordsOfDay(day: string): AsyncGenerator<ReadDecision> {
  const seal = await DecisionSealModel.findById(day).lean<{ seal: string; parts: number }>();
  if (seal) {
    const read = async (part: number): Promise<ReadDecision[]> => {
      const pack = await DecisionPackModel.findById(packId(day, seal.seal, part)).lean<{ z: string; format: number }>();
      if (!pack) throw new Error(`decision pack ${part} of ${day} is missing (seal ${seal.seal})`);
      return decodePack(pack.z, pack.format);
    };
    // A read ahead that fails is awaited (and throws) in its turn; one left behind when the
    // reader stops early is let go quietly.
    const ahead = (part: number) => {
      if (part >= seal.parts) return undefined;
      const p = read(part);
      p.catch(() => undefined);
      return p;
    };
    let next = ahead(0);
    for (let part = 0; next; part++) {
      const records = await next;
      next = ahead(part + 1);
      yield* records;
    }
    return;
  }
  for await (const doc of storedRecords(day)) yield fromDoc(doc);
}
