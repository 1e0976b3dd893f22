/**
 * The lists' rules (API.md, "Lists"): a block-list hit rejects the order with reason
 * BLOCKLIST_HIT; an allow-list hit with no block-list hit approves it with reason
 * ALLOWLIST_HIT. They are rules like any other (data, in every ruleset, shown by
 * `GET /v1/rulesets/live`), but what they decide is the contract: a ruleset must hold
 * both, with this `when` and this `action` (their points, description and detail are
 * its own). Pure data.
 */
import type { RuleData } from './rulesetSchema';
import { duplicateDocumentRule } from './documentRules';

export const blocklistRule = {
  code: 'BLOCKLIST_HIT',
  description: "A value of this order (card, email, device, IP or shipping address) is on the shop's block list",
  points: 100,
  hard: true,
  action: 'block',
  when: { field: 'feature.blocklistHits.count', op: 'gte', value: 1 },
  detail: 'on the block list: {feature.blocklistHits|labels}',
} as const satisfies RuleData;

export const allowlistRule = {
  code: 'ALLOWLIST_HIT',
  description: "A value of this order is on the shop's allow list (and none on the block list)",
  points: -100,
  action: 'approve',
  when: {
    all: [
      { field: 'feature.allowlistHits.count', op: 'gte', value: 1 },
      { field: 'feature.blocklistHits.count', op: 'eq', value: 0 },
    ],
  },
  detail: 'on the allow list: {feature.allowlistHits|labels}',
} as const satisfies RuleData;

/** Rules every ruleset must hold, with the `when` and `action` given here. */
export const requiredRules: Record<string, { rule: RuleData; why: string }> = {
  [blocklistRule.code]: { rule: blocklistRule, why: 'a block-list hit rejects the order (API.md, Lists)' },
  [allowlistRule.code]: { rule: allowlistRule, why: 'an allow-list hit with no block-list hit approves the order (API.md, Lists)' },
  [duplicateDocumentRule.code]: {
    rule: duplicateDocumentRule,
    why: 'the check workflow applies it when an uploaded document matches one on another check',
  },
};
