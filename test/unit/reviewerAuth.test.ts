/**
 * The reviewer middleware in a tiny in-process express app on an ephemeral
 * port (no database, no Temporal): HS256 with the secret, RS256/ES256 from a
 * local JWKS server, and every way a token can be refused.
 */
import { expect } from 'chai';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignJWT, UnsecuredJWT, decodeJwt, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { MAX_TOKEN_LIFETIME_SECONDS, requireReviewer, signReviewerToken } from '../../api/reviewerAuth';
import { roleAtLeast } from '../../domain/roles';
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

  describe('lifetime: at most 24 h', () => {
    const hs = (times: { iat?: number; exp: number }) => {
      const jwt = new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('rev_ann').setExpirationTime(times.exp);
      if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
      return jwt.sign(hmac);
    };

    it('accepts a token of exactly the maximum lifetime', async () => {
      const now = nowSeconds();
      expect(MAX_TOKEN_LIFETIME_SECONDS).to.equal(24 * 3600);
      expect((await call(`${base}/any`, await hs({ iat: now, exp: now + MAX_TOKEN_LIFETIME_SECONDS }))).status).to.equal(200);
    });

    it('401 when exp − iat is longer, even for a token issued long ago and still valid', async () => {
      const now = nowSeconds();
      for (const times of [
        { iat: now, exp: now + MAX_TOKEN_LIFETIME_SECONDS + 60 },
        { iat: now - 20 * 3600, exp: now + 5 * 3600 },
        { iat: now, exp: now + 10 * 365 * 86_400 },
      ]) {
        const { status, body } = await call(`${base}/any`, await hs(times));
        expect(status, JSON.stringify(times)).to.equal(401);
        expect(body.error.code).to.equal('unauthorized');
        expect(body.error.message).to.match(/lifetime is too long.*24 h/);
      }
    });

    it('401 when, without iat (or with iat in the future), exp is more than 24 h away', async () => {
      const now = nowSeconds();
      expect((await call(`${base}/any`, await hs({ exp: now + 25 * 3600 }))).status).to.equal(401);
      expect((await call(`${base}/any`, await hs({ iat: now + 365 * 86_400, exp: now + 365 * 86_400 + 3600 }))).status).to.equal(401);
      expect((await call(`${base}/any`, await hs({ exp: now + 23 * 3600 }))).status).to.equal(200);
    });

    it('signReviewerToken refuses a longer expiry instead of making a token that would be refused', async () => {
      const token = await signReviewerToken(SECRET, { sub: 'rev_ann', role: 'reviewer', expiresIn: '24h' });
      const { iat, exp } = decodeJwt(token);
      expect(exp! - iat!).to.equal(MAX_TOKEN_LIFETIME_SECONDS);
      for (const expiresIn of ['10y', '25h', '2d']) {
        let thrown: unknown;
        await signReviewerToken(SECRET, { sub: 'rev_ann', role: 'senior', expiresIn }).catch((e) => (thrown = e));
        expect(thrown, expiresIn).to.be.instanceOf(RangeError);
        expect((thrown as Error).message).to.match(/at most 24 h/);
      }
    });
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
  let jwksUrl: string;

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
    jwksUrl = `${listening.url}/jwks.json`;
    ({ server: api, url: base } = await listen(appWith({ secret: SECRET, identityProvider: { jwksUrl, issuer: ISSUER, audience: AUDIENCE } })));
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

  it('401 for an IdP token without an issuer or an audience', async () => {
    const unsigned = (claims: { iss?: string; aud?: string }) => {
      const jwt = new SignJWT({ role: 'senior' }).setProtectedHeader({ alg: 'ES256', kid: 'es-1' }).setSubject('idp|rev_42').setExpirationTime('10m');
      if (claims.iss) jwt.setIssuer(claims.iss);
      if (claims.aud) jwt.setAudience(claims.aud);
      return jwt.sign(es.privateKey);
    };
    const noAud = await call(`${base}/any`, await unsigned({ iss: ISSUER }));
    expect(noAud.status).to.equal(401);
    expect(noAud.body.error.message).to.match(/aud/);
    const noIss = await call(`${base}/any`, await unsigned({ aud: AUDIENCE }));
    expect(noIss.status).to.equal(401);
    expect(noIss.body.error.message).to.match(/iss/);
    expect((await call(`${base}/any`, await unsigned({ iss: ISSUER, aud: AUDIENCE }))).status).to.equal(200);
  });

  it('401 for an IdP token that lives longer than 24 h', async () => {
    const token = await new SignJWT({ role: 'senior' })
      .setProtectedHeader({ alg: 'ES256', kid: 'es-1' })
      .setSubject('idp|rev_42')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('48h')
      .sign(es.privateKey);
    const { status, body } = await call(`${base}/any`, token);
    expect(status).to.equal(401);
    expect(body.error.message).to.match(/lifetime/);
  });

  it('without a secret (production with an identity provider): only the IdP’s tokens, HS256 refused', async () => {
    const idpOnly = await listen(appWith({ identityProvider: { jwksUrl, issuer: ISSUER, audience: AUDIENCE } }));
    try {
      const hs = await call(`${idpOnly.url}/any`, await signReviewerToken(SECRET, { sub: 'rev_ann', role: 'admin' }));
      expect(hs.status).to.equal(401);
      expect(hs.body.error.message).to.match(/HS256.*not accepted/);
      expect((await call(`${idpOnly.url}/senior`, await idpToken(es))).status).to.equal(200);
    } finally {
      await close(idpOnly.server);
    }
  });

  it('refuses to be set up without a key source, or with an IdP but no issuer or audience', () => {
    expect(() => requireReviewer({})).to.throw(TypeError, /secret or an identity provider/);
    expect(() => requireReviewer({ identityProvider: { jwksUrl, issuer: '', audience: AUDIENCE } })).to.throw(TypeError, /issuer and an audience/);
    expect(() => requireReviewer({ identityProvider: { jwksUrl, issuer: ISSUER } as never })).to.throw(TypeError, /issuer and an audience/);
  });

  it('403 / 401 on the role claim of an IdP token', async () => {
    expect((await call(`${base}/admin`, await idpToken(es))).status).to.equal(403);
    expect((await call(`${base}/any`, await idpToken(es, {}))).status).to.equal(401);
  });

  it('503 when the key set cannot be fetched', async () => {
    const down = await listen(express());
    const downUrl = down.url;
    await close(down.server);
    const unreachable = await listen(appWith({ secret: SECRET, identityProvider: { jwksUrl: `${downUrl}/jwks.json`, issuer: ISSUER, audience: AUDIENCE } }));
    try {
      const { status, body } = await call(`${unreachable.url}/any`, await idpToken(es));
      expect(status).to.equal(503);
      expect(body.error.code).to.equal('temporarily_unavailable');
    } finally {
      await close(unreachable.server);
    }
  });
});

