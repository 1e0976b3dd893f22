/**
 * Rulesets as live data, append-only throughout (FerretDB keeps unique inserts, and
 * loses concurrent read-modify-writes):
 *
 * - `rulesets`: one document per version, `_id` the version id; never updated.
 * - `ruleset_publications`: `_id` is a sequence number; publishing inserts the next
 *   one (a unique insert, retried with the next number when another publisher took
 *   it), and the highest names the live version. A rollback is a publication too.
 * - `ruleset_shadows`: the same for shadowing: the highest record of a version says
 *   whether it is shadowed (`active`).
 * - `decisions`: per decided check, the facts it was decided on and what the live
 *   version decided (scoring/backtest.ts `DecisionRecord`; no personal data), filed
 *   under the UTC day of the decision (`day`: the embedded database serves equality
 *   lookups from its indexes, never ranges, so a period is read a day at a time).
 * - `decision_packs` and `decision_seals`: a finished day's decision records packed
 *   (app/decisionPacks.ts): a few compressed documents per day instead of one per check,
 *   because the embedded database's cost is per document and per byte it returns. A
 *   seal (`_id` the day, a unique insert) names the packs that hold the day; packs of
 *   an attempt that did not seal are never read.
 * - `shadow_results`: per shadowed version and check, what that version would have
 *   decided (`_id` `<version>|<checkId>`: a retried decision writes it once).
 */
import { Schema, model } from 'mongoose';

const mixed = Schema.Types.Mixed;

const rulesetSchema = new Schema(
  {
    _id: { type: String, required: true }, // the version
    /** The UTC day it was created (`YYYY-MM-DD`); version ids are `<day>.<n>`. */
    day: { type: String, required: true, index: true },
    note: { type: String },
    rules: { type: [mixed], required: true },
    bands: { type: [mixed], required: true },
    policy: { type: mixed },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'rulesets', versionKey: false, minimize: false },
);

const publicationSchema = new Schema(
  {
    _id: { type: Number, required: true }, // sequence: the highest is live
    version: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'ruleset_publications', versionKey: false },
);

const shadowEventSchema = new Schema(
  {
    _id: { type: Number, required: true }, // sequence: per version, the highest says whether it is shadowed
    version: { type: String, required: true },
    active: { type: Boolean, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'ruleset_shadows', versionKey: false },
);

const scored = { score: Number, band: String, action: String, fired: [String] };

const decisionRecordSchema = new Schema(
  {
    _id: { type: String, required: true }, // check id
    orderId: { type: String, required: true, index: true },
    createdAt: { type: Date, required: true },
    day: { type: String, required: true, index: true },
    rulesetVersion: { type: String, required: true, index: true },
    live: { type: scored, required: true, _id: false },
    /**
     * The facts as JSON text: the embedded database converts every field of every
     * document it returns, and a backtest reads 100 000 of them (one string is far
     * cheaper to convert than a hundred nested fields).
     */
    facts: { type: String, required: true },
  },
  { collection: 'decisions', versionKey: false },
);

const shadowResultSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<version>|<checkId>`
    version: { type: String, required: true, index: true },
    checkId: { type: String, required: true },
    orderId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    live: { type: scored, required: true, _id: false },
    candidate: { type: scored, required: true, _id: false },
  },
  { collection: 'shadow_results', versionKey: false },
);

const decisionPackSchema = new Schema(
  {
    _id: { type: String, required: true }, // `<day>|<seal>|<part>`
    day: { type: String, required: true, index: true },
    seal: { type: String, required: true },
    part: { type: Number, required: true },
    count: { type: Number, required: true },
    /** Pack format (app/decisionPacks.ts). */
    format: { type: Number, required: true },
    /** The records, JSON, deflated, base64 (one string: the cheapest field to return). */
    z: { type: String, required: true },
  },
  { collection: 'decision_packs', versionKey: false },
);

const decisionSealSchema = new Schema(
  {
    _id: { type: String, required: true }, // the UTC day
    seal: { type: String, required: true },
    parts: { type: Number, required: true },
    count: { type: Number, required: true },
    sealedAt: { type: Date, required: true },
  },
  { collection: 'decision_seals', versionKey: false },
);

export const RulesetModel = model('Ruleset', rulesetSchema);
export const RulesetPublicationModel = model('RulesetPublication', publicationSchema);
export const RulesetShadowModel = model('RulesetShadow', shadowEventSchema);
export const DecisionRecordModel = model('DecisionRecord', decisionRecordSchema);
export const ShadowResultModel = model('ShadowResult', shadowResultSchema);
export const DecisionPackModel = model('DecisionPack', decisionPackSchema);
export const DecisionSealModel = model('DecisionSeal', decisionSealSchema);

/** The UTC day of a time, as records are filed. */
export const dayOf = (time: Date | number): string => new Date(time).toISOString().slice(0, 10);
