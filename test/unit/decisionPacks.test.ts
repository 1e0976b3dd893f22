/**
 * The decision pack format and when a day may be packed (app/decisionPacks.ts): pure, no server.
 */
import { expect } from 'chai';
import { decodePack, encodePack, GRACE_MS, packableAt, type DecisionDoc } from '../../app/decisionPacks';
import { compileRuleset, decisionRecord } from '../../scoring';
import { ruleset as defaultRuleset } from '../../scoring/rules';
import { generatedInputs } from '../fixtures/scoringInputs';

describe('decision packs', () => {
  const live = compileRuleset(defaultRuleset);
  const docs: DecisionDoc[] = generatedInputs(300, 5).map((input, i) => {
    const { risk, facts } = live.assessWithFacts(input);
    const r = decisionRecord({ checkId: `chk_${i}`, orderId: `ord_${i}`, createdAt: new Date(Date.UTC(2026, 10, 3, 0, i)).toISOString(), risk, facts });
    return { _id: r.checkId, orderId: r.orderId, createdAt: new Date(r.createdAt), rulesetVersion: r.rulesetVersion, live: r.live, facts: JSON.stringify(r.facts) };
  });

  it('reads back every record as it was stored, in order', async () => {
    const back = await decodePack(await encodePack(docs), 1);
    expect(back).to.have.length(docs.length);
    back.forEach((r, i) => {
      const d = docs[i];
      expect(r).to.deep.equal({ checkId: d._id, orderId: d.orderId, createdAt: d.createdAt, rulesetVersion: d.rulesetVersion, live: d.live, facts: JSON.parse(d.facts) });
    });
  });

  it('is several times smaller than the records', async () => {
    const packed = (await encodePack(docs)).length;
    const raw = docs.reduce((n, d) => n + JSON.stringify(d).length, 0);
    expect(packed * 5).to.be.below(raw);
  });

  it('refuses a pack format it does not know', async () => {
    const z = await encodePack(docs.slice(0, 2));
    let error: unknown;
    await decodePack(z, 2).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/format 2 is not known/);
  });

  it('packs a day only once it is over, plus the grace', () => {
    const end = Date.UTC(2026, 10, 4);
    expect(packableAt('2026-11-03')).to.equal(end + GRACE_MS);
    expect(GRACE_MS).to.be.at.least(60 * 60_000);
  });
});
