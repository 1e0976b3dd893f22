/** GET /v1/review/me: who the token is and what it may do, from the one permission table. */
import { expect } from 'chai';
import { can, permissionNames, roles } from '../../domain/roles';
import { call } from './client';
import { getHarness, type Harness } from './harness';

describe('reviewer self (integration)', function () {
  this.timeout(120_000);
  let h: Harness;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
  });

  for (const role of roles) {
    it(`role ${role}: its id, its role and exactly the permissions the table grants`, async () => {
      const res = await call(h.baseUrl, 'GET', '/v1/review/me', { token: await h.token(`me_${role}`, role) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.body).to.deep.equal({ id: `me_${role}`, role, permissions: permissionNames.filter((p) => can(role, p)) });
    });
  }

  it('is the table: a reviewer may not see originals, a senior may, only an admin overrides claims', async () => {
    const [reviewer, senior, admin] = await Promise.all(
      roles.map(async (role) => (await call(h.baseUrl, 'GET', '/v1/review/me', { token: await h.token(`me2_${role}`, role) })).body.permissions as string[]),
    );
    expect(reviewer).to.include('document.preview').and.not.include('document.original');
    expect(senior).to.include.members(['document.original', 'decision.report', 'decision.on_escalated']).and.not.include('claim.override');
    expect(admin).to.include('claim.override');
  });

  it('refuses a missing or bad token with 401', async () => {
    const none = await call(h.baseUrl, 'GET', '/v1/review/me');
    expect(none.status).to.equal(401);
    expect(none.body.error.code).to.equal('unauthorized');
    const bad = await call(h.baseUrl, 'GET', '/v1/review/me', { token: 'not.a.jwt' });
    expect(bad.status).to.equal(401);
  });

  it('is listed in /openapi.json', async () => {
    const spec = await call(h.baseUrl, 'GET', '/openapi.json');
    const me = spec.body.paths['/v1/review/me'];
    expect(me?.get?.security).to.deep.equal([{ reviewerJwt: [] }]);
    const schema = me.get.responses['200'].content['application/json'].schema;
    expect(schema.required).to.include.members(['id', 'role', 'permissions']);
  });
});
