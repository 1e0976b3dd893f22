/**
 * Where rulesets, publications, shadows and decision records are kept, and the live
 * view every API and worker process scores with.
 *
 * Versions are immutable (a unique insert of the version id); which one is live is an
 * append-only sequence of publications, the highest wins (models/ruleset.ts). Before
 * any publication the engine's own ruleset (scoring/rules.ts) is live; it is stored as
 * a version the first time anything asks, so it can be listed, diffed and published
 * again (a rollback to it).
 *
 * `liveRulesets(pollMs)` keeps the live version and the shadowed ones compiled: at
 * most every `pollMs` it reads the highest publication and the latest shadow records
 * (two small reads), and compiles a version the first time it meets it (versions
 * never change, so a compiled one is kept). A publication thus reaches every process
 * within `pollMs` plus one decision, without a restart.
 */
import mongoose from 'mongoose';
import {
  compileRuleset,
  rescore,
  ruleset as builtin,
  validateRuleset,
  type CompiledRuleset,
  type DecisionRecord,
  type OutcomeRef,
  type OutcomeType,
  type RecordedCheck,
  type RulesetData,
  type RulesetDraft,
  type ScoredDecision,
} from '../scoring';
import { outcomeTypes } from '../scoring/backtest';
import { recordsOfDay, type ReadDecision } from './decisionPacks';
import { DecisionRecordModel, RulesetModel, RulesetPublicationModel, RulesetShadowModel, ShadowResultModel, isDuplicateKey } from '../models';
import { dayOf } from '../models/ruleset';
import { logger } from '../lib/logger';

export const BUILTIN_AUTHOR = 'engine';

/** A stored version. */
export interface StoredRuleset extends RulesetDraft {
  version: string;
  createdBy: string;
  createdAt: string;
}

type RulesetDoc = {
  _id: string;
  note?: string | null;
  rules: unknown[];
  bands: unknown[];
  policy?: unknown;
  createdBy: string;
  createdAt: Date;
};

function fromDoc(doc: RulesetDoc): StoredRuleset {
  return {
    version: doc._id,
    ...(doc.note ? { note: doc.note } : {}),
    rules: doc.rules as RulesetDraft['rules'],
    bands: doc.bands as RulesetDraft['bands'],
    ...(doc.policy ? { policy: doc.policy as RulesetDraft['policy'] } : {}),
    createdBy: doc.createdBy,
    createdAt: doc.createdAt.toISOString(),
  };
}

let builtinStored: Promise<void> | undefined;

/** Stores the engine's own ruleset as a version (once per process; idempotent across processes). */
export function ensureBuiltinStored(): Promise<void> {
  builtinStored ??= RulesetModel.create({
    _id: builtin.version,
    day: builtin.version.slice(0, 10),
    note: builtin.note ?? 'the engine’s default ruleset',
    rules: builtin.rules,
    bands: builtin.bands,
    ...(builtin.policy ? { policy: builtin.policy } : {}),
    createdBy: BUILTIN_AUTHOR,
    createdAt: new Date(`${builtin.version.slice(0, 10)}T00:00:00Z`),
  })
    .then(() => undefined)
    .catch((error) => {
      if (isDuplicateKey(error)) return;
      builtinStored = undefined;
      throw error;
    });
  return builtinStored;
}

export async function findRuleset(version: string): Promise<StoredRuleset | undefined> {
  await ensureBuiltinStored();
  const doc = await RulesetModel.findById(version).lean<RulesetDoc>();
  return doc ? fromDoc(doc) : undefined;
}

/** Every version, newest first (at most `limit`). */
export async function listRulesets(limit: number): Promise<StoredRuleset[]> {
  await ensureBuiltinStored();
  const docs = await RulesetModel.find({}, { rules: 0, bands: 0, policy: 0 }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<RulesetDoc[]>();
  return docs.map((d) => fromDoc({ ...d, rules: [], bands: [] }));
}

/**
 * Stores a validated draft under a new version id `<day>.<n>` (a unique insert; on a
 * collision with a concurrent save, the next n).
 */
export async function insertRuleset(draft: RulesetDraft, createdBy: string, now = new Date()): Promise<StoredRuleset> {
  await ensureBuiltinStored();
  const day = dayOf(now);
  let n = (await RulesetModel.countDocuments({ day })) + 1;
  for (let attempt = 0; ; attempt++) {
    const version = `${day}.${n}`;
    try {
      const doc = await RulesetModel.create({ _id: version, day, note: draft.note, rules: draft.rules, bands: draft.bands, policy: draft.policy, createdBy, createdAt: now });
      return fromDoc(doc.toObject() as RulesetDoc);
    } catch (error) {
      if (!isDuplicateKey(error) || attempt >= 20) throw error;
      n++;
    }
  }
}

// --- publications and shadows: append-only sequences ------------------------------

export interface Publication {
  seq: number;
  version: string;
  by: string;
  at: string;
}

/** Inserts `record` under the next sequence number of `model`'s collection; on a collision, the one after. */
async function appendSequenced(model: mongoose.Model<any>, record: Record<string, unknown>): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const top = await model.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean<{ _id: number }>();
    const seq = (top?._id ?? 0) + 1;
    try {
      await model.create({ _id: seq, ...record });
      return seq;
    } catch (error) {
      // Another writer took this number: ours comes after it.
      if (!isDuplicateKey(error) || attempt >= 50) throw error;
    }
  }
}

