/**
 * The one configuration module: environment variables (README "Configuration"), parsed by zod,
 * typed, with their defaults. Secrets that are not set get development values
 * kept in `DATA_DIR/dev-secrets.json` (so they survive restarts), which the
 * start banner prints; in production (`NODE_ENV=production`) they are required.
 * A bad configuration is refused with every problem at once, each naming its
 * variable. One file on purpose (over 400 lines): every variable, its default
 * and its check side by side, as the README's Configuration table lists them.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './duration';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      try {
        return parseDuration(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

const port = z.coerce.number().int().min(0).max(65_535);

const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: port.default(3000),
  /** Required in production: the address customers' links and e-mails point at. */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default('./data'),
  /** Document blobs as files (one machine); default DATA_DIR/blobs. Ignored when S3_BUCKET is set. */
  BLOB_DIR: z.string().min(1).optional(),
  /** Document blobs in this S3-compatible bucket (production); credentials from the AWS SDK's chain. */
  S3_BUCKET: z.string().min(1).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://minio:9000' }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  MONGODB_URI: z.string().min(1).optional(),
  SERVICE_API_KEYS: z.string().optional(),
  REVIEWER_JWT_SECRET: z.string().min(16).optional(),
  REVIEWER_JWKS_URL: z.url().optional(),
  REVIEWER_JWT_ISSUER: z.string().min(1).optional(),
  REVIEWER_JWT_AUDIENCE: z.string().min(1).optional(),
  WEBHOOK_URL: z.url().optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  /** 32 bytes, base64: wraps every document's data key and keys the Temporal payload codec. */
  DOCUMENT_KEY: z.string().optional(),
  /** Comma-separated earlier DOCUMENT_KEYs (base64): still read documents and Temporal payloads written under them. */
  PREVIOUS_DOCUMENT_KEYS: z.string().optional(),
  /** Derives customers' verification tokens; text, or `base64:<bytes>`. */
  TOKEN_SECRET: z.string().optional(),
  /** Keys the pseudonyms of identifiers (velocity, block list); text, or `base64:<bytes>`. */
  PSEUDONYM_SECRET: z.string().optional(),
  /** Express `trust proxy`: `true`/`false`, a hop count, or comma-separated addresses, subnets and presets. */
  TRUST_PROXY: z.string().default('loopback'),
  AUDIT_SECRET: z.string().min(32).optional(),
  /** Required in production unless MAIL_OUTBOX_DIR chooses the outbox folder. */
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL (e.g. smtps://user:password@smtp.example:465)' })
    .optional(),
  /** Where e-mails are written as .eml files when there is no SMTP_URL (default in development: DATA_DIR/outbox). */
  MAIL_OUTBOX_DIR: z.string().optional(),
  MAIL_FROM: z.string().default('Order verification <verify@shop.example>'),
  UPLOAD_DEADLINE: duration('72h'),
  REMINDER_INTERVAL: duration('24h'),
  REVIEW_SLA: duration('4h'),
  RETENTION_PERIOD: duration('180d'),
  ESCALATION_SLA: duration('24h'),
  RETENTION_SWEEP_INTERVAL: duration('1m'),
  CLAIM_LEASE: duration('15m'),
  /** How often each API and worker process looks for a newly published ruleset (or a change of shadows). */
  RULESET_POLL_INTERVAL: duration('2s'),
  /** How long an upload waits for its check's workflow to take it before answering 503 (the file is kept). */
  UPLOAD_CONFIRM_TIMEOUT: duration('15s'),
  /** Uploads one address may make per 10 minutes (known links; unknown links have their own budget). */
  UPLOADS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(60),
  WORKER_TASK_QUEUES: z.string().default('checks,documents'),
  /**
   * Open checks a checks worker keeps in memory (the SDK's sticky cache; an evicted one is replayed from
   * its history when it next has work). Each costs ~0.4 MB (README, Benchmarks): size the worker's memory for it.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  /** The worker's port for /healthz and /metrics (never published: metrics are for the operators' Prometheus). */
  WORKER_HEALTH_PORT: port.optional(),
  /** The API's own port for /metrics, apart from PORT (which the proxy exposes); unset: the API serves no metrics. */
  METRICS_PORT: port.optional(),
  /** The Temporal UI's address(es) in the browser, comma-separated: the origins allowed to call the codec endpoint (CORS). */
  TEMPORAL_UI_URL: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Env = z.infer<typeof envSchema>;

/**
 * Secrets production must be given (development makes its own, in DATA_DIR/dev-secrets.json).
 * Those required with another or instead of one (WEBHOOK_SECRET with WEBHOOK_URL;
 * REVIEWER_JWT_SECRET or an identity provider) are checked in `loadConfig`.
 */
const requiredInProduction = ['SERVICE_API_KEYS', 'DOCUMENT_KEY', 'TOKEN_SECRET', 'PSEUDONYM_SECRET', 'AUDIT_SECRET'] as const;

/** The shortest secret production accepts, in bytes (a 256-bit HMAC key). */
export const MIN_PRODUCTION_SECRET_BYTES = 32;

export interface Durations {
  uploadDeadlineMs: number;
  reminderIntervalMs: number;
  reviewSlaMs: number;
  retentionMs: number;
  claimLeaseMs: number;
  /** Time an escalated case may wait for a senior before it is flagged overdue (absent in inputs of older checks). */
  escalationSlaMs?: number;
}

/** Express's `trust proxy` value: all or nothing, a hop count, or addresses, subnets and presets. */
export type TrustProxy = boolean | number | string[];

/** Where document blobs live (documents/storage.ts). */
export type BlobSettings =
  | { kind: 'filesystem'; dir: string }
  | { kind: 's3'; bucket: string; endpoint?: string; region: string; forcePathStyle: boolean };

export interface Config {
  production: boolean;
  port: number;
  publicUrl: string;
  dataDir: string;
  blobs: BlobSettings;
  temporal: { address?: string; namespace: string };
  mongodbUri?: string;
  serviceApiKeys: string[];
  /** HS256 key of reviewer tokens; unset in production without REVIEWER_JWT_SECRET (then only the identity provider's tokens pass). */
  reviewerJwtSecret?: string;
  /** The identity provider whose RS256/ES256 reviewer tokens are accepted, and the `iss` / `aud` they must carry. */
  reviewerIdentityProvider?: { jwksUrl: string; issuer: string; audience: string };
  webhook?: { url: string; secret: string };
  /** 32 bytes that wrap every document's data key. */
  documentKey: Buffer;
  /** Identifies `documentKey` in stored envelopes and Temporal payloads, so keys can rotate. */
  documentKeyId: string;
  /** Earlier keys by id, for documents wrapped and Temporal payloads encrypted before a rotation. */
  previousDocumentKeys: [string, Buffer][];
  /** Derives verification tokens (HMAC of check id and round): tokens are never stored. Independent of DOCUMENT_KEY. */
  tokenSecret: Buffer;
  /** Keys the audit hash chain (HMAC-SHA256); kept out of the database, so a rewritten chain shows. */
  auditSecret: Buffer;
  /** Keys the pseudonyms under which velocity records and the block list keep emails, IPs, cards. Independent of DOCUMENT_KEY. */
  pseudonymSecret: Buffer;
  /** Keys that encrypt Temporal payloads (derived from each document key), by id; `current` encrypts. */
  payloadKeys: { current: string; keys: Map<string, Buffer> };
  /** Express `trust proxy`: which proxies' X-Forwarded-For to believe for the client's IP. */
  trustProxy: TrustProxy;
  /** `outboxDir`: where e-mails go without `smtpUrl` (MAIL_OUTBOX_DIR; DATA_DIR/outbox in development); the purge cleans it either way. */
  mail: { smtpUrl?: string; from: string; outboxDir: string };
  /** METRICS_PORT: where the API serves /metrics, never on the public `port`; undefined: no metrics endpoint. */
  metricsPort?: number;
  /** TEMPORAL_UI_URL as origins (`scheme://host:port`): the browser origins the codec endpoint answers (CORS). */
  temporalUiOrigins: string[];
  durations: Durations;
  /** `retentionSweepIntervalMs`: how often the checks worker's Schedule purges checks whose retention is due. */
  worker: { taskQueues: string[]; healthPort?: number; retentionSweepIntervalMs: number; maxCachedWorkflows: number };
  uploads: { confirmTimeoutMs: number; perAddress: number };
  /** `pollMs`: how soon a published ruleset (or a shadow started or ended) reaches this process. */
  rulesets: { pollMs: number };
  logLevel: string;
  /** Which secrets are development defaults (the banner prints those). */
  devSecrets: { serviceApiKey?: string; reviewerJwtSecret?: string };
}

/** A configuration that cannot work; `problems` has one line per problem, each naming its variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

// --- development secrets ------------------------------------------------------------------

interface DevSecrets {
  serviceApiKey: string;
  reviewerJwtSecret: string;
  /** base64, 32 bytes */
  documentKey: string;
  /** base64, 32 bytes */
  tokenSecret: string;
  /** base64, 32 bytes */
  pseudonymSecret: string;
  /** text (base64url of 32 bytes), used as its UTF-8 bytes */
  auditSecret: string;
}

