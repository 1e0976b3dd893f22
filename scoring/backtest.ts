/**
 * Backtests, shadows and rule statistics: pure comparisons over recorded decisions.
 *
 * What is recorded per check (`DecisionRecord`, made by `decisionRecord`): the check's
 * ids and time, the version that decided it, what it decided (score, band, action, the
 * rules that fired) and the facts it was decided on — the order's PII-free facts and
 * its features (see fields.ts). A candidate ruleset is rescored on those facts
 * (`rescore`), so every rule a ruleset may hold can be backtested; the figures are
 * compared with what the live rules did at the time (the recorded decision, not a
 * rescoring of the live version).
 *
 * A shadowed version scores each new check the same way at decision time
 * (`rescore(candidate, record).candidate`, stored per check); its report is the same
 * comparison over the checks shadowed so far.
 *
 * Outcomes (API.md, "Outcomes") label a check:
 * - its label is its latest outcome of type `chargeback`, `fraud_confirmed` or
 *   `legitimate` (by `occurredAt`; at the same time, or without one, the later in
 *   the list); `chargeback` and
 *   `fraud_confirmed` make it `fraud`, `legitimate` makes it `legitimate`; `refund`
 *   labels nothing (a refund says nothing about fraud); no such outcome: unlabelled.
 * - an action *holds* an order when it is not `approve` (verify, review, block:
 *   fulfilment `hold` or `cancel`).
 * - fraud caught: fraud-labelled checks the ruleset held; fraud missed: approved.
 * - good orders held: legitimate-labelled checks the ruleset held (a false positive;
 *   blocked ones, a false decline, are counted again in goodBlocked).
 *
 * Everything streams: an accumulator takes one check at a time (`add`) and answers the
 * report at the end, so a backtest over 100 000 stored checks never holds them all.
 */
import { z } from 'zod';
import type { CheckFacts, CompiledRuleset } from './compile';
import { actions, bandNames } from './rulesetSchema';
import type { Action, Band, RiskAssessment } from './types';

export const outcomeTypes = ['chargeback', 'fraud_confirmed', 'legitimate', 'refund'] as const;
export type OutcomeType = (typeof outcomeTypes)[number];
export interface OutcomeRef {
  type: OutcomeType;
  /** ISO time; orders outcomes that were recorded in another order. */
  occurredAt?: string;
}
export type OutcomeLabel = 'fraud' | 'legitimate';

/** A decision as scored: by the live version (recorded) or by a candidate. */
export interface ScoredDecision {
  score: number;
  band: Band;
  action: Action;
  /** Codes of the rules that fired, sorted. */
  fired: string[];
}

/** Bumped when the shape of recorded facts changes (features added or renamed). */
export const FACTS_VERSION = 1;

/** What is stored for every decided check, to backtest and shadow candidates on. No personal data. */
export interface DecisionRecord {
  checkId: string;
  orderId: string;
  /** ISO time of the decision. */
  createdAt: string;
  /** The version that decided the check. */
  rulesetVersion: string;
  live: ScoredDecision;
  facts: CheckFacts & { version: number };
}

/** A record with the outcomes reported for its order since (joined by the store). */
export interface RecordedCheck extends DecisionRecord {
  outcomes?: readonly OutcomeRef[];
}

/** The record of a decision: `risk` and `facts` as `assessWithFacts` answered them. */
export function decisionRecord(args: {
  checkId: string;
  orderId: string;
  createdAt: string;
  risk: RiskAssessment;
  facts: CheckFacts;
}): DecisionRecord {
  const { risk, facts } = args;
  return {
    checkId: args.checkId,
    orderId: args.orderId,
    createdAt: args.createdAt,
    rulesetVersion: risk.rulesetVersion,
    live: { score: risk.score, band: risk.band, action: risk.action, fired: risk.reasons.map((r) => r.code).sort() },
    facts: { version: FACTS_VERSION, order: facts.order, features: facts.features },
  };
}

