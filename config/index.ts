/**
 * The one configuration module: environment variables of API.md, parsed by zod,
 * typed, with their defaults. Secrets that are not set get development values
 * kept in `DATA_DIR/dev-secrets.json` (so they survive restarts), which the
 * start banner prints; in production (`NODE_ENV=production`) they are required.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default('./data'),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  MONGODB_URI: z.string().min(1).optional(),
  SERVICE_API_KEYS: z.string().optional(),
  REVIEWER_JWT_SECRET: z.string().min(16).optional(),
  REVIEWER_JWKS_URL: z.url().optional(),
  WEBHOOK_URL: z.url().optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  DOCUMENT_KEY: z.string().optional(),
  /** Comma-separated earlier DOCUMENT_KEYs (base64): still unwrap documents stored under them. */
  PREVIOUS_DOCUMENT_KEYS: z.string().optional(),
  TOKEN_SECRET: z.string().min(16).optional(),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Order verification <verify@shop.example>'),
  UPLOAD_DEADLINE: duration('72h'),
  REMINDER_INTERVAL: duration('24h'),
  REVIEW_SLA: duration('4h'),
  RETENTION_PERIOD: duration('180d'),
  CLAIM_LEASE: duration('15m'),
  /** How long an upload waits for its check's workflow to take it before answering 503 (the file is kept). */
  UPLOAD_CONFIRM_TIMEOUT: duration('15s'),
  WORKER_TASK_QUEUES: z.string().default('checks,documents'),
  WORKER_HEALTH_PORT: port.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Durations {
  uploadDeadlineMs: number;
  reminderIntervalMs: number;
  reviewSlaMs: number;
  retentionMs: number;
  claimLeaseMs: number;
}

export interface Config {
  production: boolean;
  port: number;
  publicUrl: string;
  dataDir: string;
  temporal: { address?: string; namespace: string };
  mongodbUri?: string;
  serviceApiKeys: string[];
  reviewerJwtSecret: string;
  reviewerJwksUrl?: string;
  webhook?: { url: string; secret: string };
  /** 32 bytes that wrap every document's data key. */
  documentKey: Buffer;
  /** Identifies `documentKey` in stored envelopes, so keys can rotate. */
  documentKeyId: string;
  /** Earlier keys by id, for documents wrapped before a rotation. */
  previousDocumentKeys: [string, Buffer][];
  /** Derives verification tokens (HMAC of check id and round): tokens are never stored. */
  tokenSecret: Buffer;
  /** Keys the pseudonyms under which velocity records keep emails, IPs, cards. */
  pseudonymSecret: Buffer;
  /** Keys that encrypt Temporal payloads (derived from each document key), by id; `current` encrypts. */
  payloadKeys: { current: string; keys: Map<string, Buffer> };
  mail: { smtpUrl?: string; from: string; outboxDir: string };
  durations: Durations;
  worker: { taskQueues: string[]; healthPort?: number };
  uploads: { confirmTimeoutMs: number };
  logLevel: string;
  /** Which secrets are development defaults (the banner prints those). */
  devSecrets: { serviceApiKey?: string; reviewerJwtSecret?: string };
}

export class ConfigError extends Error {}

interface DevSecrets {
  serviceApiKey: string;
  reviewerJwtSecret: string;
  documentKey: string;
}

/** Development secrets live in DATA_DIR, made once, reused on every start. */
function devSecrets(dataDir: string): DevSecrets {
  const file = path.join(dataDir, 'dev-secrets.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  } catch {
    const secrets: DevSecrets = {
      serviceApiKey: `sk_dev_${randomBytes(16).toString('hex')}`,
      reviewerJwtSecret: randomBytes(32).toString('base64url'),
      documentKey: randomBytes(32).toString('base64'),
    };
    mkdirSync(dataDir, { recursive: true });
    // `wx`: when two processes start at once, one writes and the other reads.
    try {
      writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
    } catch {
      return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
    }
    return secrets;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const dataDir = path.resolve(e.DATA_DIR);
  const needDev = !e.SERVICE_API_KEYS || !e.REVIEWER_JWT_SECRET || !e.DOCUMENT_KEY;
  if (production && needDev) {
    throw new ConfigError('SERVICE_API_KEYS, REVIEWER_JWT_SECRET and DOCUMENT_KEY are required in production');
  }
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) throw new ConfigError('WEBHOOK_SECRET is required when WEBHOOK_URL is set');
  const dev = needDev ? devSecrets(dataDir) : undefined;

  const documentKey = Buffer.from(e.DOCUMENT_KEY ?? dev!.documentKey, 'base64');
  if (documentKey.length !== 32) throw new ConfigError('DOCUMENT_KEY must be 32 bytes, base64-encoded');

  const serviceApiKeys = (e.SERVICE_API_KEYS ?? dev!.serviceApiKey)
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (serviceApiKeys.length === 0) throw new ConfigError('SERVICE_API_KEYS has no key');

  return {
    production,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE },
    mongodbUri: e.MONGODB_URI,
    serviceApiKeys,
    reviewerJwtSecret: e.REVIEWER_JWT_SECRET ?? dev!.reviewerJwtSecret,
    reviewerJwksUrl: e.REVIEWER_JWKS_URL,
    webhook: e.WEBHOOK_URL ? { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET! } : undefined,
    documentKey,
    documentKeyId: keyId(documentKey),
    previousDocumentKeys: (e.PREVIOUS_DOCUMENT_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
      .map((k) => Buffer.from(k, 'base64'))
      .map((k) => [keyId(k), k] as [string, Buffer]),
    tokenSecret: e.TOKEN_SECRET ? Buffer.from(e.TOKEN_SECRET) : derive(documentKey, 'verification-token'),
    pseudonymSecret: derive(documentKey, 'velocity-pseudonym'),
    payloadKeys: payloadKeys(documentKey, e.PREVIOUS_DOCUMENT_KEYS),
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, outboxDir: path.join(dataDir, 'outbox') },
    durations: {
      uploadDeadlineMs: e.UPLOAD_DEADLINE,
      reminderIntervalMs: e.REMINDER_INTERVAL,
      reviewSlaMs: e.REVIEW_SLA,
      retentionMs: e.RETENTION_PERIOD,
      claimLeaseMs: e.CLAIM_LEASE,
    },
    worker: {
      taskQueues: e.WORKER_TASK_QUEUES.split(',').map((q) => q.trim()).filter(Boolean),
      healthPort: e.WORKER_HEALTH_PORT,
    },
    uploads: { confirmTimeoutMs: e.UPLOAD_CONFIRM_TIMEOUT },
    logLevel: e.LOG_LEVEL,
    devSecrets: {
      serviceApiKey: e.SERVICE_API_KEYS ? undefined : serviceApiKeys[0],
      reviewerJwtSecret: e.REVIEWER_JWT_SECRET ? undefined : dev!.reviewerJwtSecret,
    },
  };
}

/** A short, non-secret fingerprint of a key (first 8 bytes of its SHA-256, hex). */
function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function payloadKeys(documentKey: Buffer, previous: string | undefined): { current: string; keys: Map<string, Buffer> } {
  const all = [documentKey, ...(previous ?? '').split(',').map((k) => k.trim()).filter(Boolean).map((k) => Buffer.from(k, 'base64'))];
  const keys = new Map(all.map((k) => [keyId(k), derive(k, 'temporal-payloads')] as [string, Buffer]));
  return { current: keyId(documentKey), keys };
}

function derive(key: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32));
}

export const taskQueues = { checks: 'checks', documents: 'documents' } as const;
