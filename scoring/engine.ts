/**
 * The scoring engine: evaluates every rule of a ruleset over the features of an order,
 * sums the points, bands the score and decides the action. Pure and deterministic:
 * no I/O, no clock, no randomness; same input and ruleset => same assessment.
 *
 * Decision (policy data lives in `ruleset.policy`, see rules.ts):
 *   1. any block-list hit                                  -> block
 *   2. band low                                            -> approve
 *   3. band >= critical AND >= 2 hard signals fired        -> block
 *      (a critical score built from soft signals is not near-certain fraud:
 *       "verify, don't decline" - it falls through to 4)
 *   4. medium / high / (unblocked) critical:
 *      rules that documents can resolve (`asks`) carry >= 50% of the positive
 *      points                                              -> verify
 *      otherwise (velocity bursts, proxy, chargebacks, ...) -> review
 * `requested` (verify only): `identity` always, plus every `asks` of the fired rules.
 */
import { documentKinds, type DocumentKind } from '../domain/kinds';
import type { Action, Band, Reason, RiskAssessment, ScoreInput } from './types';
import { extractFeatures } from './features';
import { ruleset, type BandThreshold, type Rule, type Ruleset } from './rules';

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The band of a score: the last threshold (ascending) whose `min` the score reaches. */
export function bandFor(score: number, bands: BandThreshold[]): Band {
  let band = bands[0].band;
  for (const t of bands) if (score >= t.min) band = t.band;
  return band;
}

/** Position of a band in the ruleset's ascending list (for "at least critical"). */
const rankOf = (band: Band, bands: BandThreshold[]): number => bands.findIndex((t) => t.band === band);

/**
 * Share of the positive points carried by rules that a document can resolve (0..1).
 * 0 when no positive points.
 */
export function documentShare(fired: Rule[]): number {
  const positive = fired.filter((r) => r.points > 0);
  const total = sum(positive.map((r) => r.points));
  if (total === 0) return 0;
  return sum(positive.filter((r) => (r.asks ?? []).length > 0).map((r) => r.points)) / total;
}

function decide(input: ScoreInput, band: Band, fired: Rule[], rs: Ruleset): Action {
  if (input.blocklistHits.length > 0) return 'block';
  if (band === rs.bands[0].band) return 'approve';
  const { block, review } = rs.policy;
  const hard = fired.filter((r) => r.hard).length;
  if (rankOf(band, rs.bands) >= rankOf(block.band, rs.bands) && hard >= block.minHardSignals) return 'block';
  return documentShare(fired) >= review.minDocumentShare ? 'verify' : 'review';
}

/** Documents to ask for: the policy's always-asked kinds plus those of the fired rules, in canonical order. */
function documentsFor(fired: Rule[], rs: Ruleset): DocumentKind[] {
  const wanted = new Set<DocumentKind>([...rs.policy.alwaysAsk, ...fired.flatMap((r) => r.asks ?? [])]);
  return documentKinds.filter((k) => wanted.has(k));
}

/** Scores one order. */
export function assess(input: ScoreInput, rs: Ruleset = ruleset): RiskAssessment {
  const features = extractFeatures(input);
  const fired = rs.rules.filter((r) => r.when(features));

  // Reasons: highest points first; ties by code so the order never depends on rule order.
  const reasons: Reason[] = fired
    .map((r) => ({ code: r.code, points: r.points, detail: r.detail(features) }))
    .sort((a, b) => b.points - a.points || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));

  const raw = sum(reasons.map((r) => r.points));
  const score = Math.min(100, Math.max(0, Math.round(raw)));
  const band = bandFor(score, rs.bands);
  const action = decide(input, band, fired, rs);

  return {
    score,
    band,
    action,
    rulesetVersion: rs.version,
    reasons,
    requested: action === 'verify' ? documentsFor(fired, rs) : [],
  };
}
