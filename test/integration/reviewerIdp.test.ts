/**
 * Reviewer tokens from an identity provider, through an API process configured
 * with REVIEWER_JWKS_URL / _ISSUER / _AUDIENCE and a JWKS served by the test:
 * only tokens the provider issued for this application, and none too long-lived.
 */
import { expect } from 'chai';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { call } from './client';
import { getHarness, type Harness } from './harness';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'fraud-check-review';

describe('reviewer tokens from an identity provider (integration)', function () {
  this.timeout(120_000);
  let h: Harness;
  let idp: Server;
  let privateKey: CryptoKey;
  let api: Awaited<ReturnType<Harness['startApi']>>;

  const token = (claims: { iss?: string; aud?: string; expiresIn?: string } = {}) =>
    new SignJWT({ role: 'senior' })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setSubject('idp|rev_7')
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(claims.expiresIn ?? '10m')
      .sign(privateKey);
  const queue = async (bearer: string) => call(api.baseUrl, 'GET', '/v1/review/cases?limit=1', { token: bearer });

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
    const app = express();
    app.get('/jwks.json', (_req, res) => {
      res.json({ keys: [jwk] });
    });
    idp = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`;
    api = await h.startApi({ REVIEWER_JWKS_URL: jwksUrl, REVIEWER_JWT_ISSUER: ISSUER, REVIEWER_JWT_AUDIENCE: AUDIENCE });
  });
  after(async () => {
    await api?.service.stop();
    await new Promise<void>((resolve) => (idp ? idp.close(() => resolve()) : resolve()));
  });

  it('accepts the provider’s token for this application', async () => {
    expect((await queue(await token())).status).to.equal(200);
  });

  it('401 for the provider’s token issued to another application, or by another issuer', async () => {
    const otherApp = await queue(await token({ aud: 'some-other-app' }));
    expect(otherApp.status).to.equal(401);
    expect(otherApp.body.error.code).to.equal('unauthorized');
    expect(otherApp.body.error.message).to.match(/aud/);
    const otherIssuer = await queue(await token({ iss: 'https://another-tenant.example.test/' }));
    expect(otherIssuer.status).to.equal(401);
    expect(otherIssuer.body.error.message).to.match(/iss/);
  });

  it('401 for a token that lives longer than 24 h', async () => {
    const res = await queue(await token({ expiresIn: '7d' }));
    expect(res.status).to.equal(401);
    expect(res.body.error.message).to.match(/lifetime/);
  });
});
