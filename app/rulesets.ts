/**
 * The risk team's rulesets (API.md, "Rulesets"), as use cases: fields, versions,
 * drafts validated on save, backtests, shadows, rule statistics, publish and rollback.
 *
 * Who may: the order pipeline's service key, or a reviewer of role `senior` or
 * above (`rulesets.read`, `rulesets.write`); publishing (`rulesets.publish`) is
 * `admin` only (domain/roles.ts). The route authenticates; the permission is decided
 * here, from the one table.
 *
 * Reports stream: records are read a day (or a batch) at a time and folded into the
 * pure accumulators of scoring/backtest.ts; a period is at most MAX_PERIOD_DAYS and a
 * report reads at most MAX_REPORT_CHECKS records (then says `truncated`); at most
 * MAX_CONCURRENT_REPORTS are computed at once per process.
 */
import {
  comparison,
  compileRuleset,
  rescore,
  ruleStats,
  rulesetFields,
  validateRuleset,
  type ComparisonReport,
  type Problem,
  type RecordedCheck,
  type RuleStats,
  type RulesetData,
  type RulesetDraft,
  type CompiledRuleset,
} from '../scoring';
import { ruleset as builtin } from '../scoring/rules';
import { can, type Permission, type Role } from '../domain/roles';
import * as store from './rulesetStore';
import { Refusal, type RefusalCode, type RefusalDetails } from '../domain/errors';

/** Who is asking: the order pipeline (a service key) or a reviewer with a role. */
export type RulesetActor = { type: 'service'; id: string } | { type: 'reviewer'; id: string; role: Role };

export type RulesetRefusalCode = Extract<RefusalCode, 'invalid_ruleset' | 'invalid_request' | 'forbidden' | 'not_found' | 'temporarily_unavailable'>;

/** A refusal of a ruleset use case: one of the engine's refusals (domain/errors.ts; api/errors.ts gives its status). */
export class RulesetRefusal extends Refusal {
  constructor(code: RulesetRefusalCode, message: string, details?: RefusalDetails) {
    super(code, message, details);
    this.name = 'RulesetRefusal';
  }
}

export const MAX_PERIOD_DAYS = 92;
export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_REPORT_CHECKS = 200_000;
export const MAX_CONCURRENT_REPORTS = 2;
export const MAX_VERSIONS_LISTED = 200;
const DAY_MS = 86_400_000;

export type RulesetStatus = 'draft' | 'live' | 'retired';

export interface RulesetView extends RulesetData {
  version: string;
  status: RulesetStatus;
  createdBy: string;
  createdAt: string;
  /** When it was last made live (absent for drafts). */
  publishedAt?: string;
}

export interface ReportPeriod {
  from: string;
  to: string;
}

export type BacktestReport = ComparisonReport & { version: string; period: ReportPeriod; truncated: boolean };
export type ShadowReport = ComparisonReport & { version: string; shadowing: boolean; truncated: boolean };
export type StatsReport = RuleStats & { version: string; basis: 'decided' | 'rescored'; period: ReportPeriod; truncated: boolean };

function permit(actor: RulesetActor, permission: Permission): void {
  // The order pipeline's key reads, drafts, backtests and shadows; publishing needs a person who is admin.
  if (actor.type === 'service') {
    if (permission === 'rulesets.publish') throw new RulesetRefusal('forbidden', 'publishing a ruleset needs an admin reviewer token, not a service key');
    return;
  }
  if (!can(actor.role, permission)) throw new RulesetRefusal('forbidden', `your role (${actor.role}) may not ${permission.replace('.', ' ')}`);
}

const actorName = (actor: RulesetActor) => (actor.type === 'service' ? `service:${actor.id}` : actor.id);

let reportsRunning = 0;
/** Runs a report within the per-process bound. */
async function bounded<T>(work: () => Promise<T>): Promise<T> {
  if (reportsRunning >= MAX_CONCURRENT_REPORTS) {
    throw new RulesetRefusal('temporarily_unavailable', `${MAX_CONCURRENT_REPORTS} reports are being computed; try again shortly`, { retryAfterSeconds: 5 });
  }
  reportsRunning++;
  try {
    return await work();
  } finally {
    reportsRunning--;
  }
}

async function statusesOf(): Promise<{ live: string; published: Map<string, string> }> {
  const publications = await store.publishedVersions();
  const published = new Map<string, string>();
  for (const p of publications) if (!published.has(p.version)) published.set(p.version, p.at);
  return { live: publications[0]?.version ?? builtin.version, published };
}

