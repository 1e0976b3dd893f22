/**
 * The ruleset validator: everything wrong with a proposed ruleset, each problem naming
 * where (`at`: `rules[3].when.all[1].op`), which rule (`rule`: its code, when it has
 * one) and why, in words (`POST /v1/rulesets` → `400 invalid_ruleset`, `details`).
 *
 * Bounded: sizes and nesting are checked before anything is walked further (a
 * condition nested deeper than `bounds.depth` is reported, never descended into), so
 * hostile input costs time in proportion to its size and no deep recursion.
 *
 * Pure. `validateRuleset(input)` takes anything (parsed JSON) and answers either the
 * ruleset, normalised (defaults filled in), or the problems.
 */
import { documentKinds } from '../domain/kinds';
import { fieldSpec, unavailableField, type Field } from './fields';
import {
  actions,
  bandNames,
  bounds,
  defaultPolicy,
  ops,
  UPPER_SNAKE,
  type BandRange,
  type Condition,
  type Op,
  type Policy,
  type RuleData,
  type RulesetDraft,
} from './rulesetSchema';
import { templateProblems } from './templates';
import { requiredRules } from './listRules';

export interface Problem {
  /** Where, as a path into the submitted ruleset. */
  at: string;
  /** The code of the rule concerned, when it has a usable one. */
  rule?: string;
  message: string;
}

export type Validation = { ok: true; ruleset: RulesetDraft } | { ok: false; problems: Problem[] };

/** At most this many problems are reported (a huge broken ruleset gets a bounded answer). */
export const MAX_PROBLEMS = 200;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
const isInt = (v: Json): v is number => typeof v === 'number' && Number.isInteger(v);

/** Which ops fit which field types. */
const opsFor: Record<Field['type'], readonly Op[]> = {
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'exists'],
  string: ['eq', 'ne', 'in', 'not_in', 'contains', 'exists'],
  boolean: ['eq', 'ne', 'exists'],
};

class Collector {
  readonly problems: Problem[] = [];
  add(at: string, message: string, rule?: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(rule ? { at, rule, message } : { at, message });
  }
  get full(): boolean {
    return this.problems.length >= MAX_PROBLEMS;
  }
}

export function validateRuleset(input: Json): Validation {
  const out = new Collector();
  if (!isObject(input)) {
    out.add('', `a ruleset is an object { note, rules, bands }, not ${describe(input)}`);
    return { ok: false, problems: out.problems };
  }
  for (const key of Object.keys(input)) {
    if (!['note', 'rules', 'bands', 'policy', 'version', 'status'].includes(key)) out.add(key, `unknown property "${key.slice(0, 40)}"`);
  }
  const note = input.note;
  if (note !== undefined && (typeof note !== 'string' || note.length > bounds.note)) {
    out.add('note', `note is text of at most ${bounds.note} characters`);
  }
  const rules = checkRules(input.rules, out);
  const bands = checkBands(input.bands, out);
  const policy = checkPolicy(input.policy, out);
  if (out.problems.length > 0) return { ok: false, problems: out.problems };
  return { ok: true, ruleset: { ...(typeof note === 'string' ? { note } : {}), rules: rules!, bands: bands!, policy: policy! } };
}

function checkRules(rules: Json, out: Collector): RuleData[] | undefined {
  if (!Array.isArray(rules)) {
    out.add('rules', `rules is a list of rules, not ${describe(rules)}`);
    return undefined;
  }
  if (rules.length > bounds.rules) {
    out.add('rules', `at most ${bounds.rules} rules (${rules.length} given)`);
    return undefined;
  }
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    if (out.full) return;
    const code = isObject(rule) && typeof rule.code === 'string' && UPPER_SNAKE.test(rule.code) ? rule.code : undefined;
    if (code !== undefined) {
      const first = seen.get(code);
      if (first !== undefined) out.add(`rules[${i}].code`, `duplicate code: rules[${first}] is ${code} too`, code);
      else seen.set(code, i);
    }
    checkRule(rule, `rules[${i}]`, code, out);
  });
  for (const [code, required] of Object.entries(requiredRules)) {
    const i = seen.get(code);
    if (i === undefined) {
      out.add('rules', `${code} is required: ${required.why} (copy it from the live ruleset)`, code);
      continue;
    }
    const rule = rules[i] as Record<string, Json>;
    if (rule.action !== required.rule.action || canonical(rule.when) !== canonical(required.rule.when)) {
      out.add(`rules[${i}]`, `${code} must keep its "when" and its action "${required.rule.action}": ${required.why}`, code);
    }
  }
  return rules as RuleData[];
}

