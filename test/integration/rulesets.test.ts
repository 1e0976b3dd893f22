/**
 * Rulesets as live data (API.md, "Rulesets"), through HTTP against the real servers:
 * round trip, validation by name, roles, and one candidate (the live rules plus one
 * extra rule) backtested, shadowed, published and rolled back.
 */
import { expect } from 'chai';
import { randomInt } from 'node:crypto';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { cleanOrder } from '../fixtures/orders';

describe('rulesets (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let senior: string;
  let admin: string;
  let reviewer: string;
  /** The version live before this suite (published again at the end, whatever happens). */
  let original: { version: string; status: string; rules: unknown[]; bands: unknown[]; policy?: unknown; note?: string };
  /** Orders with this amount are what the candidate's extra rule is about; nothing else in the run uses it. */
  const marked = 10_000 + randomInt(0, 80_000) * 2 + 1;
  const suiteStart = new Date().toISOString();

  const api = (method: string, path: string, token: string, json?: unknown) => call(h.baseUrl, method, path, { token, json });
  const submit = async (amount?: number) => {
    const order = cleanOrder(amount === undefined ? {} : { amount, items: [{ sku: 'sku_1', name: 'Drill', category: 'tools', quantity: 1, unitAmount: amount }] });
    const res = await api('POST', '/v1/checks', h.serviceKey, order);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { orderId: string; status: string; risk: { rulesetVersion: string; reasons: { code: string }[] } };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Submits orders until one meets `ok` (a newly published or shadowed version reaches every process within seconds). */
  async function untilAnOrder<T>(make: () => Promise<T>, ok: (t: T) => Promise<boolean> | boolean, what: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const t = await make();
      if (await ok(t)) return t;
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await sleep(1_000);
    }
  }

  const extraRule = {
    code: 'TEST_MARKED_AMOUNT',
    description: 'an amount the test marks',
    points: 40,
    when: { field: 'order.amount', op: 'eq', value: marked },
    requests: ['identity'],
  };
  let candidate: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    [senior, admin, reviewer] = await Promise.all([h.token('sen_rules', 'senior'), h.token('adm_rules', 'admin'), h.token('rev_rules', 'reviewer')]);
    const live = await api('GET', '/v1/rulesets/live', senior);
    expect(live.status).to.equal(200);
    original = live.body;
  });

  after(async () => {
    if (!h || !original) return;
    if (candidate) await api('DELETE', `/v1/rulesets/${candidate}/shadow`, senior);
    await api('POST', `/v1/rulesets/${original.version}/publish`, admin);
  });

  it('answers the live ruleset in the form POST takes: it round-trips unchanged', async () => {
    expect(original.status).to.equal('live');
    expect(original.rules).to.be.an('array').that.is.not.empty;
    const saved = await api('POST', '/v1/rulesets', senior, original);
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    expect(saved.body.version).to.be.a('string').and.not.equal(original.version);
    expect(saved.body.status).to.equal('draft');
    const stored = await api('GET', `/v1/rulesets/${saved.body.version}`, h.serviceKey);
    expect(stored.status).to.equal(200);
    expect(stored.body.rules).to.deep.equal(original.rules);
    expect(stored.body.bands).to.deep.equal(original.bands);
    expect(stored.body.policy).to.deep.equal(original.policy);
    const list = await api('GET', '/v1/rulesets', senior);
    expect(list.status).to.equal(200);
    const versions = list.body.items.map((v: { version: string }) => v.version);
    expect(versions).to.include.members([original.version, saved.body.version]);
    expect(versions.indexOf(saved.body.version)).to.be.below(versions.indexOf(original.version)); // newest first
  });

  it('lists the fields rules may use', async () => {
    const res = await api('GET', '/v1/rulesets/fields', senior);
    expect(res.status).to.equal(200);
    const paths = res.body.fields.map((f: { path: string }) => f.path);
    expect(paths).to.include.members(['order.amount', 'feature.accountAgeDays']);
    expect(paths.some((p: string) => p.includes('email') && p.startsWith('order.'))).to.equal(false);
  });

  it('refuses an invalid ruleset with 400 invalid_ruleset, naming each bad rule and why', async () => {
    const rules = [
      ...original.rules,
      { code: 'BAD_OP', description: 'x', points: 5, when: { field: 'order.amount', op: 'between', value: 3 } },
      { code: 'BAD_FIELD', description: 'y', points: 5, when: { field: 'order.customer.email', op: 'eq', value: 'a@b.c' } },
    ];
    const res = await api('POST', '/v1/rulesets', senior, { note: 'broken', rules, bands: original.bands });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('invalid_ruleset');
    const named = res.body.error.details.map((d: { rule?: string }) => d.rule);
    expect(named).to.include.members(['BAD_OP', 'BAD_FIELD']);
    expect(res.body.error.message).to.contain('BAD_OP').and.contain('BAD_FIELD');
    for (const d of res.body.error.details) expect(d.message).to.be.a('string').and.not.empty;
    // Nothing was stored.
    const list = await api('GET', '/v1/rulesets', senior);
    expect(list.body.items.some((v: { note?: string }) => v.note === 'broken')).to.equal(false);
  });

  it('refuses bad backtest input with 400', async () => {
    const reversed = await api('POST', `/v1/rulesets/${original.version}/backtest`, senior, { from: '2026-12-02T00:00:00Z', to: '2026-11-01T00:00:00Z' });
    expect(reversed.status).to.equal(400);
    const tooLong = await api('POST', `/v1/rulesets/${original.version}/backtest`, senior, { from: '2025-01-01T00:00:00Z', to: '2026-11-01T00:00:00Z' });
    expect(tooLong.status).to.equal(400);
    const junk = await api('POST', `/v1/rulesets/${original.version}/backtest`, senior, { from: 'yesterday' });
    expect(junk.status).to.equal(400);
    const unknown = await api('POST', '/v1/rulesets/1999-01-01.1/backtest', senior, {});
    expect(unknown.status).to.equal(404);
  });

  it('lets only seniors and admins in, and only admins publish', async () => {
    expect((await call(h.baseUrl, 'GET', '/v1/rulesets')).status).to.equal(401);
    const asReviewer = await api('GET', '/v1/rulesets', reviewer);
    expect(asReviewer.status).to.equal(403);
    expect(asReviewer.body.error.code).to.equal('forbidden');
    expect((await api('POST', '/v1/rulesets', reviewer, original)).status).to.equal(403);
    expect((await api('POST', `/v1/rulesets/${original.version}/publish`, reviewer)).status).to.equal(403);
    expect((await api('POST', `/v1/rulesets/${original.version}/publish`, senior)).status).to.equal(403);
    expect((await api('POST', `/v1/rulesets/${original.version}/publish`, h.serviceKey)).status).to.equal(403);
  });

  it('gives 20 drafts saved at once 20 versions, and of publications racing, the last numbered is live (20 trials)', async () => {
    const body = { note: 'race', rules: original.rules, bands: original.bands, policy: original.policy };
    const saved = await Promise.all(Array.from({ length: 20 }, () => api('POST', '/v1/rulesets', senior, body)));
    for (const s of saved) expect(s.status).to.equal(201);
    const versions = saved.map((s) => s.body.version as string);
    expect(new Set(versions).size).to.equal(20);
    for (let trial = 0; trial < 20; trial++) {
      const [a, b] = [versions[trial], versions[(trial + 1) % 20]];
      const [pa, pb] = await Promise.all([api('POST', `/v1/rulesets/${a}/publish`, admin), api('POST', `/v1/rulesets/${b}/publish`, admin)]);
      expect(pa.status).to.equal(200);
      expect(pb.status).to.equal(200);
      expect(pa.body.sequence).to.not.equal(pb.body.sequence);
      const winner = pa.body.sequence > pb.body.sequence ? a : b;
      expect((await api('GET', '/v1/rulesets/live', senior)).body.version, `trial ${trial}`).to.equal(winner);
    }
    expect((await api('POST', `/v1/rulesets/${original.version}/publish`, admin)).status).to.equal(200);
    await untilAnOrder(() => submit(), (c) => c.risk.rulesetVersion === original.version, 'the original version live again');
  });

  it('backtests a candidate with one extra rule: the past orders it would change are counted', async () => {
    const past = [await submit(marked), await submit(marked), await submit(marked), await submit(), await submit()];
    for (const c of past) expect(c.status).to.equal('approved');
    const saved = await api('POST', '/v1/rulesets', senior, { note: 'one extra rule', rules: [...original.rules, extraRule], bands: original.bands, policy: original.policy });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(201);
    candidate = saved.body.version;

    const res = await api('POST', `/v1/rulesets/${candidate}/backtest`, senior, { from: suiteStart, to: new Date().toISOString() });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.checks).to.be.at.least(5);
    expect(res.body.changed).to.equal(3);
    expect(res.body.candidate.verify - res.body.live.verify).to.equal(3);
    const changed = res.body.examples.filter((e: { liveAction: string; candidateAction: string }) => e.liveAction !== e.candidateAction);
    expect(changed.map((e: { orderId: string }) => e.orderId).sort()).to.deep.equal(past.slice(0, 3).map((c) => c.orderId).sort());
    for (const e of changed) expect(e).to.include({ liveAction: 'approve', candidateAction: 'verify' });
    expect(res.body.outcomes).to.have.keys(['reported', 'labelled', 'live', 'candidate']);

    // The live version backtested on the same checks changes nothing: the recorded facts give back what was decided.
    const itself = await api('POST', `/v1/rulesets/${original.version}/backtest`, senior, { from: suiteStart, to: new Date().toISOString() });
    expect(itself.status).to.equal(200);
    expect(itself.body.checks).to.equal(res.body.checks);
    expect(itself.body).to.include({ changed: 0, rescored: 0 });

    // The same candidate inline, unsaved: the same figures.
    const inline = await api('POST', '/v1/rulesets/backtest', senior, { from: suiteStart, to: new Date().toISOString(), ruleset: { rules: [...original.rules, extraRule], bands: original.bands, policy: original.policy } });
    expect(inline.status, JSON.stringify(inline.body)).to.equal(200);
    expect(inline.body.changed).to.equal(3);
  });

  it('shadows the candidate: live decisions unchanged, the report shows the change', async () => {
    const started = await api('POST', `/v1/rulesets/${candidate}/shadow`, senior);
    expect(started.status).to.equal(200);
    const report = () => api('GET', `/v1/rulesets/${candidate}/shadow`, senior);
    const probe = await untilAnOrder(
      () => submit(marked),
      async (c) => (await report()).body.examples.some((e: { orderId: string }) => e.orderId === c.orderId),
      'a shadowed check',
    );
    // The live rules decided it, as before.
    expect(probe.status).to.equal('approved');
    expect(probe.risk.rulesetVersion).to.equal(original.version);
    expect(probe.risk.reasons.map((r) => r.code)).not.to.include('TEST_MARKED_AMOUNT');
    const control = await submit();
    expect(control.status).to.equal('approved');
    const res = await report();
    expect(res.status).to.equal(200);
    expect(res.body.shadowing).to.equal(true);
    const example = res.body.examples.find((e: { orderId: string }) => e.orderId === probe.orderId);
    expect(example).to.include({ liveAction: 'approve', candidateAction: 'verify' });
    expect(res.body.changed).to.be.at.least(1);
    expect(res.body.checks).to.be.above(res.body.changed);
    expect(res.body.examples.some((e: { orderId: string }) => e.orderId === control.orderId)).to.equal(false);

    const stopped = await api('DELETE', `/v1/rulesets/${candidate}/shadow`, senior);
    expect(stopped.status).to.equal(204);
    expect((await report()).body.shadowing).to.equal(false);
  });

  it('publishes the candidate (admin): new checks carry it and its version; then rolls back', async () => {
    const published = await api('POST', `/v1/rulesets/${candidate}/publish`, admin);
    expect(published.status, JSON.stringify(published.body)).to.equal(200);
    expect(published.body).to.include({ version: candidate, status: 'live', publishedBy: 'adm_rules' });
    const live = await api('GET', '/v1/rulesets/live', senior);
    expect(live.body.version).to.equal(candidate);

    const held = await untilAnOrder(() => submit(marked), (c) => c.risk.rulesetVersion === candidate, 'a check decided by the candidate');
    expect(held.status).to.equal('awaiting_documents');
    expect(held.risk.reasons.map((r) => r.code)).to.include('TEST_MARKED_AMOUNT');
    const control = await submit();
    expect(control.risk.rulesetVersion).to.equal(candidate);
    expect(control.status).to.equal('approved');
    // The check's own record says so too.
    const stored = await api('GET', `/v1/checks/${held.orderId}`, h.serviceKey);
    expect(stored.body.risk.rulesetVersion).to.equal(candidate);

    const stats = await api('GET', `/v1/rulesets/${candidate}/stats`, senior);
    expect(stats.status).to.equal(200);
    expect(stats.body.basis).to.equal('decided');
    expect(stats.body.rules.find((r: { code: string }) => r.code === 'TEST_MARKED_AMOUNT').fired).to.be.at.least(1);

    const list = await api('GET', '/v1/rulesets', senior);
    const statusOf = (v: string) => list.body.items.find((i: { version: string }) => i.version === v)?.status;
    expect(statusOf(candidate)).to.equal('live');
    expect(statusOf(original.version)).to.equal('retired');

    // Rollback: the earlier version again.
    const rolledBack = await api('POST', `/v1/rulesets/${original.version}/publish`, admin);
    expect(rolledBack.status).to.equal(200);
    const after = await untilAnOrder(() => submit(marked), (c) => c.risk.rulesetVersion === original.version, 'a check decided after the rollback');
    expect(after.status).to.equal('approved');
    expect(after.risk.reasons.map((r) => r.code)).not.to.include('TEST_MARKED_AMOUNT');
    expect((await api('GET', '/v1/rulesets/live', senior)).body.version).to.equal(original.version);
  });
});