const random32 = () => randomBytes(32).toString('base64');

/**
 * How each development secret is made for a new file. A file written by an older version lacks
 * the newer fields: those are derived from the file's `documentKey` (HKDF with `info`) on every
 * load, never drawn at random and never written back, so processes that start together agree
 * without coordinating. The `info` of tokenSecret and pseudonymSecret is the one those secrets
 * were derived with when they hung off the document key, so open links, velocity history and
 * block list entries of an existing development DATA_DIR carry over.
 */
const devSecretFields: Record<keyof DevSecrets, { fresh: () => string; info?: string; encoding?: BufferEncoding }> = {
  serviceApiKey: { fresh: () => `sk_dev_${randomBytes(16).toString('hex')}` },
  reviewerJwtSecret: { fresh: () => randomBytes(32).toString('base64url') },
  documentKey: { fresh: random32 },
  tokenSecret: { fresh: random32, info: 'verification-token' },
  pseudonymSecret: { fresh: random32, info: 'velocity-pseudonym' },
  auditSecret: { fresh: () => randomBytes(32).toString('base64url'), info: 'dev-audit-secret', encoding: 'base64url' },
};

/** Development secrets live in DATA_DIR, made once, reused on every start. */
function devSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, 'dev-secrets.json');
  const existing = readJson(file);
  if (!existing) {
    const fresh = Object.fromEntries(Object.entries(devSecretFields).map(([name, f]) => [name, f.fresh()])) as unknown as DevSecrets;
    mkdirSync(dataDir, { recursive: true });
    // Written whole to a temporary file, then linked to its name: `link` fails when the name
    // exists, so of two processes starting at once one creates it and the other reads the
    // winner's complete file (never a half-written one).
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, JSON.stringify(fresh, null, 2), { mode: 0o600 });
    try {
      linkSync(tmp, file);
      return fresh;
    } catch {
      const winner = readJson(file);
      if (!winner) throw new ConfigError([`DATA_DIR: cannot read or create ${file}`]);
      return complete(file, winner);
    } finally {
      unlinkSync(tmp);
    }
  }
  return complete(file, existing);
}