export async function appendPublication(version: string, by: string): Promise<Publication> {
  const at = new Date();
  const seq = await appendSequenced(RulesetPublicationModel, { version, by, at });
  return { seq, version, by, at: at.toISOString() };
}

/** The live publication (the highest), or none: the engine's own ruleset is live. */
export async function livePublication(): Promise<Publication | undefined> {
  const top = await RulesetPublicationModel.findOne({}).sort({ _id: -1 }).lean<{ _id: number; version: string; by: string; at: Date }>();
  return top ? { seq: top._id, version: top.version, by: top.by, at: top.at.toISOString() } : undefined;
}

/** Versions ever published (so the rest are drafts), newest publication first, bounded. */
export async function publishedVersions(limit = 1000): Promise<Publication[]> {
  const docs = await RulesetPublicationModel.find({}).sort({ _id: -1 }).limit(limit).lean<{ _id: number; version: string; by: string; at: Date }[]>();
  return docs.map((d) => ({ seq: d._id, version: d.version, by: d.by, at: d.at.toISOString() }));
}

export async function appendShadowEvent(version: string, active: boolean, by: string): Promise<void> {
  await appendSequenced(RulesetShadowModel, { version, active, by, at: new Date() });
}

/** Versions being shadowed now: per version, its latest record says (the last 500 records are read). */
export async function shadowedVersions(): Promise<string[]> {
  const events = await RulesetShadowModel.find({}).sort({ _id: -1 }).limit(500).lean<{ version: string; active: boolean }[]>();
  const seen = new Map<string, boolean>();
  for (const e of events) if (!seen.has(e.version)) seen.set(e.version, e.active);
  return [...seen].filter(([, active]) => active).map(([v]) => v);
}

// --- the live view, per process ----------------------------------------------------

export interface LiveView {
  live: CompiledRuleset;
  /** The live version's data (its bands band later score changes, e.g. a duplicate document). */
  data: RulesetData;
  shadows: CompiledRuleset[];
}

const compiled = new Map<string, { data: RulesetData; compiled: CompiledRuleset }>();
const MAX_COMPILED = 64;

async function compiledVersion(version: string): Promise<{ data: RulesetData; compiled: CompiledRuleset } | undefined> {
  const hit = compiled.get(version);
  if (hit) return hit;
  const stored = version === builtin.version ? { ...builtin } : await findRuleset(version);
  if (!stored) return undefined;
  // Stored versions were validated on save; validating again normalises and guards against a hand-edited database.
  const valid = validateRuleset({ rules: stored.rules, bands: stored.bands, policy: stored.policy, note: stored.note });
  if (!valid.ok) {
    logger.error({ version, problems: valid.problems.slice(0, 5) }, 'stored ruleset does not validate; not used');
    return undefined;
  }
  const data: RulesetData = { ...valid.ruleset, version };
  const entry = { data, compiled: compileRuleset(data) };
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(version, entry);
  return entry;
}

/** The live view of this process, refreshed at most every `pollMs`. */
export function liveRulesets(pollMs: number) {
  let view: LiveView | undefined;
  let checkedAt = 0;
  let refreshing: Promise<LiveView> | undefined;

  async function load(): Promise<LiveView> {
    const [publication, shadowed] = await Promise.all([livePublication(), shadowedVersions()]);
    const liveVersion = publication?.version ?? builtin.version;
    const live = (await compiledVersion(liveVersion)) ?? (await compiledVersion(builtin.version))!;
    const shadows: CompiledRuleset[] = [];
    for (const v of shadowed) {
      if (v === live.data.version) continue;
      const c = await compiledVersion(v);
      if (c) shadows.push(c.compiled);
    }
    return { live: live.compiled, data: live.data, shadows };
  }

  return {
    async current(): Promise<LiveView> {
      if (view && Date.now() - checkedAt < pollMs) return view;
      refreshing ??= load()
        .then((v) => {
          view = v;
          checkedAt = Date.now();
          return v;
        })
        .catch((error) => {
          // The database is out of reach: keep scoring with what was live (the decision writes will fail anyway).
          if (view) {
            logger.warn({ err: error }, 'live ruleset refresh failed; keeping the last one');
            return view;
          }
          throw error;
        })
        .finally(() => {
          refreshing = undefined;
        });
      return refreshing;
    },
  };
}
export type LiveRulesets = ReturnType<typeof liveRulesets>;