/** One check seen by the live rules and by a candidate. */
export interface ComparedCheck {
  checkId: string;
  orderId: string;
  createdAt: string;
  live: ScoredDecision;
  candidate: ScoredDecision;
  outcomes?: readonly OutcomeRef[];
}

/** A candidate's decision on recorded facts. */
export function rescore(candidate: CompiledRuleset, record: RecordedCheck): ComparedCheck {
  const s = candidate.score({ order: record.facts.order, feature: record.facts.features });
  return {
    checkId: record.checkId,
    orderId: record.orderId,
    createdAt: record.createdAt,
    live: record.live,
    candidate: { score: s.score, band: s.band, action: s.action, fired: s.fired.map((r) => r.code).sort() },
    ...(record.outcomes ? { outcomes: record.outcomes } : {}),
  };
}

/** The label of a check from its outcomes (see the header). */
export function outcomeLabel(outcomes: readonly OutcomeRef[] | undefined): OutcomeLabel | undefined {
  if (!outcomes || outcomes.length === 0) return undefined;
  let latest: { type: OutcomeType; at: number } | undefined;
  for (const o of outcomes) {
    if (o.type === 'refund') continue;
    const at = o.occurredAt ? Date.parse(o.occurredAt) : Number.NaN;
    const t = Number.isNaN(at) ? -Infinity : at;
    if (!latest || t >= latest.at) latest = { type: o.type, at: t };
  }
  if (!latest) return undefined;
  return latest.type === 'legitimate' ? 'legitimate' : 'fraud';
}

export type ActionCounts = Record<Action, number>;
const actionCounts = (): ActionCounts => ({ approve: 0, review: 0, verify: 0, block: 0 });

export interface OutcomeFigures {
  fraudCaught: number;
  fraudMissed: number;
  goodHeld: number;
  goodBlocked: number;
}
const outcomeFigures = (): OutcomeFigures => ({ fraudCaught: 0, fraudMissed: 0, goodHeld: 0, goodBlocked: 0 });

export interface ComparisonExample {
  checkId: string;
  orderId: string;
  createdAt: string;
  liveScore: number;
  candidateScore: number;
  liveAction: Action;
  candidateAction: Action;
  outcome?: OutcomeLabel;
}

/** The report of a backtest or a shadow (API.md: checks, changed, live, candidate, examples, outcomes). */
export interface ComparisonReport {
  /** Checks compared. */
  checks: number;
  /** Checks whose action would change. */
  changed: number;
  /** Checks whose score would change (their action may not). */
  rescored: number;
  live: ActionCounts;
  candidate: ActionCounts;
  /** Live action → candidate action → checks. */
  transitions: Record<Action, ActionCounts>;
  /** Changed checks: action changes first, the largest score changes first; then score-only changes. */
  examples: ComparisonExample[];
  outcomes: {
    /** Checks by outcome type (a check with two outcomes counts under both). */
    reported: Record<OutcomeType, number>;
    /** Checks by label (see the header). */
    labelled: { fraud: number; legitimate: number };
    live: OutcomeFigures;
    candidate: OutcomeFigures;
  };
}

export interface ComparisonOptions {
  /** How many examples to keep (default 20, at most 1 000). */
  examples?: number;
}

const holds = (a: Action): boolean => a !== 'approve';

/** Adds one decision to outcome figures. */
function tally(figures: OutcomeFigures, label: OutcomeLabel | undefined, action: Action): void {
  if (label === 'fraud') {
    if (holds(action)) figures.fraudCaught++;
    else figures.fraudMissed++;
  } else if (label === 'legitimate' && holds(action)) {
    figures.goodHeld++;
    if (action === 'block') figures.goodBlocked++;
  }
}