/** The fields an older file lacks, derived from its documentKey (see `devSecretFields`); the file stays as it is. */
function complete(file: string, secrets: Partial<DevSecrets>): DevSecrets {
  const missing = (Object.keys(devSecretFields) as (keyof DevSecrets)[]).filter((name) => !secrets[name]);
  if (missing.length === 0) return secrets as DevSecrets;
  if (!secrets.documentKey) throw new ConfigError([`DATA_DIR: ${file} has no documentKey; delete the file to start afresh`]);
  const root = Buffer.from(secrets.documentKey, 'base64');
  const filled = { ...secrets };
  for (const name of missing) {
    const field = devSecretFields[name];
    filled[name] = derive(root, field.info ?? `dev-secret:${name}`).toString(field.encoding ?? 'base64');
  }
  return filled as DevSecrets;
}

function readJson(file: string): Partial<DevSecrets> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
  } catch {
    return undefined;
  }
}

// --- parsing -------------------------------------------------------------------------------

/** A secret's bytes: `base64:<data>` is decoded, anything else is taken as UTF-8 text. */
export function secretBytes(value: string): Buffer {
  return value.startsWith('base64:') ? Buffer.from(value.slice('base64:'.length), 'base64') : Buffer.from(value, 'utf8');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A 32-byte key from base64 text, or undefined when it is not one. */
function parseKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!BASE64.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === 32 ? key : undefined;
}