describe('npm run token', function () {
  this.timeout(60_000);
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', path.join('scripts', 'token.ts'), ...args], { env: { PATH: process.env.PATH, ...env } }).then(
      ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  const env = () => ({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'token-')), REVIEWER_JWT_SECRET: SECRET });

  it('makes a token of the given role and expiry', async () => {
    const { code, stdout } = await run(['alice', 'senior', '2h'], env());
    expect(code).to.equal(0);
    const claims = decodeJwt(stdout.trim());
    expect(claims).to.include({ sub: 'alice', role: 'senior' });
    expect(claims.exp! - claims.iat!).to.equal(7200);
  });

  it('refuses 10y with a clear error and prints no token', async () => {
    const { code, stdout, stderr } = await run(['alice', 'senior', '10y'], env());
    expect(code).to.equal(2);
    expect(stdout).to.equal('');
    expect(stderr).to.match(/at most 24 h; "10y" is longer/);
  });

  it('says why when this deployment has no HS256 secret', async () => {
    const { code, stderr } = await run(['alice'], {
      NODE_ENV: 'production',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'token-')),
      SERVICE_API_KEYS: 'sk_prod_0123456789',
      DOCUMENT_KEY: Buffer.alloc(32, 7).toString('base64'),
      TOKEN_SECRET: 'token-secret-0123456789abcdef-0123',
      PSEUDONYM_SECRET: 'pseudonym-secret-0123456789abcdef',
      AUDIT_SECRET: 'audit-secret-0123456789abcdef-0123',
      PUBLIC_URL: 'https://verify.shop.example',
      SMTP_URL: 'smtp://smtp.shop.example:587',
      S3_BUCKET: 'fraud-documents',
      REVIEWER_JWKS_URL: 'https://idp.example.test/.well-known/jwks.json',
      REVIEWER_JWT_ISSUER: ISSUER,
      REVIEWER_JWT_AUDIENCE: AUDIENCE,
    });
    expect(code).to.equal(2);
    expect(stderr).to.match(/REVIEWER_JWT_SECRET is not set/);
  });
});
