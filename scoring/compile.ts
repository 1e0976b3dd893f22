/**
 * Compiles a ruleset (data) into closures once, so that scoring a check is a walk of
 * plain functions: no parsing, no lookups by name, no allocation beyond the result.
 * Deterministic: the same facts and ruleset give the same answer.
 *
 * Semantics of a comparison `{ field, op, value }`:
 * - an absent value (null among features, missing in the order) makes every
 *   comparison false, whatever the op (`ne` and `not_in` included); `{ not: … }` of it
 *   is true; `exists` tests presence (`"value": false`: absence);
 * - a list field (`order.items[].category`, `feature.riskyCategories`) holds when the
 *   comparison holds for any of its elements; `exists` on it: it has one;
 * - `contains` is a case-insensitive substring test on text;
 * - `in` / `not_in`: the value is / is not one of the listed values.
 *
 * Decision (`decide`):
 *   1. rules with an `action` that fired decide it, the strictest first
 *      (block > review > verify > approve) — the lists' rules;
 *   2. otherwise the band of the score gives the action, then
 *      - `block` stands only with at least `policy.block.minHardSignals` hard rules
 *        fired; otherwise it is `verify` ("verify, don't decline");
 *      - `verify` stands only when rules with `requests` carry at least
 *        `policy.verify.minDocumentShare` of the positive points; otherwise `review`
 *        (documents could not explain a velocity burst or a proxy).
 *   `requested` (verify only): `policy.alwaysRequest` plus every fired rule's
 *   `requests`, in the canonical order of document kinds.
 */
import { documentKinds, type DocumentKind } from '../domain/kinds';
import type { Order } from '../domain/order';
import { extractFeatures, type Features } from './features';
import { anyOf, fieldSpec, getterOf, orderFacts, type FieldContext, type Getter, type OrderFacts } from './fields';
import { defaultPolicy, type BandRange, type Condition, type Op, type Policy, type RuleData, type RulesetData, type Scalar } from './rulesetSchema';
import { compileTemplate, type Template } from './templates';
import type { Action, Band, Reason, RiskAssessment, ScoreInput } from './types';
import { InvalidRulesetError, validateRuleset } from './validate';

export type Predicate = (ctx: FieldContext) => boolean;

export interface CompiledRule {
  readonly code: string;
  readonly points: number;
  readonly hard: boolean;
  readonly requests: readonly DocumentKind[];
  readonly action: Action | undefined;
  readonly when: Predicate;
  readonly detail: Template;
}

/** A check scored without its reasons' details: what backtests and shadows need. */
export interface Scored {
  score: number;
  band: Band;
  action: Action;
  /** The rules that fired, in ruleset order. */
  fired: CompiledRule[];
}

/** What is recorded with each decision to rescore it later: no personal data. */
export interface CheckFacts {
  order: OrderFacts;
  features: Features;
}

export interface CompiledRuleset {
  readonly version: string;
  /** The ruleset as data (normalised: policy filled in). */
  readonly source: RulesetData;
  readonly rules: readonly CompiledRule[];
  readonly bands: readonly BandRange[];
  readonly policy: Policy;
  /** Scores facts (live: the order and its features; backtest: the recorded facts). */
  score(ctx: FieldContext): Scored;
  /** The full assessment (reasons with details, requested documents) of scored facts. */
  explain(ctx: FieldContext, scored?: Scored): RiskAssessment;
  /** Scores one order: features, rules, decision. */
  assess(input: ScoreInput): RiskAssessment;
  /** Same, with the facts to record for backtests. */
  assessWithFacts(input: ScoreInput): { risk: RiskAssessment; facts: CheckFacts };
}

// --- conditions --------------------------------------------------------------------------