const trustProxyPresets = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY as Express takes it; throws with a message for people when it is none of the forms. */
export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim();
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((v) => v.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('is empty');
  for (const entry of entries) {
    if (trustProxyPresets.has(entry) || isIP(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const max = family === 4 ? 32 : 128;
    if (family && extra === undefined && /^\d+$/.test(bits ?? '') && Number(bits) <= max) continue;
    throw new Error(`"${entry}" is not a hop count, an IP address, a subnet (address/bits) or one of ${[...trustProxyPresets].join(', ')}`);
  }
  return entries;
}

/**
 * The logger's settings, read on their own: the logger exists before (and whether or not) the
 * whole configuration loads. A bad LOG_LEVEL is `info` here; loadConfig reports it.
 */
export function logSettings(env: NodeJS.ProcessEnv = process.env): { level: string; service: string } {
  const level = envSchema.shape.LOG_LEVEL.safeParse(env.LOG_LEVEL);
  return { level: level.success ? level.data : 'info', service: env.SERVICE_NAME || 'fraud-engine' };
}

/**
 * The environment without empty values: `VAR=` (and a value of blanks) means unset, as
 * docker compose passes optional variables (`${VAR:-}`) that the operator left empty.
 */
function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

/** TEMPORAL_UI_URL's origins; throws with a message for people when an entry is not an http(s) URL. */
export function parseOrigins(text: string): string[] {
  const origins = new Set<string>();
  for (const entry of text.split(',').map((v) => v.trim()).filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(`"${entry}" is not an http:// or https:// URL (the Temporal UI's address in the browser, e.g. http://localhost:8080)`);
    }
    origins.add(url.origin);
  }
  return [...origins];
}

export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const env = withoutEmpty(rawEnv);
  let parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    // Go on without the refused variables (their defaults instead), so every problem is reported at once.
    parsed = envSchema.safeParse(pick(env, parsed.error.issues));
    if (!parsed.success) throw new ConfigError(problems);
  }
  const e: Env = parsed.data;
  const production = e.NODE_ENV === 'production';
  const dataDir = path.resolve(e.DATA_DIR);
  const refused = new Set(problems.map((p) => p.slice(0, p.indexOf(':'))));

  if (production) {
    for (const name of requiredInProduction) if (!e[name] && !refused.has(name)) problems.push(`${name}: required in production`);
    for (const name of ['TOKEN_SECRET', 'PSEUDONYM_SECRET', 'WEBHOOK_SECRET'] as const) {
      const value = e[name];
      if (value && secretBytes(value).length < MIN_PRODUCTION_SECRET_BYTES) {
        problems.push(`${name}: must be at least ${MIN_PRODUCTION_SECRET_BYTES} bytes in production (e.g. \`openssl rand -base64 32\`)`);
      }
    }
    if (!e.REVIEWER_JWT_SECRET && !e.REVIEWER_JWKS_URL && !refused.has('REVIEWER_JWT_SECRET')) {
      problems.push('REVIEWER_JWT_SECRET (or REVIEWER_JWKS_URL): required in production');
    }
    // A default of http://localhost would put unusable links in every customer's e-mail.
    if (!e.PUBLIC_URL && !refused.has('PUBLIC_URL')) problems.push('PUBLIC_URL: required in production');
    // Without SMTP, e-mail silently piles up in a folder: production says so explicitly or sends.
    if (!e.SMTP_URL && !e.MAIL_OUTBOX_DIR && !refused.has('SMTP_URL')) problems.push('SMTP_URL (or MAIL_OUTBOX_DIR): required in production');
  }
  // In production HS256 reviewer tokens need an explicit REVIEWER_JWT_SECRET (never a
  // generated one): with an identity provider and no secret, only its tokens pass.
  const idpOnly = production && !e.REVIEWER_JWT_SECRET && e.REVIEWER_JWKS_URL !== undefined;
  if (e.REVIEWER_JWKS_URL) {
    // Without them, a token the provider issued to any other application would pass.
    for (const name of ['REVIEWER_JWT_ISSUER', 'REVIEWER_JWT_AUDIENCE'] as const) {
      if (!e[name] && !refused.has(name)) problems.push(`${name}: required when REVIEWER_JWKS_URL is set`);
    }
  }
  for (const name of ['TOKEN_SECRET', 'PSEUDONYM_SECRET'] as const) {
    const value = e[name];
    if (value && secretBytes(value).length < 16) problems.push(`${name}: must be at least 16 bytes`);
  }
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET: required when WEBHOOK_URL is set');
  // Files under DATA_DIR serve one machine; production's API replicas and workers share S3. A
  // single-box production that wants files says so with BLOB_DIR.
  if (production && !e.S3_BUCKET && !e.BLOB_DIR && !refused.has('S3_BUCKET') && !refused.has('BLOB_DIR')) {
    problems.push('S3_BUCKET (or BLOB_DIR): required in production');
  }

  let documentKey: Buffer | undefined;
  if (e.DOCUMENT_KEY !== undefined) {
    documentKey = parseKey(e.DOCUMENT_KEY);
    if (!documentKey) problems.push('DOCUMENT_KEY: must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');
  }
  const previousDocumentKeys: Buffer[] = [];
  (e.PREVIOUS_DOCUMENT_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .forEach((text, i) => {
      const key = parseKey(text);
      if (key) previousDocumentKeys.push(key);
      else problems.push(`PREVIOUS_DOCUMENT_KEYS: entry ${i + 1} is not a 32-byte base64 key`);
    });

  let trustProxy: TrustProxy = ['loopback'];
  try {
    trustProxy = parseTrustProxy(e.TRUST_PROXY);
  } catch (error) {
    problems.push(`TRUST_PROXY: ${(error as Error).message}`);
  }

  let temporalUiOrigins: string[] = [];
  try {
    temporalUiOrigins = parseOrigins(e.TEMPORAL_UI_URL ?? '');
  } catch (error) {
    problems.push(`TEMPORAL_UI_URL: ${(error as Error).message}`);
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) problems.push('METRICS_PORT: must differ from PORT (the public port must not serve metrics)');

  const serviceApiKeyList = e.SERVICE_API_KEYS?.split(',').map((k) => k.trim()).filter(Boolean);
  if (serviceApiKeyList && serviceApiKeyList.length === 0) problems.push('SERVICE_API_KEYS: has no key');

  if (problems.length > 0) throw new ConfigError(problems);

  // Development only from here on for missing secrets (production has returned its problems above).
  const needDev = !e.SERVICE_API_KEYS || (!e.REVIEWER_JWT_SECRET && !idpOnly) || !e.DOCUMENT_KEY || !e.TOKEN_SECRET || !e.PSEUDONYM_SECRET || !e.AUDIT_SECRET;
  const dev = needDev ? devSecrets(dataDir) : undefined;
  documentKey ??= Buffer.from(dev!.documentKey, 'base64');
  const serviceApiKeys = serviceApiKeyList ?? [dev!.serviceApiKey];
  const documentKeyId = keyId(documentKey);
  const previous = previousDocumentKeys.map((k) => [keyId(k), k] as [string, Buffer]).filter(([id]) => id !== documentKeyId);

  return {
    production,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir,
    blobs: e.S3_BUCKET
      ? { kind: 's3', bucket: e.S3_BUCKET, endpoint: e.S3_ENDPOINT, region: e.S3_REGION, forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true' }
      : { kind: 'filesystem', dir: path.resolve(e.BLOB_DIR ?? path.join(dataDir, 'blobs')) },
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE },
    mongodbUri: e.MONGODB_URI,
    serviceApiKeys,
    reviewerJwtSecret: e.REVIEWER_JWT_SECRET ?? (idpOnly ? undefined : dev!.reviewerJwtSecret),
    reviewerIdentityProvider: e.REVIEWER_JWKS_URL
      ? { jwksUrl: e.REVIEWER_JWKS_URL, issuer: e.REVIEWER_JWT_ISSUER!, audience: e.REVIEWER_JWT_AUDIENCE! }
      : undefined,
    webhook: e.WEBHOOK_URL ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET! } : undefined,
    documentKey,
    documentKeyId,
    previousDocumentKeys: previous,
    tokenSecret: e.TOKEN_SECRET ? secretBytes(e.TOKEN_SECRET) : Buffer.from(dev!.tokenSecret, 'base64'),
    auditSecret: Buffer.from(e.AUDIT_SECRET ?? dev!.auditSecret),
    pseudonymSecret: e.PSEUDONYM_SECRET ? secretBytes(e.PSEUDONYM_SECRET) : Buffer.from(dev!.pseudonymSecret, 'base64'),
    payloadKeys: payloadKeys(documentKey, previous.map(([, k]) => k)),
    trustProxy,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, outboxDir: e.MAIL_OUTBOX_DIR ? path.resolve(e.MAIL_OUTBOX_DIR) : path.join(dataDir, 'outbox') },
    metricsPort: e.METRICS_PORT,
    temporalUiOrigins,
    durations: {
      uploadDeadlineMs: e.UPLOAD_DEADLINE,
      reminderIntervalMs: e.REMINDER_INTERVAL,
      reviewSlaMs: e.REVIEW_SLA,
      retentionMs: e.RETENTION_PERIOD,
      claimLeaseMs: e.CLAIM_LEASE,
      escalationSlaMs: e.ESCALATION_SLA,
    },
    worker: {
      taskQueues: e.WORKER_TASK_QUEUES.split(',').map((q) => q.trim()).filter(Boolean),
      healthPort: e.WORKER_HEALTH_PORT,
      retentionSweepIntervalMs: e.RETENTION_SWEEP_INTERVAL,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    },
    uploads: { confirmTimeoutMs: e.UPLOAD_CONFIRM_TIMEOUT, perAddress: e.UPLOADS_PER_ADDRESS },
    rulesets: { pollMs: e.RULESET_POLL_INTERVAL },
    logLevel: e.LOG_LEVEL,
    devSecrets: {
      serviceApiKey: e.SERVICE_API_KEYS ? undefined : serviceApiKeys[0],
      reviewerJwtSecret: e.REVIEWER_JWT_SECRET || idpOnly ? undefined : dev!.reviewerJwtSecret,
    },
  };
}