function view(stored: store.StoredRuleset, s: { live: string; published: Map<string, string> }): RulesetView {
  const status: RulesetStatus = stored.version === s.live ? 'live' : s.published.has(stored.version) || stored.version === builtin.version ? 'retired' : 'draft';
  const publishedAt = s.published.get(stored.version);
  return { ...stored, status, ...(publishedAt ? { publishedAt } : {}) };
}

async function mustFind(version: string): Promise<store.StoredRuleset> {
  const found = await store.findRuleset(version);
  if (!found) throw new RulesetRefusal('not_found', `ruleset ${version} not found`);
  return found;
}

function compiledOf(stored: store.StoredRuleset): CompiledRuleset {
  const valid = validateRuleset({ note: stored.note, rules: stored.rules, bands: stored.bands, policy: stored.policy });
  if (!valid.ok) throw new RulesetRefusal('invalid_ruleset', `stored ruleset ${stored.version} does not validate`, valid.problems);
  return compileRuleset({ ...valid.ruleset, version: stored.version });
}

/** `400 invalid_ruleset`: one line per bad rule in the message, every problem in `details`. */
function invalid(problems: Problem[]): RulesetRefusal {
  const named = problems.slice(0, 5).map((p) => `${p.rule ?? p.at}: ${p.message}`);
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
  return new RulesetRefusal('invalid_ruleset', `the ruleset is not valid: ${named.join('; ')}${more}`, problems);
}

/** A period: both ends optional (default the last 30 days up to now), at most MAX_PERIOD_DAYS. */
export function periodOf(input: { from?: string; to?: string }, now = Date.now()): { from: Date; to: Date } {
  const to = input.to ? new Date(input.to) : new Date(now);
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (from.getTime() > to.getTime()) throw new RulesetRefusal('invalid_request', '`from` is after `to`');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new RulesetRefusal('invalid_request', `a period may span at most ${MAX_PERIOD_DAYS} days`);
  }
  return { from, to };
}

// --- use cases -------------------------------------------------------------------------

export function fields(actor: RulesetActor) {
  permit(actor, 'rulesets.read');
  return { fields: rulesetFields() };
}

export async function live(actor: RulesetActor): Promise<RulesetView> {
  permit(actor, 'rulesets.read');
  const s = await statusesOf();
  return view(await mustFind(s.live), s);
}

export async function list(actor: RulesetActor): Promise<{ items: RulesetView[] }> {
  permit(actor, 'rulesets.read');
  const [versions, s] = await Promise.all([store.listRulesets(MAX_VERSIONS_LISTED), statusesOf()]);
  return { items: versions.map((v) => view(v, s)) };
}

export async function get(actor: RulesetActor, version: string): Promise<RulesetView> {
  permit(actor, 'rulesets.read');
  const [stored, s] = await Promise.all([mustFind(version), statusesOf()]);
  return view(stored, s);
}

/** Validates and stores a draft under a new version. */
export async function create(actor: RulesetActor, input: unknown): Promise<RulesetView> {
  permit(actor, 'rulesets.write');
  const valid = validateRuleset(input);
  if (!valid.ok) throw invalid(valid.problems);
  const stored = await store.insertRuleset(valid.ruleset, actorName(actor));
  return view(stored, await statusesOf());
}

async function attachOutcomes(records: AsyncIterable<RecordedCheck>, outcomes: Map<string, RecordedCheck['outcomes']>) {
  return (async function* () {
    for await (const r of records) {
      const o = outcomes.get(r.orderId);
      yield o ? { ...r, outcomes: o } : r;
    }
  })();
}

async function backtestCompiled(candidate: CompiledRuleset, period: { from: Date; to: Date }): Promise<BacktestReport> {
  return bounded(async () => {
    const outcomes = await store.outcomesByOrder();
    let truncated = false;
    const acc = comparison();
    const records = await attachOutcomes(
      store.decisionRecords(period.from, period.to, MAX_REPORT_CHECKS, () => (truncated = true)),
      outcomes,
    );
    for await (const r of records) acc.add(rescore(candidate, r));
    return { version: candidate.version, period: { from: period.from.toISOString(), to: period.to.toISOString() }, truncated, ...acc.report() };
  });
}

