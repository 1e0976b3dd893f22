/**
 * Public API of the scoring engine (pure: no I/O, no clock, no randomness).
 *
 *   assess({ order, velocity, blocklistHits, now }, compiled?) -> { score, band, action, reasons, requested, rulesetVersion }
 *
 * Rulesets are data (API.md, "Rulesets"):
 *   validateRuleset(json)            -> { ok, ruleset } | { ok: false, problems: [{ at, rule?, message }] }
 *   compileRuleset(ruleset)          -> CompiledRuleset (assess, assessWithFacts, score, explain)
 *   rulesetFields()                  -> every `order.*` / `feature.*` path with its type
 *   decisionRecord({ checkId, orderId, createdAt, risk, facts }) -> what to store per decided check
 *   backtest(compiled, records)      -> { checks, changed, live, candidate, examples, outcomes, … }
 *   comparison() / rescore()         -> the same, streaming; shadows
 *   ruleStats(codes) / recordedRuleStats / rescoredRuleStats -> per rule: fired, outcomes
 */
export { assess, bandFor, defaultRuleset, documentShare } from './engine';
export { ruleset, limits } from './rules';
export { compileRuleset, type CompiledRuleset, type CompiledRule, type CheckFacts, type Scored } from './compile';
export { validateRuleset, InvalidRulesetError, MAX_PROBLEMS, type Problem, type Validation } from './validate';
export { rulesetFields, fieldSchema, orderFacts, orderFactsSchema, unavailableField, type Field, type FieldType, type OrderFacts } from './fields';
export {
  actions,
  bandNames,
  bounds,
  defaultPolicy,
  ops,
  rulesetStatuses,
  conditionSchema,
  ruleSchema,
  bandSchema,
  policySchema,
  rulesetDraftSchema,
  rulesetSchema,
  type BandRange,
  type Comparison,
  type Condition,
  type DetailCase,
  type Op,
  type Policy,
  type RuleData,
  type RulesetData,
  type RulesetDraft,
  type RulesetStatus,
} from './rulesetSchema';
export { requiredRules, blocklistRule, allowlistRule } from './listRules';
export { formatterNames } from './templates';
export { formatMoney, currencyDigits } from './money';
export * from './backtest';
export {
  extractFeatures,
  featuresSchema,
  looksRandom,
  isDisposableDomain,
  disposableEmailDomains,
  riskyCategoryPatterns,
  type Features,
} from './features';
export * from './types';