/** The environment without the variables zod refused, so the rest can still be checked. */
function pick(env: NodeJS.ProcessEnv, issues: { path: PropertyKey[] }[]): NodeJS.ProcessEnv {
  const bad = new Set(issues.map((i) => String(i.path[0])));
  return Object.fromEntries(Object.entries(env).filter(([k]) => !bad.has(k)));
}

/** A short, non-secret fingerprint of a key (first 8 bytes of its SHA-256, hex). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The Temporal payload keys: one per document key (current and previous), derived, by the document key's id. */
export function payloadKeys(documentKey: Buffer, previous: Buffer[] | string | undefined): { current: string; keys: Map<string, Buffer> } {
  const earlier = typeof previous === 'string' || previous === undefined
    ? (previous ?? '').split(',').map((k) => k.trim()).filter(Boolean).map((k) => Buffer.from(k, 'base64'))
    : previous;
  const keys = new Map([documentKey, ...earlier].map((k) => [keyId(k), derive(k, 'temporal-payloads')] as [string, Buffer]));
  return { current: keyId(documentKey), keys };
}

/**
 * What TOKEN_SECRET and PSEUDONYM_SECRET were when they were derived from DOCUMENT_KEY (before
 * they became their own variables): `TOKEN_SECRET=base64:…` with these keeps an existing
 * deployment's open links, velocity history and block list (`npm run keys -- legacy-secrets`).
 */
export function legacySecrets(documentKey: Buffer): { tokenSecret: Buffer; pseudonymSecret: Buffer } {
  return { tokenSecret: derive(documentKey, 'verification-token'), pseudonymSecret: derive(documentKey, 'velocity-pseudonym') };
}

function derive(key: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32));
}