/** A streaming comparison: `add` every compared check, then `report()`. */
export function comparison(options: ComparisonOptions = {}) {
  const keep = Math.max(0, Math.min(1000, options.examples ?? 20));
  const report: ComparisonReport = {
    checks: 0,
    changed: 0,
    rescored: 0,
    live: actionCounts(),
    candidate: actionCounts(),
    transitions: Object.fromEntries(actions.map((a) => [a, actionCounts()])) as Record<Action, ActionCounts>,
    examples: [],
    outcomes: {
      reported: { chargeback: 0, fraud_confirmed: 0, legitimate: 0, refund: 0 },
      labelled: { fraud: 0, legitimate: 0 },
      live: outcomeFigures(),
      candidate: outcomeFigures(),
    },
  };
  // Kept examples, best first, with their rank: [action changed, |score change|, time, order id].
  const kept: Array<{ rank: [number, number, string, string]; example: ComparisonExample }> = [];
  const before = (a: [number, number, string, string], b: [number, number, string, string]): boolean =>
    a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] !== b[2] ? a[2] > b[2] : a[3] < b[3];

  return {
    add(c: ComparedCheck): void {
      report.checks++;
      const { live, candidate } = c;
      report.live[live.action]++;
      report.candidate[candidate.action]++;
      report.transitions[live.action][candidate.action]++;
      const actionChanged = live.action !== candidate.action;
      const scoreChanged = live.score !== candidate.score;
      if (actionChanged) report.changed++;
      if (scoreChanged) report.rescored++;

      const label = outcomeLabel(c.outcomes);
      if (c.outcomes) {
        const seen = new Set<OutcomeType>();
        for (const o of c.outcomes) if (!seen.has(o.type) && o.type in report.outcomes.reported) seen.add(o.type);
        for (const t of seen) report.outcomes.reported[t]++;
      }
      if (label) report.outcomes.labelled[label]++;
      tally(report.outcomes.live, label, live.action);
      tally(report.outcomes.candidate, label, candidate.action);

      if ((actionChanged || scoreChanged) && keep > 0) {
        const rank: [number, number, string, string] = [actionChanged ? 1 : 0, Math.abs(candidate.score - live.score), c.createdAt, c.orderId];
        if (kept.length === keep && !before(rank, kept[kept.length - 1].rank)) return;
        let at = kept.length;
        while (at > 0 && before(rank, kept[at - 1].rank)) at--;
        kept.splice(at, 0, {
          rank,
          example: {
            checkId: c.checkId,
            orderId: c.orderId,
            createdAt: c.createdAt,
            liveScore: live.score,
            candidateScore: candidate.score,
            liveAction: live.action,
            candidateAction: candidate.action,
            ...(label ? { outcome: label } : {}),
          },
        });
        if (kept.length > keep) kept.pop();
      }
    },
    report(): ComparisonReport {
      return { ...report, examples: kept.map((k) => k.example) };
    },
  };
}

/** A backtest: `candidate` rescored on `records` and compared with their recorded decisions. */
export function backtest(candidate: CompiledRuleset, records: Iterable<RecordedCheck>, options: ComparisonOptions = {}): ComparisonReport {
  const acc = comparison(options);
  for (const r of records) acc.add(rescore(candidate, r));
  return acc.report();
}

// --- rule statistics --------------------------------------------------------------------

export interface RuleFigures {
  code: string;
  /** Checks it fired on. */
  fired: number;
  /** Those checks by outcome type (a check with two outcomes counts under both). */
  outcomes: Record<OutcomeType, number>;
  /** Those checks by label. */
  labelled: { fraud: number; legitimate: number };
}

export interface RuleStats {
  /** Checks counted. */
  checks: number;
  /** The same figures over all of them, for comparison. */
  all: Omit<RuleFigures, 'code' | 'fired'>;
  /** One entry per rule of the ruleset, in its order (also rules that never fired). */
  rules: RuleFigures[];
}

/**
 * Per rule: how often it fired, and the outcomes of the orders it fired on
 * (`GET /v1/rulesets/:version/stats`). Feed it the rules that fired per check: the
 * recorded `live.fired` of checks that version decided, or a candidate's on a rescoring.
 * Codes not in `codes` (a rule of another version) are not counted.
 */