function compileCondition(c: Condition): Predicate {
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    if (parts.length === 1) return parts[0];
    if (parts.length === 2) {
      const [a, b] = parts;
      return (ctx) => a(ctx) && b(ctx);
    }
    return (ctx) => {
      for (const p of parts) if (!p(ctx)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    if (parts.length === 1) return parts[0];
    if (parts.length === 2) {
      const [a, b] = parts;
      return (ctx) => a(ctx) || b(ctx);
    }
    return (ctx) => {
      for (const p of parts) if (p(ctx)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (ctx) => !inner(ctx);
  }
  const spec = fieldSpec(c.field);
  if (!spec) throw new Error(`unknown field ${c.field}`);
  if (spec.field.list) {
    const any = anyOf(spec);
    if (c.op === 'exists') {
      const wanted = c.value !== false;
      return (ctx) => any(ctx, present) === wanted;
    }
    const test = valueTest(c.op, c.value);
    return (ctx) => any(ctx, test);
  }
  return leaf(getterOf(spec), c.op, c.value);
}

const present = (): boolean => true;

/**
 * A comparison on a single-valued field, the test written into the closure (one call
 * per comparison on the hot path). An absent value (undefined or null) fails every
 * test: `value` is never null, and the typeof checks keep null out of < and >.
 */
function leaf(get: Getter, op: Op, value: Scalar | Scalar[] | undefined): Predicate {
  switch (op) {
    case 'exists': {
      const wanted = value !== false;
      return (ctx) => {
        const v = get(ctx);
        return (v !== undefined && v !== null) === wanted;
      };
    }
    case 'eq':
      return (ctx) => get(ctx) === value;
    case 'ne':
      return (ctx) => {
        const v = get(ctx);
        return v !== undefined && v !== null && v !== value;
      };
    case 'gt': {
      const n = value as number;
      return (ctx) => {
        const v = get(ctx);
        return typeof v === 'number' && v > n;
      };
    }
    case 'gte': {
      const n = value as number;
      return (ctx) => {
        const v = get(ctx);
        return typeof v === 'number' && v >= n;
      };
    }
    case 'lt': {
      const n = value as number;
      return (ctx) => {
        const v = get(ctx);
        return typeof v === 'number' && v < n;
      };
    }
    case 'lte': {
      const n = value as number;
      return (ctx) => {
        const v = get(ctx);
        return typeof v === 'number' && v <= n;
      };
    }
    case 'in': {
      const set = new Set(value as Scalar[]);
      return (ctx) => set.has(get(ctx) as Scalar);
    }
    case 'not_in': {
      const set = new Set(value as Scalar[]);
      return (ctx) => {
        const v = get(ctx);
        return v !== undefined && v !== null && !set.has(v as Scalar);
      };
    }
    case 'contains': {
      const needle = String(value).toLowerCase();
      return (ctx) => {
        const v = get(ctx);
        return typeof v === 'string' && v.toLowerCase().includes(needle);
      };
    }
  }
}

/** A test of one present value of a list. */
function valueTest(op: Exclude<Op, 'exists'>, value: Scalar | Scalar[] | undefined): (v: unknown) => boolean {
  switch (op) {
    case 'eq':
      return (v) => v === value;
    case 'ne':
      return (v) => v !== value;
    case 'gt': {
      const n = value as number;
      return (v) => (v as number) > n;
    }
    case 'gte': {
      const n = value as number;
      return (v) => (v as number) >= n;
    }
    case 'lt': {
      const n = value as number;
      return (v) => (v as number) < n;
    }
    case 'lte': {
      const n = value as number;
      return (v) => (v as number) <= n;
    }
    case 'in': {
      const set = new Set(value as Scalar[]);
      return (v) => set.has(v as Scalar);
    }
    case 'not_in': {
      const set = new Set(value as Scalar[]);
      return (v) => !set.has(v as Scalar);
    }
    case 'contains': {
      const needle = String(value).toLowerCase();
      return (v) => typeof v === 'string' && v.toLowerCase().includes(needle);
    }
  }
}

// --- rules and decision ----------------------------------------------------------------

function compileRule(rule: RuleData): CompiledRule {
  // Without a detail, the description says why (as it is: it is not a template).
  const description = rule.description;
  let render: Template;
  if (rule.detail === undefined) render = () => description;
  else if (typeof rule.detail === 'string') render = compileTemplate(rule.detail);
  else {
    const cases = rule.detail.map((d) => ({ when: d.when ? compileCondition(d.when) : () => true, text: compileTemplate(d.text) }));
    render = (ctx) => {
      const hit = cases.find((d) => d.when(ctx));
      return hit ? hit.text(ctx) : description;
    };
  }
  return {
    code: rule.code,
    points: rule.points,
    hard: rule.hard === true,
    requests: rule.requests ?? [],
    action: rule.action,
    when: compileCondition(rule.when),
    detail: render,
  };
}

const severity: Record<Action, number> = { approve: 0, verify: 1, review: 2, block: 3 };

/** Share of the positive points carried by rules that a document can resolve (0..1; 0 without positive points). */
export function documentShare(fired: readonly CompiledRule[]): number {
  let total = 0;
  let resolvable = 0;
  for (const r of fired) {
    if (r.points <= 0) continue;
    total += r.points;
    if (r.requests.length > 0) resolvable += r.points;
  }
  return total === 0 ? 0 : resolvable / total;
}

function decide(band: BandRange, fired: readonly CompiledRule[], policy: Policy): Action {
  let forced: Action | undefined;
  let hard = 0;
  for (const r of fired) {
    if (r.hard) hard++;
    if (r.action && (forced === undefined || severity[r.action] > severity[forced])) forced = r.action;
  }
  if (forced) return forced;
  let action = band.action;
  if (action === 'block' && hard < policy.block.minHardSignals) action = 'verify';
  if (action === 'verify' && documentShare(fired) < policy.verify.minDocumentShare) action = 'review';
  return action;
}

function documentsFor(fired: readonly CompiledRule[], policy: Policy): DocumentKind[] {
  const wanted = new Set<DocumentKind>(policy.alwaysRequest);
  for (const r of fired) for (const k of r.requests) wanted.add(k);
  return documentKinds.filter((k) => wanted.has(k));
}

const byPointsThenCode = (a: Reason, b: Reason): number => b.points - a.points || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/**
 * Compiles a ruleset. It is validated first (a stored ruleset was validated when it
 * was created; this keeps a wrong one from ever scoring): throws InvalidRulesetError.
 */
export function compileRuleset(data: RulesetData): CompiledRuleset {
  const validation = validateRuleset(data);
  if (!validation.ok) throw new InvalidRulesetError(validation.problems);
  const { rules: ruleData, bands, policy = defaultPolicy } = validation.ruleset;
  const rules = ruleData.map(compileRule);
  // The band of every score, looked up rather than searched.
  const bandAt: BandRange[] = [];
  for (const b of bands) for (let s = b.min; s <= b.max; s++) bandAt[s] = b;

  function score(ctx: FieldContext): Scored {
    const fired: CompiledRule[] = [];
    let raw = 0;
    for (const r of rules) {
      if (r.when(ctx)) {
        fired.push(r);
        raw += r.points;
      }
    }
    const s = Math.min(100, Math.max(0, Math.round(raw)));
    const band = bandAt[s];
    return { score: s, band: band.band, action: decide(band, fired, policy), fired };
  }

  const version = data.version;
  function explain(ctx: FieldContext, scored: Scored = score(ctx)): RiskAssessment {
    const reasons = scored.fired.map((r) => ({ code: r.code, points: r.points, detail: r.detail(ctx) })).sort(byPointsThenCode);
    return {
      score: scored.score,
      band: scored.band,
      action: scored.action,
      rulesetVersion: version,
      reasons,
      requested: scored.action === 'verify' ? documentsFor(scored.fired, policy) : [],
    };
  }

  const contextOf = (input: ScoreInput): FieldContext & { order: Order; feature: Features } => ({
    order: input.order,
    feature: extractFeatures(input),
  });

  return {
    version,
    source: { ...data, policy },
    rules,
    bands,
    policy,
    score,
    explain,
    assess: (input) => explain(contextOf(input)),
    assessWithFacts(input) {
      const ctx = contextOf(input);
      return { risk: explain(ctx), facts: { order: orderFacts(ctx.order), features: ctx.feature } };
    },
  };
}
