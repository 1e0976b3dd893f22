/**
 * A ruleset as data (API.md, "Rulesets"): the shapes, their bounds, and zod schemas
 * that describe them (for `/openapi.json`). What the contract fixes is the floor:
 *
 *   { version, status, note, rules: [Rule], bands: [Band] }
 *   Rule: { code, description, points, when: Condition, requests? }
 *   Condition: { all: [...] } | { any: [...] } | { not: Condition } | { field, op, value }
 *
 * Beyond it, a rule may carry:
 * - `hard: true`: a hard fraud signal; a `block` band blocks only with at least
 *   `policy.block.minHardSignals` of them fired ("verify, don't decline").
 * - `action`: when the rule fires, the check gets this action whatever its score (the
 *   lists: BLOCKLIST_HIT blocks, ALLOWLIST_HIT approves). Of several, the strictest
 *   wins: block > review > verify > approve.
 * - `detail`: why it fired, for people: a template over fields (see templates.ts), or
 *   cases `[{ when, text }, …, { text }]`, the first whose `when` holds. Without it the
 *   reason's detail is the description.
 * A band is `{ band, min, max, action }` (scores `min`..`max` inclusive); `policy`
 * (optional, defaults below) says when a `block` band blocks and a `verify` band
 * verifies (see `decide` in compile.ts).
 *
 * The validator (validate.ts) is the gate: it bounds sizes and depth before walking
 * anything, and names each problem. The schemas here describe the same shape; use
 * them for documentation, not to validate untrusted input (zod recurses as deep as
 * the input nests).
 */
import { z } from 'zod';
import { documentKinds, type DocumentKind } from '../domain/kinds';
import type { Action, Band } from './types';

export const ops = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'exists'] as const;
export type Op = (typeof ops)[number];
export const actions = ['approve', 'review', 'verify', 'block'] as const satisfies readonly Action[];
export const bandNames = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Band[];
export const rulesetStatuses = ['draft', 'live', 'retired'] as const;
export type RulesetStatus = (typeof rulesetStatuses)[number];

/** Bounds on what a ruleset may hold: validation and evaluation stay bounded in time and memory. */
export const bounds = {
  rules: 500,
  /** Nesting of all / any / not in one condition. */
  depth: 8,
  /** Nodes (all, any, not and comparisons) in one rule's conditions, detail cases included. */
  nodesPerRule: 64,
  /** Elements of one all / any, and values of one in / not_in. */
  listItems: 200,
  stringValue: 200,
  code: 64,
  description: 500,
  note: 2000,
  template: 500,
  detailCases: 8,
  /** Points of one rule: the score is clamped to 0..100 anyway. */
  points: 100,
} as const;

export type Scalar = string | number | boolean;
export type Comparison = { field: string; op: Op; value?: Scalar | Scalar[] };
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Comparison;

export interface DetailCase {
  when?: Condition;
  text: string;
}

export interface RuleData {
  code: string;
  description: string;
  points: number;
  when: Condition;
  requests?: DocumentKind[];
  hard?: boolean;
  action?: Action;
  detail?: string | DetailCase[];
}

export interface BandRange {
  band: Band;
  /** Lowest score of the band (inclusive). */
  min: number;
  /** Highest score of the band (inclusive). */
  max: number;
  action: Action;
}

export interface Policy {
  /** A `block` band blocks only when at least this many `hard` rules fired; otherwise it verifies. */
  block: { minHardSignals: number };
  /**
   * A `verify` band verifies only when rules with `requests` carry at least this share
   * (0..1) of the positive points; otherwise documents could not explain the score
   * (a velocity burst, a proxy, ...) and it goes to review.
   */
  verify: { minDocumentShare: number };
  /** Asked for on every `verify`, whatever fired. */
  alwaysRequest: DocumentKind[];
}

export const defaultPolicy: Policy = {
  block: { minHardSignals: 2 },
  verify: { minDocumentShare: 0.5 },
  alwaysRequest: ['identity'],
};

/** What `POST /v1/rulesets` takes. */
export interface RulesetDraft {
  note?: string;
  rules: RuleData[];
  bands: BandRange[];
  policy?: Policy;
}

/** A stored ruleset. */
export interface RulesetData extends RulesetDraft {
  version: string;
  status?: RulesetStatus;
}

// --- zod schemas (documentation; validate.ts validates) -------------------------------

export const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

const scalar = z.union([z.string().max(bounds.stringValue), z.number(), z.boolean()]);

export const comparisonSchema = z.strictObject({
  field: z.string().describe('a path of GET /v1/rulesets/fields'),
  op: z.enum(ops),
  value: z.union([scalar, z.array(scalar).max(bounds.listItems)]).optional().describe('absent only for exists'),
});

export const conditionSchema: z.ZodType<Condition> = z.union([
  z.strictObject({
    get all() {
      return z.array(conditionSchema).min(1).max(bounds.listItems);
    },
  }),
  z.strictObject({
    get any() {
      return z.array(conditionSchema).min(1).max(bounds.listItems);
    },
  }),
  z.strictObject({
    get not() {
      return conditionSchema;
    },
  }),
  comparisonSchema,
]);

const template = z.string().min(1).max(bounds.template);

export const ruleSchema = z.strictObject({
  code: z.string().regex(UPPER_SNAKE, 'UPPER_SNAKE').max(bounds.code),
  description: z.string().trim().min(1).max(bounds.description),
  points: z.number().int().min(-bounds.points).max(bounds.points),
  when: conditionSchema,
  requests: z.array(z.enum(documentKinds)).max(documentKinds.length).optional(),
  hard: z.boolean().optional(),
  action: z.enum(actions).optional(),
  detail: z
    .union([template, z.array(z.strictObject({ when: conditionSchema.optional(), text: template })).min(1).max(bounds.detailCases)])
    .optional(),
});

export const bandSchema = z.strictObject({
  band: z.enum(bandNames),
  min: z.number().int().min(0).max(100),
  max: z.number().int().min(0).max(100),
  action: z.enum(actions),
});

export const policySchema = z.strictObject({
  block: z.strictObject({ minHardSignals: z.number().int().min(0).max(bounds.rules) }),
  verify: z.strictObject({ minDocumentShare: z.number().min(0).max(1) }),
  alwaysRequest: z.array(z.enum(documentKinds)).max(documentKinds.length),
});

export const rulesetDraftSchema = z.strictObject({
  note: z.string().max(bounds.note).optional(),
  rules: z.array(ruleSchema).max(bounds.rules),
  bands: z.array(bandSchema).min(1).max(bandNames.length),
  policy: policySchema.optional(),
});

export const rulesetSchema = rulesetDraftSchema.extend({
  version: z.string(),
  status: z.enum(rulesetStatuses).optional(),
});