/** A stored version rescored over a period and compared with what the live rules decided then. */
export async function backtest(actor: RulesetActor, version: string, input: { from?: string; to?: string }): Promise<BacktestReport> {
  permit(actor, 'rulesets.read');
  const period = periodOf(input);
  return backtestCompiled(compiledOf(await mustFind(version)), period);
}

/** An unsaved candidate (validated as `POST /v1/rulesets` would), backtested the same way. */
export async function backtestInline(actor: RulesetActor, input: { from?: string; to?: string; ruleset: unknown }): Promise<BacktestReport> {
  permit(actor, 'rulesets.read');
  const period = periodOf(input);
  const valid = validateRuleset(input.ruleset);
  if (!valid.ok) throw invalid(valid.problems);
  return backtestCompiled(compileRuleset({ ...valid.ruleset, version: 'inline' }), period);
}

export async function startShadow(actor: RulesetActor, version: string): Promise<{ version: string; shadowing: true }> {
  permit(actor, 'rulesets.write');
  const stored = await mustFind(version);
  compiledOf(stored); // refuse a version that would not compile before any process tries
  if (!(await store.shadowedVersions()).includes(version)) await store.appendShadowEvent(version, true, actorName(actor));
  return { version, shadowing: true };
}

export async function stopShadow(actor: RulesetActor, version: string): Promise<void> {
  permit(actor, 'rulesets.write');
  await mustFind(version);
  if ((await store.shadowedVersions()).includes(version)) await store.appendShadowEvent(version, false, actorName(actor));
}

/** The checks shadowed so far: what the version would have decided beside what the live one did. */
export async function shadowReport(actor: RulesetActor, version: string): Promise<ShadowReport> {
  permit(actor, 'rulesets.read');
  await mustFind(version);
  return bounded(async () => {
    const [outcomes, shadowed] = await Promise.all([store.outcomesByOrder(), store.shadowedVersions()]);
    let truncated = false;
    const acc = comparison();
    for await (const r of store.shadowResults(version, MAX_REPORT_CHECKS, () => (truncated = true))) {
      const o = outcomes.get(r.orderId);
      acc.add(o ? { ...r, outcomes: o } : r);
    }
    return { version, shadowing: shadowed.includes(version), truncated, ...acc.report() };
  });
}

/**
 * Per rule: how often it fired and the outcomes of those orders, over a period (default the
 * last 30 days): the checks the version decided in it; a version that decided none there
 * (a draft, or one retired before it) is rescored on the period's checks.
 */
export async function stats(actor: RulesetActor, version: string, input: { from?: string; to?: string }): Promise<StatsReport> {
  permit(actor, 'rulesets.read');
  const stored = await mustFind(version);
  const period = periodOf(input);
  const compiled = compiledOf(stored);
  return bounded(async () => {
    // One pass over the period: what the version decided on the checks it decided; until it is
    // found to have decided one, also the version rescored on each check (the answer when it
    // decided none in the period; no longer needed once it has).
    const outcomes = await store.outcomesByOrder();
    let truncated = false;
    const codes = compiled.rules.map((r) => r.code);
    const decided = ruleStats(codes);
    const rescored = ruleStats(codes);
    let decidedAny = false;
    for await (const r of store.decisionRecords(period.from, period.to, MAX_REPORT_CHECKS, () => (truncated = true))) {
      const o = outcomes.get(r.orderId);
      if (r.rulesetVersion === version) {
        decidedAny = true;
        decided.add(r.live.fired, o);
      } else if (!decidedAny) {
        rescored.add(rescore(compiled, r).candidate.fired, o);
      }
    }
    const reportPeriod = { from: period.from.toISOString(), to: period.to.toISOString() };
    if (decidedAny) return { version, basis: 'decided' as const, period: reportPeriod, truncated, ...decided.report() };
    return { version, basis: 'rescored' as const, period: reportPeriod, truncated, ...rescored.report() };
  });
}

/** Makes a version live for checks created from now on (an older one again: a rollback). */
export async function publish(actor: RulesetActor, version: string): Promise<{ version: string; status: 'live'; publishedAt: string; publishedBy: string; sequence: number }> {
  permit(actor, 'rulesets.publish');
  compiledOf(await mustFind(version));
  const p = await store.appendPublication(version, actorName(actor));
  return { version, status: 'live', publishedAt: p.at, publishedBy: p.by, sequence: p.seq };
}

export type { RulesetDraft };
