/**
 * Rules on what a check's uploads show, rather than on the order. They are rules of
 * the ruleset like any other (data, versioned with it, shown by
 * `GET /v1/rulesets/live`), on a feature that is 0 when an order is scored: the
 * check workflow applies them when an upload shows it (their points added to the
 * score, the score re-banded). What they test is the contract, so every ruleset
 * holds them with this `when` (their points and description are its own). Pure data.
 */
import type { RuleData } from './rulesetSchema';

export const duplicateDocumentRule = {
  code: 'DUPLICATE_DOCUMENT',
  description: "An uploaded document matches one on another customer's check",
  points: 30,
  when: { field: 'feature.duplicateDocuments', op: 'gte', value: 1 },
} as const satisfies RuleData;