// --- decision records and shadow results ---------------------------------------------

/** Records a decision's facts and what each shadowed version would have decided (unique inserts: a retry writes nothing twice). */
export async function recordDecisionFacts(record: DecisionRecord, shadows: readonly CompiledRuleset[]): Promise<void> {
  const createdAt = new Date(record.createdAt);
  const ignoreDuplicate = (error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
  };
  await Promise.all([
    DecisionRecordModel.create({
      _id: record.checkId,
      orderId: record.orderId,
      createdAt,
      day: dayOf(createdAt),
      rulesetVersion: record.rulesetVersion,
      live: record.live,
      facts: JSON.stringify(record.facts),
    }).catch(ignoreDuplicate),
    ...shadows.map((candidate) => {
      const c = rescore(candidate, record);
      return ShadowResultModel.create({
        _id: `${candidate.version}|${record.checkId}`,
        version: candidate.version,
        checkId: record.checkId,
        orderId: record.orderId,
        createdAt,
        live: c.live,
        candidate: c.candidate,
      }).catch(ignoreDuplicate);
    }),
  ]);
}

const toRecorded = (d: ReadDecision): RecordedCheck => ({
  checkId: d.checkId,
  orderId: d.orderId,
  createdAt: d.createdAt.toISOString(),
  rulesetVersion: d.rulesetVersion,
  live: d.live,
  facts: d.facts as DecisionRecord['facts'],
});

/** The UTC days from `from` to `to` (both included). */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t <= to.getTime(); t += 86_400_000) days.push(dayOf(t));
  return days;
}

/**
 * Decision records of a period, one day at a time (a sealed day from its packs, an open
 * one record by record: app/decisionPacks.ts), streamed, at most `cap` of them:
 * `onTruncated` is called when there were more.
 */
export async function* decisionRecords(from: Date, to: Date, cap: number, onTruncated: () => void): AsyncGenerator<RecordedCheck> {
  let n = 0;
  for (const day of daysBetween(from, to)) {
    for await (const doc of recordsOfDay(day)) {
      const at = doc.createdAt.getTime();
      if (at < from.getTime() || at > to.getTime()) continue;
      if (n >= cap) {
        onTruncated();
        return;
      }
      n++;
      yield toRecorded(doc);
    }
  }
}

type ShadowDoc = { checkId: string; orderId: string; createdAt: Date; live: ScoredDecision; candidate: ScoredDecision };

/** What a shadowed version decided beside the live one, streamed, at most `cap`. */
export async function* shadowResults(version: string, cap: number, onTruncated: () => void) {
  const cursor = ShadowResultModel.find({ version }).lean<ShadowDoc[]>().cursor({ batchSize: 1000 });
  let n = 0;
  try {
    for await (const doc of cursor as AsyncIterable<ShadowDoc>) {
      if (n++ >= cap) {
        onTruncated();
        return;
      }
      yield { checkId: doc.checkId, orderId: doc.orderId, createdAt: doc.createdAt.toISOString(), live: doc.live, candidate: doc.candidate };
    }
  } finally {
    await cursor.close();
  }
}

// --- outcomes: the one read of them ----------------------------------------------------

/**
 * The collection outcomes are recorded in (API.md, "Outcomes"): one document per
 * outcome with at least `orderId`, `type` and `occurredAt`. This is the only place the
 * rulesets read it.
 */
export const OUTCOMES_COLLECTION = 'outcomes';
/** Outcomes read for one report at most (they are few beside checks). */
export const MAX_OUTCOMES_READ = 200_000;

/** Every order's outcomes (streamed once per report; a missing collection is no outcomes). */
export async function outcomesByOrder(): Promise<Map<string, OutcomeRef[]>> {
  const byOrder = new Map<string, OutcomeRef[]>();
  const db = mongoose.connection.db;
  if (!db) return byOrder;
  const known = new Set<string>(outcomeTypes);
  const cursor = db
    .collection(OUTCOMES_COLLECTION)
    .find({}, { projection: { orderId: 1, type: 1, occurredAt: 1 } })
    .limit(MAX_OUTCOMES_READ);
  for await (const o of cursor) {
    if (typeof o.orderId !== 'string' || !known.has(o.type)) continue;
    const occurredAt = o.occurredAt instanceof Date ? o.occurredAt.toISOString() : typeof o.occurredAt === 'string' ? o.occurredAt : undefined;
    const list = byOrder.get(o.orderId) ?? [];
    list.push({ type: o.type as OutcomeType, ...(occurredAt ? { occurredAt } : {}) });
    byOrder.set(o.orderId, list);
  }
  return byOrder;
}
