/** Configuration parsing: durations, defaults, refusals. */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDuration } from '../../config/duration';
import { ConfigError, loadConfig } from '../../config';
import { canonicalJson } from '../../lib/crypto';

describe('configuration', () => {
  it('parses durations', () => {
    expect(parseDuration('72h')).to.equal(72 * 3_600_000);
    expect(parseDuration('30s')).to.equal(30_000);
    expect(parseDuration('180d')).to.equal(180 * 86_400_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('250ms')).to.equal(250);
    for (const bad of ['', '72', 'h', '3 days', '-5s', '0s', '1h 30m']) expect(() => parseDuration(bad), bad).to.throw();
  });

  it('applies API.md defaults and keeps development secrets in DATA_DIR', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const a = loadConfig({ DATA_DIR: dataDir });
    expect(a.port).to.equal(3000);
    expect(a.publicUrl).to.equal('http://localhost:3000');
    expect(a.durations).to.deep.include({ uploadDeadlineMs: 72 * 3_600_000, reminderIntervalMs: 24 * 3_600_000, reviewSlaMs: 4 * 3_600_000 });
    expect(a.documentKey).to.have.length(32);
    const b = loadConfig({ DATA_DIR: dataDir, PORT: '8080' });
    expect(b.serviceApiKeys).to.deep.equal(a.serviceApiKeys); // the same dev key on the next start
    expect(b.publicUrl).to.equal('http://localhost:8080');
  });

  it('refuses what cannot work, saying why', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    expect(() => loadConfig({ DATA_DIR: dataDir, UPLOAD_DEADLINE: 'soon' })).to.throw(ConfigError, /UPLOAD_DEADLINE/);
    expect(() => loadConfig({ DATA_DIR: dataDir, WEBHOOK_URL: 'http://x.test/h' })).to.throw(ConfigError, /WEBHOOK_SECRET/);
    expect(() => loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production' })).to.throw(ConfigError, /required in production/);
    expect(() => loadConfig({ DATA_DIR: dataDir, DOCUMENT_KEY: Buffer.alloc(16).toString('base64') })).to.throw(ConfigError, /32 bytes/);
  });

  describe('reviewer tokens', () => {
    const idp = {
      REVIEWER_JWKS_URL: 'https://idp.example.test/.well-known/jwks.json',
      REVIEWER_JWT_ISSUER: 'https://idp.example.test/',
      REVIEWER_JWT_AUDIENCE: 'fraud-check-review',
    };
    /** Every secret production requires, except the reviewer ones. */
    const production = () => ({
      NODE_ENV: 'production',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'cfg-')),
      SERVICE_API_KEYS: 'sk_prod_0123456789',
      DOCUMENT_KEY: Buffer.alloc(32, 7).toString('base64'),
      TOKEN_SECRET: 'token-secret-0123456789abcdef',
      PSEUDONYM_SECRET: 'pseudonym-secret-0123456789abcdef',
    });

    it('an identity provider needs REVIEWER_JWT_ISSUER and REVIEWER_JWT_AUDIENCE, named when missing', () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
      expect(() => loadConfig({ DATA_DIR: dataDir, ...idp, REVIEWER_JWT_ISSUER: undefined })).to.throw(ConfigError, /REVIEWER_JWT_ISSUER is required when REVIEWER_JWKS_URL is set/);
      expect(() => loadConfig({ DATA_DIR: dataDir, ...idp, REVIEWER_JWT_AUDIENCE: undefined })).to.throw(ConfigError, /REVIEWER_JWT_AUDIENCE is required when REVIEWER_JWKS_URL is set/);
      expect(() => loadConfig({ DATA_DIR: dataDir, ...idp, REVIEWER_JWT_AUDIENCE: '' })).to.throw(ConfigError, /REVIEWER_JWT_AUDIENCE/);
      expect(loadConfig({ DATA_DIR: dataDir, ...idp }).reviewerIdentityProvider).to.deep.equal({
        jwksUrl: idp.REVIEWER_JWKS_URL,
        issuer: idp.REVIEWER_JWT_ISSUER,
        audience: idp.REVIEWER_JWT_AUDIENCE,
      });
      expect(loadConfig({ DATA_DIR: dataDir }).reviewerIdentityProvider).to.equal(undefined);
    });

    it('in production, HS256 only with an explicit REVIEWER_JWT_SECRET: with an identity provider alone, no secret at all', () => {
      const idpOnly = loadConfig({ ...production(), ...idp });
      expect(idpOnly.reviewerJwtSecret).to.equal(undefined);
      expect(idpOnly.devSecrets.reviewerJwtSecret).to.equal(undefined);
      expect(idpOnly.reviewerIdentityProvider?.issuer).to.equal(idp.REVIEWER_JWT_ISSUER);

      const both = loadConfig({ ...production(), ...idp, REVIEWER_JWT_SECRET: 'prod-secret-0123456789abcdef' });
      expect(both.reviewerJwtSecret).to.equal('prod-secret-0123456789abcdef');
      expect(both.devSecrets.reviewerJwtSecret).to.equal(undefined);

      // Neither: no way for a reviewer to sign in.
      expect(() => loadConfig(production())).to.throw(ConfigError, /REVIEWER_JWT_SECRET \(or REVIEWER_JWKS_URL\)/);
    });

    it('in development, a generated HS256 secret, with or without an identity provider', () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
      const dev = loadConfig({ DATA_DIR: dataDir, ...idp });
      expect(dev.reviewerJwtSecret).to.be.a('string').with.length.above(16);
      expect(dev.devSecrets.reviewerJwtSecret).to.equal(dev.reviewerJwtSecret);
    });
  });

  it('hashes equal bodies equally whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).to.equal('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(canonicalJson({ a: undefined, b: 1 })).to.equal('{"b":1}');
  });
});
