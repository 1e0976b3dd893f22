/**
 * `npm run ops -- …` as an operator runs it, against the harness's real servers and processes.
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { ops } from './opsRunner';

describe('ops CLI (integration)', function () {
  this.timeout(180_000);
  let h: Harness;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    env = { ...h.env, PUBLIC_URL: h.baseUrl };
  });

  it('doctor: every check passes on a running deployment, one line each', async () => {
    const { code, output } = await ops(env, 'doctor');
    expect(output).to.not.match(/^FAIL/m);
    expect(code, output).to.equal(0);
    for (const line of ['configuration', 'database and Temporal reachable', 'workers polling "checks"', 'workers polling "documents"', 'key ring', 'indexes', 'the API answers /readyz']) {
      expect(output, line).to.match(new RegExp(`^ok\\s+${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`, 'm'));
    }
  });

  it('doctor: names every configuration problem and exits 1', async () => {
    const { code, output } = await ops({ ...env, TRUST_PROXY: 'proxy.internal', UPLOAD_DEADLINE: 'soon' }, 'doctor');
    expect(code).to.equal(1);
    expect(output).to.match(/^FAIL\s+configuration/m);
    expect(output).to.include('TRUST_PROXY');
    expect(output).to.include('UPLOAD_DEADLINE');
  });

  it('doctor: a database the engine never started on lacks its indexes (FAIL, named)', async () => {
    const uri = new URL(h.stack.mongodbUri);
    uri.pathname = `/doctor_empty_${Date.now()}`;
    const { code, output } = await ops({ ...env, MONGODB_URI: uri.toString() }, 'doctor');
    expect(code).to.equal(1);
    expect(output).to.match(/^FAIL\s+indexes: missing: .*checks/m);
  });

  it('doctor: the API out of reach fails its line', async () => {
    const { code, output } = await ops({ ...env, PUBLIC_URL: 'http://127.0.0.1:9' }, 'doctor');
    expect(code).to.equal(1);
    expect(output).to.match(/^FAIL\s+the API answers \/readyz/m);
    expect(output).to.match(/^ok\s+key ring/m);
  });

  it('token: a reviewer token the API accepts', async () => {
    const { code, output } = await ops(env, 'token', 'ops_alice', 'senior');
    expect(code, output).to.equal(0);
    const token = output.trim().split('\n').pop()!.trim();
    const me = await call(h.baseUrl, 'GET', '/v1/review/me', { token });
    expect(me.status).to.equal(200);
    expect(me.body).to.include({ id: 'ops_alice', role: 'senior' });
  });

  it('keys status and retention-sweep --all run through', async () => {
    const keys = await ops(env, 'keys', 'status');
    expect(keys.code, keys.output).to.equal(0);
    const sweep = await ops(env, 'retention-sweep', '--all');
    expect(sweep.code, sweep.output).to.equal(0);
    expect(sweep.output).to.match(/^retention sweep: \d+ check\(s\) purged$/m);
    expect(sweep.output).to.match(/^daily pass: \d+ final check\(s\) scanned, \d+ purged$/m);
  });

  it('rulesets: export the live ruleset, import it back as a draft; a bad file is refused by rule name', async () => {
    const exported = await ops(env, 'rulesets', 'export');
    expect(exported.code, exported.output).to.equal(0);
    const live = JSON.parse(exported.output) as { version: string; rules: { code: string }[] };
    expect(live.rules.map((r) => r.code)).to.include('BLOCKLIST_HIT');
    const dir = mkdtempSync(path.join(tmpdir(), 'ops-rulesets-'));
    const good = path.join(dir, 'live.json');
    writeFileSync(good, exported.output);
    const imported = await ops(env, 'rulesets', 'import', good);
    expect(imported.code, imported.output).to.equal(0);
    const version = /saved draft (\S+) /.exec(imported.output)?.[1];
    expect(version, imported.output).to.be.a('string').and.not.equal(live.version);
    const again = await ops(env, 'rulesets', 'export', version!);
    expect(JSON.parse(again.output).rules).to.deep.equal(live.rules);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...live, rules: [...live.rules, { code: 'BAD_RULE', description: 'x', points: 5, when: { field: 'order.nope', op: 'eq', value: 1 } }] }));
    const refused = await ops(env, 'rulesets', 'import', bad);
    expect(refused.code).to.equal(1);
    expect(refused.output).to.include('BAD_RULE');
  });

  it('lists export runs the lists script; an unknown command prints the usage', async () => {
    const lists = await ops(env, 'lists', 'export');
    expect(lists.code, lists.output).to.equal(0);
    expect(lists.output.split('\n')[0]).to.match(/^id,list,type/);
    const unknown = await ops(env, 'frobnicate');
    expect(unknown.code).to.equal(2);
    expect(unknown.output).to.include('usage: npm run ops --');
  });
});
