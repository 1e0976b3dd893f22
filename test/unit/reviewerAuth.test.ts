/**
 * The reviewer middleware in a tiny in-process express app on an ephemeral
 * port (no database, no Temporal): HS256 with the secret, RS256/ES256 from a
 * local JWKS server, and every way a token can be refused.
 */
import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { requireReviewer, roleAtLeast, signReviewerToken } from '../../api/reviewerAuth';
import { errorHandler } from '../../api/errors';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'fraud-check-review';

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

function appWith(options: Parameters<typeof requireReviewer>[0]): express.Express {
  const app = express();
  const who: express.RequestHandler = (_req, res) => {
    res.json({ reviewer: res.locals.reviewer, actor: res.locals.actor });
  };
  app.get('/any', requireReviewer(options), who);
  app.get('/senior', requireReviewer(options, 'senior'), who);
  app.get('/admin', requireReviewer(options, 'admin'), who);
  app.use(errorHandler);
  return app;
}

async function call(url: string, token?: string, authorization?: string) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  else if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { headers });
  const body = (await response.json()) as any;
  return { status: response.status, body };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmac = new TextEncoder().encode(SECRET);

describe('reviewer auth (HS256)', () => {
  let server: Server;
  let base: string;

  before(async () => {
    ({ server, url: base } = await listen(appWith({ secret: SECRET })));
  });
  after(() => close(server));

  it('accepts a valid token and sets res.locals.reviewer and actor', async () => {
    const token = await signReviewerToken(SECRET, { sub: 'rev_ann', role: 'reviewer' });
    const { status, body } = await call(`${base}/any`, token);
    expect(status).to.equal(200);
    expect(body.reviewer).to.deep.equal({ id: 'rev_ann', role: 'reviewer' });
    expect(body.actor).to.deep.equal({ type: 'reviewer', id: 'rev_ann', role: 'reviewer' });
  });

  it('accepts a higher role than required', async () => {
    const token = await signReviewerToken(SECRET, { sub: 'rev_boss', role: 'admin' });
    expect((await call(`${base}/senior`, token)).status).to.equal(200);
    expect((await call(`${base}/admin`, token)).status).to.equal(200);
  });

  it('401 without a token', async () => {
    const { status, body } = await call(`${base}/any`);
    expect(status).to.equal(401);
    expect(body.error.code).to.equal('unauthorized');
  });

  it('401 for a non-Bearer scheme', async () => {
    const token = await signReviewerToken(SECRET, { sub: 'rev_ann', role: 'reviewer' });
    expect((await call(`${base}/any`, undefined, `Basic ${token}`)).status).to.equal(401);
  });

  it('401 for garbage', async () => {
    for (const garbage of ['garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln', '...']) {
      const { status, body } = await call(`${base}/any`, garbage);
      expect(status, garbage).to.equal(401);
      expect(body.error.code).to.equal('unauthorized');
    }
  });

  it('401 for an expired token', async () => {
    const token = await new SignJWT({ role: 'reviewer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('rev_ann')
      .setIssuedAt(nowSeconds() - 7200)
      .setExpirationTime(nowSeconds() - 60)
      .sign(hmac);
    const { status, body } = await call(`${base}/any`, token);
    expect(status).to.equal(401);
    expect(body.error.message).to.match(/expired/);
  });

  it('401 for a token signed with another secret', async () => {
    const token = await signReviewerToken('another-secret-0123456789abcdef', { sub: 'rev_ann', role: 'admin' });
    const { status, body } = await call(`${base}/any`, token);
    expect(status).to.equal(401);
    expect(body.error.message).to.match(/signature/);
  });

  it('401 for alg none, with or without a signature part', async () => {
    const unsecured = new UnsecuredJWT({ role: 'admin' }).setSubject('rev_mallory').setExpirationTime('1h').encode();
    expect((await call(`${base}/any`, unsecured)).status).to.equal(401);
    const [header, payload] = unsecured.split('.');
    expect((await call(`${base}/any`, `${header}.${payload}.c2ln`)).status).to.equal(401);
  });

  it('401 for another HMAC algorithm with the right secret', async () => {
    const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS512' }).setSubject('rev_ann').setExpirationTime('1h').sign(hmac);
    const { status, body } = await call(`${base}/any`, token);
    expect(status).to.equal(401);
    expect(body.error.message).to.match(/algorithm/);
  });

  it('403 when the role is too low', async () => {
    const token = await signReviewerToken(SECRET, { sub: 'rev_ann', role: 'reviewer' });
    const { status, body } = await call(`${base}/senior`, token);
    expect(status).to.equal(403);
    expect(body.error.code).to.equal('forbidden');
    const senior = await signReviewerToken(SECRET, { sub: 'rev_sam', role: 'senior' });
    expect((await call(`${base}/senior`, senior)).status).to.equal(200);
    expect((await call(`${base}/admin`, senior)).status).to.equal(403);
  });

  it('401 when the role claim is missing or unknown', async () => {
    const missing = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('rev_ann').setExpirationTime('1h').sign(hmac);
    const r1 = await call(`${base}/any`, missing);
    expect(r1.status).to.equal(401);
    expect(r1.body.error.message).to.match(/role/);
    const unknown = await new SignJWT({ role: 'superuser' }).setProtectedHeader({ alg: 'HS256' }).setSubject('rev_ann').setExpirationTime('1h').sign(hmac);
    expect((await call(`${base}/any`, unknown)).status).to.equal(401);
  });

  it('401 when sub or exp is missing, or sub is too long', async () => {
    const noSub = await new SignJWT({ role: 'reviewer' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(hmac);
    expect((await call(`${base}/any`, noSub)).status).to.equal(401);
    const noExp = await new SignJWT({ role: 'reviewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject('rev_ann').sign(hmac);
    const r = await call(`${base}/any`, noExp);
    expect(r.status).to.equal(401);
    expect(r.body.error.message).to.match(/exp/);
    const longSub = await new SignJWT({ role: 'reviewer' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x'.repeat(129)).setExpirationTime('1h').sign(hmac);
    expect((await call(`${base}/any`, longSub)).status).to.equal(401);
    const numericSub = await new SignJWT({ role: 'reviewer', sub: 42 } as any).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(hmac);
    expect((await call(`${base}/any`, numericSub)).status).to.equal(401);
  });

  it('401 for an RS256/ES256 token when no JWKS is configured', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'ES256' }).setSubject('rev_ann').setExpirationTime('1h').sign(privateKey);
    expect((await call(`${base}/any`, token)).status).to.equal(401);
  });

  it('roleAtLeast and signReviewerToken guards', async () => {
    expect(roleAtLeast('senior', 'reviewer')).to.equal(true);
    expect(roleAtLeast('reviewer', 'admin')).to.equal(false);
    let thrown: unknown;
    await signReviewerToken(SECRET, { sub: 'x', role: 'root' as any }).catch((e) => (thrown = e));
    expect(thrown).to.be.instanceOf(TypeError);
    expect(() => requireReviewer({ secret: '' })).to.throw(TypeError);
  });
});

describe('reviewer auth (JWKS: RS256 / ES256)', () => {
  let idp: Server;
  let api: Server;
  let base: string;
  let es: { privateKey: CryptoKey; jwk: JWK };
  let rs: { privateKey: CryptoKey; jwk: JWK };

  async function keyPair(alg: 'ES256' | 'RS256', kid: string) {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
  }

  const idpToken = (key: { privateKey: CryptoKey; jwk: JWK }, claims: Record<string, unknown> = { role: 'senior' }, iss = ISSUER, aud = AUDIENCE) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: key.jwk.alg!, kid: key.jwk.kid })
      .setSubject('idp|rev_42')
      .setIssuer(iss)
      .setAudience(aud)
      .setExpirationTime('10m')
      .sign(key.privateKey);

  before(async () => {
    es = await keyPair('ES256', 'es-1');
    rs = await keyPair('RS256', 'rs-1');
    const idpApp = express();
    idpApp.get('/jwks.json', (_req, res) => {
      res.json({ keys: [es.jwk, rs.jwk] });
    });
    const listening = await listen(idpApp);
    idp = listening.server;
    ({ server: api, url: base } = await listen(appWith({ secret: SECRET, jwksUrl: `${listening.url}/jwks.json`, issuer: ISSUER, audience: AUDIENCE })));
  });
  after(async () => {
    await close(api);
    await close(idp);
  });

  it('accepts ES256 and RS256 tokens from the key set', async () => {
    for (const key of [es, rs]) {
      const { status, body } = await call(`${base}/senior`, await idpToken(key));
      expect(status, key.jwk.alg).to.equal(200);
      expect(body.reviewer).to.deep.equal({ id: 'idp|rev_42', role: 'senior' });
    }
  });

  it('still accepts HS256 tokens signed with the secret', async () => {
    const token = await signReviewerToken(SECRET, { sub: 'rev_ann', role: 'reviewer' });
    expect((await call(`${base}/any`, token)).status).to.equal(200);
  });

  it('401 for a key not in the set, a wrong issuer or audience', async () => {
    const stranger = await keyPair('ES256', 'es-1');
    expect((await call(`${base}/any`, await idpToken(stranger))).status).to.equal(401);
    const unknownKid = await keyPair('ES256', 'es-unknown');
    expect((await call(`${base}/any`, await idpToken(unknownKid))).status).to.equal(401);
    expect((await call(`${base}/any`, await idpToken(es, { role: 'senior' }, 'https://evil.example/'))).status).to.equal(401);
    expect((await call(`${base}/any`, await idpToken(es, { role: 'senior' }, ISSUER, 'another-app'))).status).to.equal(401);
  });

  it('403 / 401 on the role claim of an IdP token', async () => {
    expect((await call(`${base}/admin`, await idpToken(es))).status).to.equal(403);
    expect((await call(`${base}/any`, await idpToken(es, {}))).status).to.equal(401);
  });

  it('503 when the key set cannot be fetched', async () => {
    const down = await listen(express());
    const downUrl = down.url;
    await close(down.server);
    const unreachable = await listen(appWith({ secret: SECRET, jwksUrl: `${downUrl}/jwks.json` }));
    try {
      const { status, body } = await call(`${unreachable.url}/any`, await idpToken(es));
      expect(status).to.equal(503);
      expect(body.error.code).to.equal('temporarily_unavailable');
    } finally {
      await close(unreachable.server);
    }
  });
});
