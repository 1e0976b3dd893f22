/**
 * Public API of the scoring engine (pure: no I/O, no clock, no randomness).
 *
 *   assess({ order, velocity, blocklistHits, now }) -> { score, band, action, reasons, requested, rulesetVersion }
 */
export { assess, bandFor, documentShare } from './engine';
export { ruleset, limits, type Rule, type Ruleset, type BandThreshold } from './rules';
export {
  extractFeatures,
  looksRandom,
  isDisposableDomain,
  disposableEmailDomains,
  riskyCategoryPatterns,
  type Features,
} from './features';
export * from './types';
