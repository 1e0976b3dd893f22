/**
 * The scoring engine: scores an order with a compiled ruleset (compile.ts), by default
 * the engine's own (rules.ts), compiled once. Pure and deterministic: no I/O, no
 * clock, no randomness; same input and ruleset => same assessment.
 *
 * The decision policy (list rules, bands' actions, hard signals, the share of points
 * documents can resolve) is data in the ruleset; compile.ts applies it.
 */
import { compileRuleset, type CompiledRuleset } from './compile';
import { ruleset } from './rules';
import type { RiskAssessment, ScoreInput } from './types';

export { bandFor } from './bands';
export { documentShare } from './compile';

let compiledDefault: CompiledRuleset | undefined;

/** The engine's default ruleset, compiled (once). */
export function defaultRuleset(): CompiledRuleset {
  compiledDefault ??= compileRuleset(ruleset);
  return compiledDefault;
}

/** Scores one order with `rs` (the live version), by default the engine's own ruleset. */
export function assess(input: ScoreInput, rs: CompiledRuleset = defaultRuleset()): RiskAssessment {
  return rs.assess(input);
}
