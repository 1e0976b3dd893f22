/** Small keyed-hash helpers: tokens derived, never stored; PII kept only as pseudonyms. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A verification token: 256 bits, derived from the check id and round, so nothing secret is stored. */
export function verificationToken(secret: Buffer, checkId: string, round: number): string {
  return createHmac('sha256', secret).update(`verify:${checkId}:${round}`).digest('base64url');
}

/** What the database keeps of a token: its SHA-256 (a leaked database reveals no working link). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A keyed pseudonym of a personal value (email, IP, card fingerprint, address) for velocity counting. */
export function pseudonym(secret: Buffer, dimension: string, value: string): string {
  return createHmac('sha256', secret).update(`${dimension}\0${value}`).digest('hex').slice(0, 32);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** JSON with object keys sorted at every level, so equal bodies hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