/** JSON with sorted keys: equal conditions give equal strings. */
const canonical = (v: Json): string =>
  JSON.stringify(v, (_k, value: Json) =>
    isObject(value) ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]])) : value,
  );

const ruleKeys = ['code', 'description', 'points', 'when', 'requests', 'hard', 'action', 'detail'];

function checkRule(rule: Json, at: string, code: string | undefined, out: Collector): void {
  if (!isObject(rule)) {
    out.add(at, `a rule is an object { code, description, points, when }, not ${describe(rule)}`);
    return;
  }
  const add = (where: string, message: string) => out.add(where ? `${at}.${where}` : at, message, code);
  for (const key of Object.keys(rule)) if (!ruleKeys.includes(key)) add(key, `unknown property "${key.slice(0, 40)}" (a rule has ${ruleKeys.join(', ')})`);

  if (typeof rule.code !== 'string') add('code', 'code is required: UPPER_SNAKE text, e.g. HIGH_VALUE');
  else if (rule.code.length > bounds.code || !UPPER_SNAKE.test(rule.code)) {
    add('code', `code "${rule.code.slice(0, bounds.code)}" is not UPPER_SNAKE (capitals, digits and single underscores, starting with a letter; at most ${bounds.code} characters)`);
  }
  if (typeof rule.description !== 'string' || rule.description.trim() === '') add('description', 'description is required text');
  else if (rule.description.length > bounds.description) add('description', `description is at most ${bounds.description} characters`);

  if (!isInt(rule.points)) add('points', `points must be a whole number, not ${describe(rule.points)}`);
  else if (Math.abs(rule.points) > bounds.points) add('points', `points must be between -${bounds.points} and ${bounds.points}`);

  const budget = { nodes: 0 };
  if (rule.when === undefined) add('when', 'when is required: the condition under which the rule fires');
  else checkCondition(rule.when, `${at}.when`, 1, budget, code, out);

  if (rule.requests !== undefined) {
    if (!Array.isArray(rule.requests)) add('requests', `requests is a list of document kinds (${documentKinds.join(', ')})`);
    else {
      rule.requests.forEach((kind, j) => {
        if (!(documentKinds as readonly Json[]).includes(kind)) {
          add(`requests[${j}]`, `unknown document kind ${describe(kind)} (one of ${documentKinds.join(', ')})`);
        } else if (rule.requests !== undefined && (rule.requests as Json[]).indexOf(kind) !== j) add(`requests[${j}]`, `${String(kind)} is requested twice`);
      });
    }
  }
  if (rule.hard !== undefined && typeof rule.hard !== 'boolean') add('hard', 'hard is true or false');
  if (rule.action !== undefined && !(actions as readonly Json[]).includes(rule.action)) {
    add('action', `action is one of ${actions.join(', ')}, not ${describe(rule.action)}`);
  }
  if (rule.detail !== undefined) checkDetail(rule.detail, `${at}.detail`, budget, code, out);
}

function checkDetail(detail: Json, at: string, budget: { nodes: number }, code: string | undefined, out: Collector): void {
  const checkText = (text: Json, where: string) => {
    if (typeof text !== 'string' || text.length === 0 || text.length > bounds.template) {
      out.add(where, `a detail is text of 1 to ${bounds.template} characters`, code);
      return;
    }
    for (const problem of templateProblems(text)) out.add(where, problem, code);
  };
  if (typeof detail === 'string') return checkText(detail, at);
  if (!Array.isArray(detail) || detail.length === 0 || detail.length > bounds.detailCases) {
    out.add(at, `detail is a template, or 1 to ${bounds.detailCases} cases [{ "when", "text" }, …]`, code);
    return;
  }
  detail.forEach((c, i) => {
    if (!isObject(c) || Object.keys(c).some((k) => k !== 'when' && k !== 'text')) {
      out.add(`${at}[${i}]`, 'a detail case is { "when" (optional), "text" }', code);
      return;
    }
    if (c.when !== undefined) checkCondition(c.when, `${at}[${i}].when`, 1, budget, code, out);
    checkText(c.text, `${at}[${i}].text`);
  });
}

