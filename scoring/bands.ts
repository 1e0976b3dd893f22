/**
 * The band of a score (pure, no imports: the check workflow re-bands a score when a
 * duplicate document adds points, and its bundle stays small).
 */
import type { Band } from './types';

/** The band whose range holds `score`; bands as a ruleset lists them (ascending `min`). */
export function bandFor(score: number, bands: ReadonlyArray<{ band: Band; min: number }>): Band {
  let band = bands[0].band;
  for (const t of bands) if (score >= t.min) band = t.band;
  return band;
}
