/** Block and allow lists through HTTP (API.md, "Lists"), against the real servers. */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { call } from './client';
import { eventually, getHarness, type Harness } from './harness';
import { cleanOrder, reviewOrder, suspiciousOrder } from '../fixtures/orders';

interface Reason {
  code: string;
  detail: string;
}
const codes = (body: { risk: { reasons: Reason[] } }) => body.risk.reasons.map((r) => r.code);
const hex = () => randomBytes(5).toString('hex');

describe('lists (integration)', function () {
  this.timeout(300_000);
  let h: Harness;
  let db: mongoose.Connection;
  let reviewer: string;
  let senior: string;
  let admin: string;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    db = await mongoose.createConnection(h.stack.mongodbUri).asPromise();
    [reviewer, senior, admin] = await Promise.all([h.token('rev_lia', 'reviewer'), h.token('sen_lou', 'senior'), h.token('adm_lex', 'admin')]);
  });
  after(async () => db?.close());

  const add = (list: string, json: unknown, token = h.serviceKey) => call(h.baseUrl, 'POST', `/v1/lists/${list}/entries`, { token, json });
  const page = (list: string, query: string, token = h.serviceKey) => call(h.baseUrl, 'GET', `/v1/lists/${list}/entries?${query}`, { token });
  const remove = (list: string, id: string, token = h.serviceKey) => call(h.baseUrl, 'DELETE', `/v1/lists/${list}/entries/${id}`, { token });
  const submit = (order: unknown) => call(h.baseUrl, 'POST', '/v1/checks', { token: h.serviceKey, json: order });
  /** Every document of a collection as one JSON string (to look for a value anywhere in it). */
  const dump = async (collection: string, filter: Record<string, unknown> = {}) => JSON.stringify(await db.collection(collection).find(filter).toArray());

  it('adds an entry (201, a hint, never the value), the same again is 200 with the same entry, and lists it', async () => {
    const email = `Mallory.${hex()}@Example.com`;
    const first = await add('block', { type: 'email', value: email, reason: 'ring of stolen cards' });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(first.body).to.include({ list: 'block', type: 'email', reason: 'ring of stolen cards', expiresAt: null });
    expect(first.body.id).to.match(/^ent_/);
    expect(first.body.hint).to.equal('m***@example.com');
    expect(first.body.createdBy).to.include({ type: 'service' });
    expect(JSON.stringify(first.body).toLowerCase()).not.to.include(email.toLowerCase().split('@')[0]);

    // Same list, type and value (in another case): the existing entry.
    const again = await add('block', { type: 'email', value: ` ${email.toUpperCase()} `, reason: 'another reason' });
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal(first.body);

    const listed = await page('block', 'type=email&limit=200');
    expect(listed.status).to.equal(200);
    expect(listed.body.items.some((e: { id: string }) => e.id === first.body.id)).to.equal(true);
    expect(JSON.stringify(listed.body).toLowerCase()).not.to.include(email.toLowerCase().split('@')[0]);
  });

  it('never stores a value raw: not in the lists, not in the audit trail', async () => {
    const values = {
      email: `raw.${hex()}@example.org`,
      card_fingerprint: `fp_raw_${hex()}`,
      device: `dev_raw_${hex()}`,
      phone: `+1555${Math.floor(1e6 + Math.random() * 8e6)}`,
      customer_id: `cus_raw_${hex()}`,
    };
    const ids: string[] = [];
    for (const [type, value] of Object.entries(values)) {
      const r = await add('block', { type, value, reason: 'raw-value test' });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect(JSON.stringify(r.body)).not.to.include(value);
      ids.push(r.body.id);
    }
    const address = { line1: `${hex()} Secret Lane`, postalCode: '90210', country: 'US' };
    const a = await add('allow', { type: 'shipping_address', value: address, reason: 'raw-value test' });
    expect(a.status, JSON.stringify(a.body)).to.equal(201);
    expect(JSON.stringify(a.body)).not.to.include('Secret');
    ids.push(a.body.id);

    const stored = await dump('lists');
    const audit = await dump('audit', { checkId: { $in: ids.map((id) => `list:${id}`) } });
    expect(audit).to.include('list.entry_added');
    for (const value of [...Object.values(values), address.line1]) {
      expect(stored, value).not.to.include(value);
      expect(stored.toLowerCase(), value).not.to.include(value.toLowerCase());
      expect(audit, value).not.to.include(value);
    }
  });

  it('a block-list hit rejects a new check (cancel, BLOCKLIST_HIT naming the type, never the value)', async () => {
    const order = cleanOrder();
    const before = await submit(cleanOrder());
    expect(before.body.status).to.equal('approved');
    const r = await add('block', { type: 'card_fingerprint', value: order.payment.card.fingerprint, reason: 'stolen card' });
    expect(r.status).to.equal(201);
    const res = await submit(order);
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ status: 'rejected', fulfilment: 'cancel' });
    const hit = res.body.risk.reasons.find((x: Reason) => x.code === 'BLOCKLIST_HIT');
    expect(hit, JSON.stringify(res.body.risk)).to.be.an('object');
    expect(hit.detail).to.include('card');
    expect(hit.detail).not.to.include(order.payment.card.fingerprint);
  });

  it('matches emails case-insensitively, addresses ignoring case and spaces, BINs by prefix, IPv6 in any spelling', async () => {
    const n = hex();
    const cases: Array<{ entry: { type: string; value: unknown }; order: Record<string, unknown> }> = [
      { entry: { type: 'email', value: `  CaseY.${n}@EXAMPLE.com` }, order: { customer: { ...cleanOrder().customer, email: `casey.${n}@example.COM` } } },
      {
        entry: { type: 'shipping_address', value: { line1: `${n}  Elm   STREET`, postalCode: '787 01', country: 'us' } },
        order: { shippingAddress: { line1: `${n} elm street`, city: 'Austin', postalCode: '78701', country: 'US' } },
      },
      { entry: { type: 'ip', value: `2001:DB8:0:0:0:0:${n.slice(0, 4)}:1` }, order: { device: { ...cleanOrder().device, ip: `2001:db8::${n.slice(0, 4)}:1` } } },
      { entry: { type: 'email_domain', value: `@${n}.example` }, order: { customer: { ...cleanOrder().customer, email: `x@${n}.EXAMPLE` } } },
    ];
    for (const c of cases) {
      const r = await add('block', { ...c.entry, reason: 'matching test' });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      const res = await submit(cleanOrder(c.order));
      expect(res.body.status, `${c.entry.type}: ${JSON.stringify(res.body.risk)}`).to.equal('rejected');
      expect(codes(res.body)).to.include('BLOCKLIST_HIT');
    }
    // A BIN entry of 6 digits matches an order whose 8-digit BIN starts with it.
    const bin = `9${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    expect((await add('block', { type: 'card_bin', value: bin, reason: 'bin test' })).status).to.equal(201);
    const o = cleanOrder();
    const res = await submit({ ...o, payment: { ...o.payment, card: { ...o.payment.card, bin: `${bin}42` } } });
    expect(res.body.status).to.equal('rejected');
  });

  it('an allow-list hit approves (ALLOWLIST_HIT); a block-list hit wins over it', async () => {
    const order = suspiciousOrder();
    const control = await submit(suspiciousOrder());
    expect(control.body.status).to.not.equal('approved');
    expect((await add('allow', { type: 'email', value: order.customer.email, reason: 'VIP customer' })).status).to.equal(201);
    const res = await submit(order);
    expect(res.body.status, JSON.stringify(res.body.risk)).to.equal('approved');
    expect(res.body.fulfilment).to.equal('release');
    expect(codes(res.body)).to.include('ALLOWLIST_HIT');

    const both = suspiciousOrder();
    await add('allow', { type: 'email', value: both.customer.email, reason: 'VIP' });
    await add('block', { type: 'device', value: both.device.fingerprint, reason: 'fraud device' });
    const blocked = await submit(both);
    expect(blocked.body.status).to.equal('rejected');
    expect(codes(blocked.body)).to.include('BLOCKLIST_HIT');
    expect(codes(blocked.body)).not.to.include('ALLOWLIST_HIT');
  });

  it('deletes an entry (204, audited): later checks are not affected; a second delete is 404', async () => {
    const order = cleanOrder();
    const r = await add('block', { type: 'device', value: order.device.fingerprint, reason: 'to be deleted' });
    expect((await remove('block', r.body.id, senior)).status).to.equal(204);
    expect((await remove('block', r.body.id)).status).to.equal(404);
    expect((await remove('allow', r.body.id)).status).to.equal(404);
    const res = await submit(order);
    expect(res.body.status).to.equal('approved');
    const audit = (await db.collection('audit').find({ checkId: `list:${r.body.id}` }).toArray()).sort((x, y) => x.seq - y.seq);
    expect(audit.map((e) => e.action)).to.deep.equal(['list.entry_added', 'list.entry_deleted']);
    expect(audit[1].actor).to.include({ type: 'reviewer', id: 'sen_lou', role: 'senior' });
    // Added again: a new entry under the same id.
    const again = await add('block', { type: 'device', value: order.device.fingerprint, reason: 'back again' });
    expect(again.status).to.equal(201);
    expect(again.body.id).to.equal(r.body.id);
  });

  it('an expired entry has no effect, is not listed, and can be added again', async () => {
    const order = cleanOrder();
    const expiresAt = new Date(Date.now() + 4_000).toISOString();
    const r = await add('block', { type: 'customer_id', value: order.customer.id, reason: 'for a few seconds', expiresAt });
    expect(r.status).to.equal(201);
    expect(r.body.expiresAt).to.equal(expiresAt);
    const blocked = await submit(cleanOrder({ customer: order.customer }));
    expect(blocked.body.status).to.equal('rejected');
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 500));
    const after = await submit(order);
    expect(after.body.status, JSON.stringify(after.body.risk)).to.equal('approved');
    const listed = await page('block', 'type=customer_id&limit=200');
    expect(listed.body.items.some((e: { id: string }) => e.id === r.body.id)).to.equal(false);
    const readded = await add('block', { type: 'customer_id', value: order.customer.id, reason: 'again' });
    expect(readded.status).to.equal(201);
    expect(readded.body.expiresAt).to.equal(null);
    const audit = (await db.collection('audit').find({ checkId: `list:${r.body.id}` }).toArray()).sort((x, y) => x.seq - y.seq);
    expect(audit.map((e) => e.action)).to.deep.equal(['list.entry_added', 'list.entry_expired', 'list.entry_added']);
    // An expiry in the past is refused.
    const past = await add('block', { type: 'customer_id', value: `cus_${hex()}`, reason: 'x', expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.status).to.equal(400);
  });

  it('pages a list newest first with a cursor, each entry once', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await add('allow', { type: 'phone', value: `+4420${Math.floor(1e7 + Math.random() * 8e7)}`, reason: `paging ${i}` });
      created.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const res: { status: number; body: { items: Array<{ id: string; createdAt: string }>; nextCursor: string | null } } = await page(
        'allow',
        `type=phone&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).to.equal(200);
      expect(res.body.items.length).to.be.at.most(2);
      seen.push(...res.body.items.map((e) => e.id));
      const times = res.body.items.map((e) => e.createdAt);
      expect([...times].sort().reverse()).to.deep.equal(times);
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(new Set(seen).size).to.equal(seen.length);
    for (const id of created) expect(seen).to.include(id);
    expect((await page('allow', 'cursor=nonsense')).status).to.equal(400);
    expect((await page('allow', 'limit=0')).status).to.equal(400);
    expect((await page('grey', 'limit=1')).status).to.equal(404);
  });

  it('refuses bad entries with 400 naming the field, and never echoes the value', async () => {
    const bad: unknown[] = [
      { type: 'email', value: 'not-an-email-zz9', reason: 'x' },
      { type: 'colour', value: 'red', reason: 'x' },
      { type: 'card_bin', value: '12ab', reason: 'x' },
      { type: 'ip', value: '300.1.1.1', reason: 'x' },
      { type: 'shipping_address', value: 'just a string', reason: 'x' },
      { type: 'email', value: 'a@b.example', reason: '' },
      { type: 'email', value: 'a@b.example', reason: 'x', extra: 1 },
      { type: 'email', value: 'a@b.example', reason: 'x', expiresAt: 'tomorrow' },
    ];
    for (const body of bad) {
      const res = await add('block', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_request');
      expect(JSON.stringify(res.body)).not.to.include('not-an-email-zz9');
    }
  });

  it('role checks: a reviewer gets 403 on every list call; senior and admin and the service key may; no token is 401', async () => {
    const value = `roles.${hex()}@example.com`;
    const asReviewer = await add('block', { type: 'email', value, reason: 'x' }, reviewer);
    expect(asReviewer.status).to.equal(403);
    expect(asReviewer.body.error.code).to.equal('forbidden');
    expect((await page('block', 'limit=1', reviewer)).status).to.equal(403);
    const bySenior = await add('block', { type: 'email', value, reason: 'x' }, senior);
    expect(bySenior.status).to.equal(201);
    expect(bySenior.body.createdBy).to.deep.equal({ type: 'reviewer', id: 'sen_lou', role: 'senior' });
    expect((await remove('block', bySenior.body.id, reviewer)).status).to.equal(403);
    expect((await page('block', 'limit=1', admin)).status).to.equal(200);
    expect((await remove('block', bySenior.body.id, admin)).status).to.equal(204);
    expect((await call(h.baseUrl, 'GET', '/v1/lists/block/entries')).status).to.equal(401);
    expect((await page('block', 'limit=1', 'not-a-key')).status).to.equal(401);
  });

  it('concurrent adds of one value make one entry: one 201, the rest 200 with it (10 trials of 10)', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const value = `fp_race_${hex()}`;
      const replies = await Promise.all(Array.from({ length: 10 }, () => add('block', { type: 'card_fingerprint', value, reason: 'race' })));
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(replies.map((r) => r.body))).to.deep.equal([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(replies.map((r) => r.body.id)).size).to.equal(1);
      expect(await db.collection('lists').countDocuments({ _id: replies[0].body.id } as never)).to.equal(1);
      const audit = await db.collection('audit').countDocuments({ checkId: `list:${replies[0].body.id}` });
      expect(audit).to.equal(1);
    }
  });

  it("a reviewer's reject can block the order's values: later orders with them are rejected", async () => {
    const order = reviewOrder();
    const res = await submit(order);
    expect(res.body.status).to.equal('in_review');
    const checkId = res.body.checkId as string;
    const claim = await call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/claim`, { token: reviewer, json: {} });
    expect(claim.status).to.equal(200);
    // `block` goes with a reject only.
    const wrong = await call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/decision`, {
      token: reviewer,
      json: { action: 'approve', reason: 'fine', block: ['email'] },
    });
    expect(wrong.status).to.equal(400);
    const decided = await call(h.baseUrl, 'POST', `/v1/review/cases/${checkId}/decision`, {
      token: reviewer,
      json: { action: 'reject', reason: 'stolen card', block: ['card_fingerprint', 'email', 'phone'] },
    });
    expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
    expect(decided.body.status).to.equal('rejected');

    // The entries are there by the time the decision answers, pointing at the case.
    const listed = await page('block', 'limit=200', senior);
    const mine = listed.body.items.filter((e: { checkId?: string }) => e.checkId === checkId);
    // (The order has no phone: nothing to block of that type.)
    expect(mine.map((e: { type: string }) => e.type).sort()).to.deep.equal(['card_fingerprint', 'email']);
    for (const e of mine) {
      expect(e.reason).to.include(checkId);
      expect(e.createdBy).to.deep.equal({ type: 'reviewer', id: 'rev_lia', role: 'reviewer' });
    }
    const later = cleanOrder();
    const blocked = await submit({ ...later, payment: { ...later.payment, card: { ...later.payment.card, fingerprint: order.payment.card.fingerprint } } });
    expect(blocked.body.status).to.equal('rejected');
    expect(codes(blocked.body)).to.include('BLOCKLIST_HIT');
    const control = await submit(cleanOrder());
    expect(control.body.status).to.equal('approved');
    // The decision's audit entry says what was blocked.
    const decision = await eventually(async () => db.collection('audit').findOne({ checkId, action: 'decision.reject' }));
    expect(decision!.detail.block).to.deep.equal(['card_fingerprint', 'email', 'phone']);
  });

  describe('npm run lists (CSV)', () => {
    const root = path.resolve(__dirname, '..', '..');
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'scripts/lists.ts', ...args], { cwd: root, env: { ...process.env, ...h.env }, timeout: 120_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'lists-csv-'));
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    it('imports a file (idempotent: again adds nothing), the entries act on checks, and exports hints, never values', async () => {
      const n = hex();
      const order = cleanOrder();
      const file = path.join(dir, 'good.csv');
      await writeFile(
        file,
        [
          'list,type,value,reason,expiresAt',
          `block,email,${order.customer.email},imported ring,`,
          `allow,device,dev_csv_${n},trusted device,2099-01-01T00:00:00Z`,
          `block,shipping_address,${n} Csv Road|10115|DE,drop address,`,
        ].join('\n'),
      );
      const first = await run('import', file);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.include('3 added, 0 already there');
      const again = await run('import', file);
      expect(again.stdout).to.include('0 added, 3 already there');
      const res = await submit(order);
      expect(res.body.status).to.equal('rejected');
      expect(codes(res.body)).to.include('BLOCKLIST_HIT');

      const exported = await run('export', 'block');
      expect(exported.code, exported.stderr).to.equal(0);
      const lines = exported.stdout.trim().split('\n');
      expect(lines[0]).to.equal('id,list,type,hint,reason,createdBy,createdAt,expiresAt,checkId');
      expect(exported.stdout).to.include('imported ring');
      expect(exported.stdout).to.include('system:lists-import');
      expect(exported.stdout).not.to.include(order.customer.email);
      expect(exported.stdout).not.to.include(`${n} Csv Road`);
      expect(exported.stdout).not.to.include(`dev_csv_${n}`); // the allow list was not asked for
    });

    it('a file with bad rows adds nothing and names each bad row', async () => {
      const email = `csv.bad.${hex()}@example.com`;
      const file = path.join(dir, 'bad.csv');
      await writeFile(file, ['list,type,value,reason', `block,email,${email},fine row`, 'block,card_bin,12,too short', 'greylist,email,x@y.example,no such list'].join('\n'));
      const res = await run('import', file);
      expect(res.code).to.equal(1);
      expect(res.stderr).to.include('nothing imported');
      expect(res.stderr).to.include('line 3: value: a card BIN is 6 to 8 digits');
      expect(res.stderr).to.match(/line 4: list must be block or allow/);
      expect(res.stderr).not.to.include(email);
      const o = cleanOrder();
      const check = await submit(cleanOrder({ customer: { ...o.customer, email } }));
      expect(check.body.status).to.equal('approved');
    });
  });
});