function checkCondition(c: Json, at: string, depth: number, budget: { nodes: number }, code: string | undefined, out: Collector): void {
  const add = (where: string, message: string) => out.add(where ? `${at}.${where}` : at, message, code);
  if (out.full) return;
  if (++budget.nodes > bounds.nodesPerRule) {
    if (budget.nodes === bounds.nodesPerRule + 1) add('', `too many conditions: at most ${bounds.nodesPerRule} in one rule`);
    return;
  }
  if (!isObject(c)) return add('', `a condition is an object ({ all }, { any }, { not } or { field, op, value }), not ${describe(c)}`);
  const keys = Object.keys(c);
  const group = keys.find((k) => k === 'all' || k === 'any' || k === 'not');
  if (group) {
    if (keys.length > 1) return add('', `a condition is one of all, any, not or a comparison; this one has ${keys.join(', ')}`);
    if (depth > bounds.depth) return add(group, `nested too deep: at most ${bounds.depth} levels of all / any / not`);
    if (group === 'not') return checkCondition(c.not, `${at}.not`, depth + 1, budget, code, out);
    const list = c[group];
    if (!Array.isArray(list) || list.length === 0) return add(group, `${group} is a non-empty list of conditions`);
    if (list.length > bounds.listItems) return add(group, `${group} holds at most ${bounds.listItems} conditions`);
    list.forEach((sub, i) => checkCondition(sub, `${at}.${group}[${i}]`, depth + 1, budget, code, out));
    return;
  }
  for (const key of keys) if (!['field', 'op', 'value'].includes(key)) add(key, `unknown property "${key.slice(0, 40)}" (a comparison has field, op, value)`);
  const { field: path, op, value } = c;
  if (typeof path !== 'string') return add('field', 'field is required: a path such as order.amount or feature.velocity.card.hour');
  const spec = fieldSpec(path);
  if (!spec) {
    const why = unavailableField(path);
    const shown = path.slice(0, 80);
    return add('field', why ? `${shown} is not available to rules: ${why}` : `unknown field ${shown} (GET /v1/rulesets/fields lists them)`);
  }
  const field = spec.field;
  if (typeof op !== 'string' || !(ops as readonly string[]).includes(op)) return add('op', `op is one of ${ops.join(', ')}, not ${describe(op)}`);
  if (!opsFor[field.type].includes(op as Op)) {
    const fits = opsFor[field.type].filter((o) => !(o === 'contains' && field.values));
    return add('op', `${op} does not apply to ${path}, a ${field.type}${field.list ? ' list' : ''} (use ${fits.join(', ')})`);
  }
  if (op === 'contains' && field.values) return add('op', `${path} takes only the values ${field.values.join(', ')}: use eq or in`);

  const valueProblem = (v: Json, where: string): boolean => {
    const problem = problemWithValue(v, op as Op, field, spec.valueSchema);
    if (problem) add(where, problem);
    return problem !== undefined;
  };
  switch (op as Op) {
    case 'exists':
      if (value !== undefined && typeof value !== 'boolean') add('value', 'exists takes no value, or true / false');
      return;
    case 'in':
    case 'not_in':
      if (!Array.isArray(value) || value.length === 0) return add('value', `${op} takes a non-empty list of values`);
      if (value.length > bounds.listItems) return add('value', `${op} takes at most ${bounds.listItems} values`);
      for (let i = 0; i < value.length; i++) if (valueProblem(value[i], `value[${i}]`)) return;
      return;
    default:
      if (value === undefined) return add('value', `${op} needs a value`);
      if (Array.isArray(value)) return add('value', `${op} compares with one value, not a list (use in)`);
      valueProblem(value, 'value');
  }
}

/** Why `value` cannot be compared with `field` by `op` (undefined when it can). */
function problemWithValue(value: Json, op: Op, field: Field, schema: { safeParse(v: unknown): { success: boolean } }): string | undefined {
  const wanted = field.type;
  if (typeof value !== wanted) return `${field.path} is a ${wanted}: compare it with a ${wanted}, not ${describe(value)}`;
  if (typeof value === 'string' && value.length > bounds.stringValue) return `values are at most ${bounds.stringValue} characters`;
  if (typeof value === 'number' && !Number.isFinite(value)) return 'numbers must be finite';
  if (op === 'contains') return typeof value === 'string' && value.length > 0 ? undefined : 'contains needs some text';
  if (['gt', 'gte', 'lt', 'lte'].includes(op)) return undefined; // any finite number is a threshold
  if (field.values && !field.values.includes(value as string)) {
    return `${field.path} is never ${JSON.stringify(value)}: it is one of ${field.values.join(', ')}`;
  }
  if (!schema.safeParse(value).success) return `${field.path} is never ${JSON.stringify(value)} (not a value of its kind)`;
  return undefined;
}

