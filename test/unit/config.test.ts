/** Configuration parsing: durations, defaults, secrets, refusals (every problem at once, each naming its variable). */
import { expect } from 'chai';
import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDuration } from '../../config/duration';
import { ConfigError, legacySecrets, loadConfig, parseTrustProxy } from '../../config';
import { canonicalJson } from '../../lib/crypto';
import { configRacers } from '../fixtures/configRace';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
const key = () => randomBytes(32).toString('base64');

/** A complete production environment; tests take parts away. */
function productionEnv(): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production',
    DATA_DIR: tempDir(),
    SERVICE_API_KEYS: 'sk_live_1',
    REVIEWER_JWT_SECRET: randomBytes(32).toString('base64url'),
    DOCUMENT_KEY: key(),
    TOKEN_SECRET: randomBytes(32).toString('base64url'),
    PSEUDONYM_SECRET: randomBytes(32).toString('base64url'),
    AUDIT_SECRET: randomBytes(32).toString('base64url'),
    PUBLIC_URL: 'https://verify.shop.example',
    SMTP_URL: 'smtps://mailer:secret@smtp.shop.example:465',
    S3_BUCKET: 'fraud-documents',
  };
}

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return expect.fail('the configuration was accepted');
}

describe('configuration', () => {
  it('parses durations', () => {
    expect(parseDuration('72h')).to.equal(72 * 3_600_000);
    expect(parseDuration('30s')).to.equal(30_000);
    expect(parseDuration('180d')).to.equal(180 * 86_400_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('250ms')).to.equal(250);
    for (const bad of ['', '72', 'h', '3 days', '-5s', '0s', '1h 30m']) expect(() => parseDuration(bad), bad).to.throw();
  });

  it('applies the documented defaults and keeps development secrets in DATA_DIR', () => {
    const dataDir = tempDir();
    const a = loadConfig({ DATA_DIR: dataDir });
    expect(a.port).to.equal(3000);
    expect(a.publicUrl).to.equal('http://localhost:3000');
    expect(a.durations).to.deep.include({ uploadDeadlineMs: 72 * 3_600_000, reminderIntervalMs: 24 * 3_600_000, reviewSlaMs: 4 * 3_600_000 });
    expect(a.documentKey).to.have.length(32);
    expect(a.trustProxy).to.deep.equal(['loopback']);
    const b = loadConfig({ DATA_DIR: dataDir, PORT: '8080' });
    expect(b.serviceApiKeys).to.deep.equal(a.serviceApiKeys); // the same dev key on the next start
    expect(b.tokenSecret.equals(a.tokenSecret)).to.equal(true);
    expect(b.pseudonymSecret.equals(a.pseudonymSecret)).to.equal(true);
    expect(b.publicUrl).to.equal('http://localhost:8080');
  });

  it('refuses what cannot work, saying why', () => {
    const dataDir = tempDir();
    expect(() => loadConfig({ DATA_DIR: dataDir, UPLOAD_DEADLINE: 'soon' })).to.throw(ConfigError, /UPLOAD_DEADLINE/);
    expect(() => loadConfig({ DATA_DIR: dataDir, WEBHOOK_URL: 'http://x.test/h' })).to.throw(ConfigError, /WEBHOOK_SECRET/);
    expect(() => loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production' })).to.throw(ConfigError, /required in production/);
    expect(() => loadConfig({ DATA_DIR: dataDir, DOCUMENT_KEY: Buffer.alloc(16).toString('base64') })).to.throw(ConfigError, /DOCUMENT_KEY.*32 bytes/);
    expect(() => loadConfig({ DATA_DIR: dataDir, DOCUMENT_KEY: 'not base64 at all!' })).to.throw(ConfigError, /DOCUMENT_KEY/);
    expect(() => loadConfig({ DATA_DIR: dataDir, PREVIOUS_DOCUMENT_KEYS: `${key()},short` })).to.throw(ConfigError, /PREVIOUS_DOCUMENT_KEYS: entry 2/);
  });

  it('in production, names every missing secret, and writes no development secrets', () => {
    const env = productionEnv();
    const required = ['SERVICE_API_KEYS', 'REVIEWER_JWT_SECRET (or REVIEWER_JWKS_URL)', 'DOCUMENT_KEY', 'TOKEN_SECRET', 'PSEUDONYM_SECRET', 'AUDIT_SECRET', 'S3_BUCKET (or BLOB_DIR)', 'PUBLIC_URL', 'SMTP_URL (or MAIL_OUTBOX_DIR)'];
    const problems = problemsOf({ NODE_ENV: 'production', DATA_DIR: env.DATA_DIR });
    expect(problems).to.have.members(required.map((name) => `${name}: required in production`));
    expect(existsSync(path.join(env.DATA_DIR!, 'dev-secrets.json'))).to.equal(false);
    // And each one alone.
    for (const name of required) {
      const without = { ...productionEnv(), [name.split(' ')[0]]: undefined };
      expect(problemsOf(without), name).to.deep.equal([`${name}: required in production`]);
    }
    expect(loadConfig(productionEnv()).production).to.equal(true);
  });

  it('keeps document blobs under DATA_DIR/blobs, or BLOB_DIR, or in the S3 bucket of S3_BUCKET', () => {
    const dataDir = tempDir();
    expect(loadConfig({ DATA_DIR: dataDir }).blobs).to.deep.equal({ kind: 'filesystem', dir: path.join(dataDir, 'blobs') });
    expect(loadConfig({ DATA_DIR: dataDir, BLOB_DIR: 'relative/blobs' }).blobs).to.deep.equal({ kind: 'filesystem', dir: path.resolve('relative/blobs') });
    // docker-compose.yml's values (MinIO).
    const compose = { S3_BUCKET: 'fraud-documents', S3_ENDPOINT: 'http://minio:9000', S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: 'true' };
    expect(loadConfig({ DATA_DIR: dataDir, BLOB_DIR: '/ignored', ...compose }).blobs).to.deep.equal({
      kind: 's3',
      bucket: 'fraud-documents',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      forcePathStyle: true,
    });
    // AWS S3: no endpoint, virtual-hosted addressing, the default region.
    expect(loadConfig({ DATA_DIR: dataDir, S3_BUCKET: 'b' }).blobs).to.deep.equal({ kind: 's3', bucket: 'b', endpoint: undefined, region: 'us-east-1', forcePathStyle: false });
    expect(problemsOf({ DATA_DIR: dataDir, S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000', S3_FORCE_PATH_STYLE: 'yes' }).map((p) => p.split(':')[0]).sort()).to.deep.equal([
      'S3_ENDPOINT',
      'S3_FORCE_PATH_STYLE',
    ]);
    // Production on one machine may keep files, when it says so.
    expect(loadConfig({ ...productionEnv(), S3_BUCKET: undefined, BLOB_DIR: path.join(dataDir, 'b') }).blobs.kind).to.equal('filesystem');
  });

  it('in production, refuses a WEBHOOK_SECRET, TOKEN_SECRET or PSEUDONYM_SECRET under 32 bytes', () => {
    const short = 'x'.repeat(31);
    const webhook = { WEBHOOK_URL: 'https://hooks.example/fraud' };
    expect(problemsOf({ ...productionEnv(), ...webhook, WEBHOOK_SECRET: short })).to.have.length(1).and.match(/^WEBHOOK_SECRET: must be at least 32 bytes/);
    expect(problemsOf({ ...productionEnv(), ...webhook })).to.deep.equal(['WEBHOOK_SECRET: required when WEBHOOK_URL is set']);
    expect(loadConfig({ ...productionEnv(), ...webhook, WEBHOOK_SECRET: 'x'.repeat(32) }).webhook?.secret).to.have.length(32);
    for (const name of ['TOKEN_SECRET', 'PSEUDONYM_SECRET']) {
      expect(problemsOf({ ...productionEnv(), [name]: short }), name).to.have.length(1).and.match(new RegExp(`^${name}: must be at least 32 bytes`));
      // `base64:` counts the decoded bytes.
      expect(problemsOf({ ...productionEnv(), [name]: `base64:${randomBytes(24).toString('base64')}` }), name).to.have.length(1);
      expect(() => loadConfig({ ...productionEnv(), [name]: `base64:${randomBytes(32).toString('base64')}` }), name).not.to.throw();
    }
    // Outside production a short webhook secret still works (tests, local receivers).
    expect(loadConfig({ DATA_DIR: tempDir(), ...webhook, WEBHOOK_SECRET: 'dev' }).webhook?.secret).to.equal('dev');
  });

  it('reports every problem at once, each naming its variable', () => {
    const problems = problemsOf({
      ...productionEnv(),
      UPLOAD_DEADLINE: 'soon',
      PORT: 'eighty',
      DOCUMENT_KEY: 'short',
      TRUST_PROXY: 'everyone',
      TOKEN_SECRET: undefined,
      WEBHOOK_URL: 'https://hooks.example/fraud',
    });
    const named = problems.map((p) => p.slice(0, p.indexOf(':'))).sort();
    expect(named).to.deep.equal(['DOCUMENT_KEY', 'PORT', 'TOKEN_SECRET', 'TRUST_PROXY', 'UPLOAD_DEADLINE', 'WEBHOOK_SECRET']);
  });

  it('in production, PUBLIC_URL and SMTP_URL are required; the outbox folder only when MAIL_OUTBOX_DIR chooses it', () => {
    expect(problemsOf({ ...productionEnv(), PUBLIC_URL: undefined })).to.deep.equal(['PUBLIC_URL: required in production']);
    expect(problemsOf({ ...productionEnv(), SMTP_URL: undefined })).to.deep.equal(['SMTP_URL (or MAIL_OUTBOX_DIR): required in production']);
    const outbox = path.join(tempDir(), 'mail');
    const chosen = loadConfig({ ...productionEnv(), SMTP_URL: undefined, MAIL_OUTBOX_DIR: outbox });
    expect(chosen.mail).to.deep.include({ smtpUrl: undefined, outboxDir: outbox });
    const smtp = loadConfig(productionEnv());
    expect(smtp.mail.smtpUrl).to.equal('smtps://mailer:secret@smtp.shop.example:465');
    expect(smtp.publicUrl).to.equal('https://verify.shop.example');
    // Development: the outbox under DATA_DIR unless MAIL_OUTBOX_DIR says otherwise.
    const dataDir = tempDir();
    expect(loadConfig({ DATA_DIR: dataDir }).mail.outboxDir).to.equal(path.join(dataDir, 'outbox'));
    expect(loadConfig({ DATA_DIR: dataDir, MAIL_OUTBOX_DIR: outbox }).mail.outboxDir).to.equal(outbox);
    // Not a mail server's URL: named.
    expect(problemsOf({ ...productionEnv(), SMTP_URL: 'mail.shop.example' })).to.have.length(1).and.match(/^SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(problemsOf({ ...productionEnv(), SMTP_URL: 'https://smtp.shop.example' })).to.have.length(1).and.match(/^SMTP_URL:/);
  });

  it('treats an empty variable as unset (compose passes optional ones as VAR="")', () => {
    const empty = {
      WEBHOOK_URL: '',
      WEBHOOK_SECRET: '',
      REVIEWER_JWKS_URL: '',
      REVIEWER_JWT_ISSUER: '',
      REVIEWER_JWT_AUDIENCE: '',
      PREVIOUS_DOCUMENT_KEYS: '',
      MAIL_OUTBOX_DIR: '',
      TEMPORAL_UI_URL: '',
      METRICS_PORT: '',
      WORKER_HEALTH_PORT: '',
      LOG_LEVEL: '',
    };
    const c = loadConfig({ ...productionEnv(), ...empty });
    expect(c.webhook).to.equal(undefined);
    expect(c.reviewerIdentityProvider).to.equal(undefined);
    expect(c.metricsPort).to.equal(undefined);
    expect(c.worker.healthPort).to.equal(undefined);
    expect(c.temporalUiOrigins).to.deep.equal([]);
    expect(c.logLevel).to.equal('info');
    // And a required one left empty is reported as missing, not as malformed.
    expect(problemsOf({ ...productionEnv(), SMTP_URL: '', PUBLIC_URL: '', SERVICE_API_KEYS: '  ' })).to.have.members([
      'SMTP_URL (or MAIL_OUTBOX_DIR): required in production',
      'PUBLIC_URL: required in production',
      'SERVICE_API_KEYS: required in production',
    ]);
  });

  it('TEMPORAL_UI_URL: the origins allowed to call the codec endpoint; METRICS_PORT: the API\'s metrics port', () => {
    const c = loadConfig({ ...productionEnv(), TEMPORAL_UI_URL: 'http://localhost:8080/, https://temporal.shop.example/ui', METRICS_PORT: '9464' });
    expect(c.temporalUiOrigins).to.deep.equal(['http://localhost:8080', 'https://temporal.shop.example']);
    expect(c.metricsPort).to.equal(9464);
    expect(problemsOf({ ...productionEnv(), TEMPORAL_UI_URL: 'localhost:8080' })).to.have.length(1).and.match(/^TEMPORAL_UI_URL: /);
    expect(problemsOf({ ...productionEnv(), METRICS_PORT: '3000', PORT: '3000' })).to.deep.equal(['METRICS_PORT: must differ from PORT (the public port must not serve metrics)']);
  });

  it('WORKER_MAX_CACHED_WORKFLOWS: how many open checks a checks worker keeps in memory (2 000 unless told; a whole number ≥ 1)', () => {
    expect(loadConfig(productionEnv()).worker.maxCachedWorkflows).to.equal(2000);
    expect(loadConfig({ ...productionEnv(), WORKER_MAX_CACHED_WORKFLOWS: '800' }).worker.maxCachedWorkflows).to.equal(800);
    for (const bad of ['0', '-5', '1.5', 'many']) {
      expect(problemsOf({ ...productionEnv(), WORKER_MAX_CACHED_WORKFLOWS: bad })).to.have.length(1).and.match(/^WORKER_MAX_CACHED_WORKFLOWS: /);
    }
  });

  it('parses TRUST_PROXY as Express takes it', () => {
    expect(parseTrustProxy('loopback')).to.deep.equal(['loopback']);
    expect(parseTrustProxy('true')).to.equal(true);
    expect(parseTrustProxy('false')).to.equal(false);
    expect(parseTrustProxy('2')).to.equal(2);
    expect(parseTrustProxy('0')).to.equal(0);
    expect(parseTrustProxy(' loopback, 10.0.0.0/8 ,192.168.1.7, fd00::/8, uniquelocal ')).to.deep.equal(['loopback', '10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'uniquelocal']);
    for (const bad of ['', 'everyone', '10.0.0.0/33', '10.0.0.0/8/1', '300.1.1.1', 'fe80::/129', '-1', '1.5']) {
      expect(() => parseTrustProxy(bad), bad).to.throw();
    }
    expect(loadConfig({ DATA_DIR: tempDir(), TRUST_PROXY: '1' }).trustProxy).to.equal(1);
    expect(() => loadConfig({ DATA_DIR: tempDir(), TRUST_PROXY: 'proxy.internal' })).to.throw(ConfigError, /TRUST_PROXY: "proxy.internal"/);
  });

  it('tokens and pseudonyms do not depend on DOCUMENT_KEY (rotating it keeps links, velocity and lists)', () => {
    const dataDir = tempDir();
    const a = loadConfig({ DATA_DIR: dataDir, DOCUMENT_KEY: key() });
    const b = loadConfig({ DATA_DIR: dataDir, DOCUMENT_KEY: key() });
    expect(a.documentKeyId).not.to.equal(b.documentKeyId);
    expect(b.tokenSecret.equals(a.tokenSecret)).to.equal(true);
    expect(b.pseudonymSecret.equals(a.pseudonymSecret)).to.equal(true);
    expect(a.tokenSecret.equals(a.pseudonymSecret)).to.equal(false);
    const given = { TOKEN_SECRET: 't'.repeat(32), PSEUDONYM_SECRET: 'p'.repeat(32) };
    const c = loadConfig({ ...productionEnv(), ...given });
    const d = loadConfig({ ...productionEnv(), ...given });
    expect(c.documentKeyId).not.to.equal(d.documentKeyId);
    expect(d.tokenSecret.equals(c.tokenSecret)).to.equal(true);
    expect(d.pseudonymSecret.equals(c.pseudonymSecret)).to.equal(true);
  });

  it('rotation: the key ring is DOCUMENT_KEY plus PREVIOUS_DOCUMENT_KEYS, for documents and Temporal payloads alike', () => {
    const [k1, k2, k3] = [key(), key(), key()];
    const c = loadConfig({ DATA_DIR: tempDir(), DOCUMENT_KEY: k3, PREVIOUS_DOCUMENT_KEYS: `${k2}, ${k1},${k3}` });
    expect(c.previousDocumentKeys.map(([, k]) => k.toString('base64'))).to.deep.equal([k2, k1]); // DOCUMENT_KEY itself is not "previous"
    expect([...c.payloadKeys.keys.keys()]).to.deep.equal([c.documentKeyId, ...c.previousDocumentKeys.map(([id]) => id)]);
    expect(c.payloadKeys.current).to.equal(c.documentKeyId);
  });

  it('an older dev-secrets.json gains the new secrets as they were derived before (open links and velocity carry over)', () => {
    const dataDir = tempDir();
    const documentKey = key();
    const file = path.join(dataDir, 'dev-secrets.json');
    writeFileSync(file, JSON.stringify({ serviceApiKey: 'sk_dev_old', reviewerJwtSecret: 'r'.repeat(32), documentKey }));
    const c = loadConfig({ DATA_DIR: dataDir });
    // What the previous version used: HKDF of the document key.
    const old = (purpose: string) => Buffer.from(hkdfSync('sha256', Buffer.from(documentKey, 'base64'), Buffer.alloc(0), purpose, 32));
    expect(c.tokenSecret.equals(old('verification-token'))).to.equal(true);
    expect(c.pseudonymSecret.equals(old('velocity-pseudonym'))).to.equal(true);
    expect(legacySecrets(Buffer.from(documentKey, 'base64')).tokenSecret.equals(c.tokenSecret)).to.equal(true);
    // Derived again on every load, the file left as it was.
    const again = loadConfig({ DATA_DIR: dataDir });
    expect(again.tokenSecret.equals(c.tokenSecret)).to.equal(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ serviceApiKey: 'sk_dev_old', reviewerJwtSecret: 'r'.repeat(32), documentKey });
    // Set as TOKEN_SECRET=base64:… in production, the same bytes.
    const legacy = legacySecrets(Buffer.from(documentKey, 'base64'));
    const prod = loadConfig({ ...productionEnv(), TOKEN_SECRET: `base64:${legacy.tokenSecret.toString('base64')}`, PSEUDONYM_SECRET: `base64:${legacy.pseudonymSecret.toString('base64')}` });
    expect(prod.tokenSecret.equals(c.tokenSecret)).to.equal(true);
    expect(prod.pseudonymSecret.equals(c.pseudonymSecret)).to.equal(true);
  });

  it('processes starting at once agree on the development secrets (new file, and an older file being completed): 50 trials', async function () {
    this.timeout(120_000);
    const racers = await configRacers(4);
    try {
      for (let trial = 0; trial < 50; trial++) {
        const fresh = await racers.race({ DATA_DIR: tempDir() });
        expect(new Set(fresh).size, `new file, trial ${trial}: ${fresh.join(' | ')}`).to.equal(1);
        expect(fresh[0]).to.match(/^sk_dev_/);

        const older = tempDir();
        writeFileSync(path.join(older, 'dev-secrets.json'), JSON.stringify({ serviceApiKey: 'sk_dev_old', reviewerJwtSecret: 'r'.repeat(32), documentKey: key() }));
        const completed = await racers.race({ DATA_DIR: older });
        expect(new Set(completed).size, `older file, trial ${trial}: ${completed.join(' | ')}`).to.equal(1);
        expect(completed[0]).to.match(/^sk_dev_old /);
      }
    } finally {
      await racers.stop();
    }
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
      TOKEN_SECRET: 'token-secret-0123456789abcdef-0123',
      PSEUDONYM_SECRET: 'pseudonym-secret-0123456789abcdef',
      AUDIT_SECRET: 'audit-secret-0123456789abcdef-0123',
      PUBLIC_URL: 'https://verify.shop.example',
      SMTP_URL: 'smtp://smtp.shop.example:587',
      S3_BUCKET: 'fraud-documents',
    });

    it('an identity provider needs REVIEWER_JWT_ISSUER and REVIEWER_JWT_AUDIENCE, named when missing', () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
      expect(() => loadConfig({ DATA_DIR: dataDir, ...idp, REVIEWER_JWT_ISSUER: undefined })).to.throw(ConfigError, /REVIEWER_JWT_ISSUER: required when REVIEWER_JWKS_URL is set/);
      expect(() => loadConfig({ DATA_DIR: dataDir, ...idp, REVIEWER_JWT_AUDIENCE: undefined })).to.throw(ConfigError, /REVIEWER_JWT_AUDIENCE: required when REVIEWER_JWKS_URL is set/);
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

  it('keys the audit chain with AUDIT_SECRET: required in production, a kept development secret otherwise', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const dev = loadConfig({ DATA_DIR: dataDir });
    expect(dev.auditSecret.length).to.be.at.least(32);
    expect(loadConfig({ DATA_DIR: dataDir }).auditSecret.equals(dev.auditSecret)).to.equal(true);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8')).auditSecret).to.equal(dev.auditSecret.toString());
    const secret = 'a'.repeat(32);
    expect(loadConfig({ DATA_DIR: dataDir, AUDIT_SECRET: secret }).auditSecret.toString()).to.equal(secret);
    expect(() => loadConfig({ DATA_DIR: dataDir, AUDIT_SECRET: 'short' })).to.throw(ConfigError, /AUDIT_SECRET/);
    const production = {
      DATA_DIR: dataDir,
      NODE_ENV: 'production',
      SERVICE_API_KEYS: 'sk_x',
      REVIEWER_JWT_SECRET: 'r'.repeat(32),
      DOCUMENT_KEY: Buffer.alloc(32, 1).toString('base64'),
      TOKEN_SECRET: 't'.repeat(32),
      PSEUDONYM_SECRET: 'p'.repeat(32),
      PUBLIC_URL: 'https://verify.shop.example',
      MAIL_OUTBOX_DIR: path.join(dataDir, 'mail'),
      S3_BUCKET: 'fraud-documents',
    };
    expect(() => loadConfig(production)).to.throw(ConfigError, /AUDIT_SECRET/);
    expect(loadConfig({ ...production, AUDIT_SECRET: secret }).auditSecret.toString()).to.equal(secret);
    // A development file from before AUDIT_SECRET: every process derives the same secret from it, the file unchanged.
    const older = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(older, 'dev-secrets.json');
    writeFileSync(file, JSON.stringify({ serviceApiKey: 'sk_dev_x', reviewerJwtSecret: 'r'.repeat(43), documentKey: Buffer.alloc(32, 7).toString('base64') }));
    const before = readFileSync(file, 'utf8');
    const first = loadConfig({ DATA_DIR: older }).auditSecret;
    expect(first.length).to.be.at.least(32);
    expect(loadConfig({ DATA_DIR: older }).auditSecret.equals(first)).to.equal(true);
    expect(readFileSync(file, 'utf8')).to.equal(before);
  });

  it('hashes equal bodies equally whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).to.equal('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(canonicalJson({ a: undefined, b: 1 })).to.equal('{"b":1}');
  });
});