export function ruleStats(codes: readonly string[]) {
  const figures = () => ({ outcomes: { chargeback: 0, fraud_confirmed: 0, legitimate: 0, refund: 0 }, labelled: { fraud: 0, legitimate: 0 } });
  const rules = new Map<string, RuleFigures>(codes.map((code) => [code, { code, fired: 0, ...figures() }]));
  const all = figures();
  let checks = 0;
  const count = (into: ReturnType<typeof figures>, types: Set<OutcomeType>, label: OutcomeLabel | undefined) => {
    for (const t of types) into.outcomes[t]++;
    if (label) into.labelled[label]++;
  };
  return {
    add(fired: readonly string[], outcomes?: readonly OutcomeRef[]): void {
      checks++;
      const types = new Set<OutcomeType>((outcomes ?? []).map((o) => o.type).filter((t) => t in all.outcomes));
      const label = outcomeLabel(outcomes);
      count(all, types, label);
      for (const code of new Set(fired)) {
        const r = rules.get(code);
        if (!r) continue;
        r.fired++;
        count(r, types, label);
      }
    },
    report(): RuleStats {
      return { checks, all, rules: [...rules.values()] };
    },
  };
}

/** Rule statistics of the checks a version decided, from their records. */
export function recordedRuleStats(codes: readonly string[], records: Iterable<RecordedCheck>, version?: string): RuleStats {
  const acc = ruleStats(codes);
  for (const r of records) if (version === undefined || r.rulesetVersion === version) acc.add(r.live.fired, r.outcomes);
  return acc.report();
}

/** Rule statistics of a ruleset rescored on records (a draft that never decided anything). */
export function rescoredRuleStats(candidate: CompiledRuleset, records: Iterable<RecordedCheck>): RuleStats {
  const acc = ruleStats(candidate.rules.map((r) => r.code));
  for (const r of records) acc.add(rescore(candidate, r).candidate.fired, r.outcomes);
  return acc.report();
}

// --- zod schemas of the answers (OpenAPI) ----------------------------------------------

const counts = <K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int().min(0)])) as Record<K, z.ZodNumber>);
const actionCountsSchema = counts(actions);
const outcomeFiguresSchema = counts(['fraudCaught', 'fraudMissed', 'goodHeld', 'goodBlocked']);
const labelledSchema = counts(['fraud', 'legitimate']);

/** `POST /v1/rulesets/:version/backtest` body: the period of checks (by decision time), both ends optional. */
export const backtestRequestSchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const comparisonReportSchema = z.object({
  checks: z.number().int().min(0),
  changed: z.number().int().min(0),
  rescored: z.number().int().min(0),
  live: actionCountsSchema,
  candidate: actionCountsSchema,
  transitions: z.object(Object.fromEntries(actions.map((a) => [a, actionCountsSchema])) as Record<Action, typeof actionCountsSchema>),
  examples: z.array(
    z.object({
      checkId: z.string(),
      orderId: z.string(),
      createdAt: z.string(),
      liveScore: z.number().int(),
      candidateScore: z.number().int(),
      liveAction: z.enum(actions),
      candidateAction: z.enum(actions),
      outcome: z.enum(['fraud', 'legitimate']).optional(),
    }),
  ),
  outcomes: z.object({
    reported: counts(outcomeTypes),
    labelled: labelledSchema,
    live: outcomeFiguresSchema,
    candidate: outcomeFiguresSchema,
  }),
});

export const ruleStatsSchema = z.object({
  checks: z.number().int().min(0),
  all: z.object({ outcomes: counts(outcomeTypes), labelled: labelledSchema }),
  rules: z.array(z.object({ code: z.string(), fired: z.number().int().min(0), outcomes: counts(outcomeTypes), labelled: labelledSchema })),
});

/** A recorded decision as stored (for a store that checks what it reads back). */
export const scoredDecisionSchema = z.object({
  score: z.number().int().min(0).max(100),
  band: z.enum(bandNames),
  action: z.enum(actions),
  fired: z.array(z.string()),
});