function checkBands(bands: Json, out: Collector): BandRange[] | undefined {
  if (!Array.isArray(bands) || bands.length === 0 || bands.length > bandNames.length) {
    out.add('bands', `bands is a list of 1 to ${bandNames.length} bands { band, min, max, action }`);
    return undefined;
  }
  let ok = true;
  bands.forEach((b, i) => {
    const at = `bands[${i}]`;
    if (!isObject(b)) {
      ok = false;
      return out.add(at, `a band is { band, min, max, action }, not ${describe(b)}`);
    }
    for (const key of Object.keys(b)) if (!['band', 'min', 'max', 'action'].includes(key)) out.add(`${at}.${key}`, `unknown property "${key.slice(0, 40)}"`);
    const bad = (where: string, message: string) => {
      ok = false;
      out.add(where, message);
    };
    if (!(bandNames as readonly Json[]).includes(b.band)) bad(`${at}.band`, `band is one of ${bandNames.join(', ')}`);
    else if (bands.findIndex((o) => isObject(o) && o.band === b.band) !== i) bad(`${at}.band`, `${String(b.band)} appears twice`);
    if (!(actions as readonly Json[]).includes(b.action)) out.add(`${at}.action`, `action is one of ${actions.join(', ')}`);
    for (const k of ['min', 'max'] as const) {
      const v = b[k];
      if (!isInt(v) || v < 0 || v > 100) bad(`${at}.${k}`, `${k} is a whole score from 0 to 100`);
    }
    if (isInt(b.min) && isInt(b.max) && b.min > b.max) bad(at, `min ${b.min} is above max ${b.max}`);
  });
  if (!ok) return undefined;
  const sorted = (bands as BandRange[]).map((b, i) => ({ ...b, i })).sort((a, b) => a.min - b.min);
  const name = (b: { band: string; i: number }) => `bands[${b.i}] (${b.band})`;
  if (sorted[0].min !== 0) out.add('bands', `scores 0–${sorted[0].min - 1} have no band: the lowest band must start at 0`);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    const cur = sorted[k];
    if (cur.min <= prev.max) out.add(`bands[${cur.i}]`, `overlaps ${name(prev)}: scores ${cur.min}–${Math.min(prev.max, cur.max)} are in both`);
    else if (cur.min > prev.max + 1) out.add(`bands[${cur.i}]`, `scores ${prev.max + 1}–${cur.min - 1} have no band (between ${name(prev)} and ${name(cur)})`);
    if (bandNames.indexOf(cur.band) < bandNames.indexOf(prev.band)) {
      out.add(`bands[${cur.i}]`, `${name(cur)} scores above ${name(prev)}: bands rise low < medium < high < critical`);
    }
  }
  const top = sorted[sorted.length - 1];
  if (top.max !== 100) out.add('bands', `scores ${top.max + 1}–100 have no band: the highest band must end at 100`);
  return bands as BandRange[];
}

function checkPolicy(policy: Json, out: Collector): Policy | undefined {
  if (policy === undefined) return defaultPolicy;
  if (!isObject(policy)) {
    out.add('policy', 'policy is an object { block, verify, alwaysRequest }');
    return undefined;
  }
  for (const key of Object.keys(policy)) if (!['block', 'verify', 'alwaysRequest'].includes(key)) out.add(`policy.${key}`, `unknown property "${key.slice(0, 40)}"`);
  const block = policy.block ?? defaultPolicy.block;
  const verify = policy.verify ?? defaultPolicy.verify;
  const alwaysRequest = policy.alwaysRequest ?? defaultPolicy.alwaysRequest;
  const minHard = isObject(block) ? block.minHardSignals : undefined;
  if (!isObject(block) || Object.keys(block).some((k) => k !== 'minHardSignals') || !isInt(minHard) || minHard < 0 || minHard > bounds.rules) {
    out.add('policy.block', `block is { "minHardSignals": a whole number from 0 to ${bounds.rules} }`);
  }
  const share = isObject(verify) ? verify.minDocumentShare : undefined;
  if (!isObject(verify) || Object.keys(verify).some((k) => k !== 'minDocumentShare') || typeof share !== 'number' || !(share >= 0 && share <= 1)) {
    out.add('policy.verify', 'verify is { "minDocumentShare": a number from 0 to 1 }');
  }
  if (
    !Array.isArray(alwaysRequest) ||
    alwaysRequest.some((k, i) => !(documentKinds as readonly Json[]).includes(k) || alwaysRequest.indexOf(k) !== i)
  ) {
    out.add('policy.alwaysRequest', `alwaysRequest is a list of distinct document kinds (${documentKinds.join(', ')})`);
  }
  return { block, verify, alwaysRequest } as Policy;
}

/** The validated ruleset, or an error carrying the problems (for code that holds rulesets it trusts). */
export class InvalidRulesetError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`invalid ruleset: ${problems.slice(0, 3).map((p) => `${p.at}: ${p.message}`).join('; ')}${problems.length > 3 ? '; …' : ''}`);
    this.name = 'InvalidRulesetError';
  }
}

export type { Condition };
