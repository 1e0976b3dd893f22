/**
 * Requests no HTTP client sends, as raw bytes: bodies cut short or abandoned
 * (the client half-closes or resets the connection), a Content-Length that
 * lies, broken chunked framing, malformed request lines and header bytes,
 * headers past Node's limit.
 */
import fc from 'fast-check';
import { headerText } from './requests';

export interface RawPlan {
  method: string;
  target: string;
  version: string;
  /** Well-formed headers first, then raw lines (which may carry any byte). */
  auth: boolean;
  contentType: string;
  rawLines: string[];
  body: string;
  framing:
    | { kind: 'length'; declared: 'exact' | 'more' | 'less' | 'negative' | 'garbage' | 'twice' }
    | { kind: 'chunked'; chunks: string[]; sizes: 'true' | 'lying' | 'garbage'; last: boolean; alsoLength: boolean }
    | { kind: 'none' };
  /** Stop after this fraction of the bytes. */
  keep: number;
  /** What the client does after writing: close its side after a moment, or reset the connection at once. */
  then: 'half-close' | 'destroy';
  newline: '\r\n' | '\n' | '\r';
}

const rawByte = fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c));

const targets = (paths: string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...paths), weight: 6 },
    { arbitrary: fc.constantFrom('*', 'http://example.com/v1/checks', '//v1/checks', '/v1/checks#frag', '/v1/checks?x=1 2', '', '/\u0000', '/v1/checks/%', '/..%2f..%2fetc/passwd'), weight: 2 },
    { arbitrary: fc.string({ unit: rawByte, maxLength: 40 }).map((s) => `/${s}`), weight: 2 },
    { arbitrary: fc.integer({ min: 9_000, max: 70_000 }).map((n) => `/v1/checks/${'a'.repeat(n)}`), weight: 1 },
  );

export function rawPlan(paths: string[]): fc.Arbitrary<RawPlan> {
  return fc.record({
    method: fc.oneof({ arbitrary: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'), weight: 8 }, { arbitrary: fc.constantFrom('PRI', 'BREW', 'get', 'G ET', '', 'CONNECT', 'TRACE', 'M-SEARCH', 'POST\u0000'), weight: 2 }),
    target: targets(paths),
    version: fc.oneof({ arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0'), weight: 8 }, { arbitrary: fc.constantFrom('HTTP/2.0', 'HTTP/1.1x', '', 'HTTP/9.9', 'http/1.1', 'HTTP/1.1 extra'), weight: 2 }),
    auth: fc.boolean(),
    contentType: fc.constantFrom('application/json', 'multipart/form-data; boundary=xyz', 'text/plain', 'application/json; charset=utf-16'),
    rawLines: fc.oneof(
      { arbitrary: fc.constant<string[]>([]), weight: 6 },
      {
        arbitrary: fc.array(
          fc.oneof(
            headerText(60).map((v) => `X-Fuzz: ${v}`),
            fc.string({ unit: rawByte, maxLength: 40 }),
            fc.constantFrom(' folded: continuation', 'No-Colon', ': no-name', 'X-A : space-before-colon', 'X-Nul: a\u0000b', 'Host: a', 'Host: b', 'Expect: 100-continue', 'Expect: nonsense', 'Upgrade: websocket', 'Connection: upgrade'),
            fc.integer({ min: 17_000, max: 40_000 }).map((n) => `X-Big: ${'b'.repeat(n)}`),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        weight: 3,
      },
    ),
    body: fc.oneof(
      fc.constant('{"orderId":"ord_raw","amount":100,"currency":"USD","customer":{"email":"a@example.com"},"items":[{"quantity":1,"unitAmount":100}]}'),
      fc.constant('--xyz\r\nContent-Disposition: form-data; name="kind"\r\n\r\nidentity\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\u00ff\u00d8\u00ff\u00e0garbage\r\n--xyz--\r\n'),
      fc.string({ unit: rawByte, maxLength: 300 }),
      fc.constant(''),
    ),
    framing: fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('length' as const), declared: fc.constantFrom('exact' as const, 'more' as const, 'less' as const, 'negative' as const, 'garbage' as const, 'twice' as const) }), weight: 6 },
      {
        arbitrary: fc.record({
          kind: fc.constant('chunked' as const),
          chunks: fc.array(fc.string({ unit: rawByte, minLength: 1, maxLength: 40 }), { maxLength: 4 }),
          sizes: fc.constantFrom('true' as const, 'lying' as const, 'garbage' as const),
          last: fc.boolean(),
          alsoLength: fc.boolean(),
        }),
        weight: 3,
      },
      { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
    ),
    keep: fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 2 }),
    then: fc.oneof({ arbitrary: fc.constant('half-close' as const), weight: 3 }, { arbitrary: fc.constant('destroy' as const), weight: 1 }),
    newline: fc.oneof({ arbitrary: fc.constant('\r\n' as const), weight: 8 }, { arbitrary: fc.constantFrom('\n' as const, '\r' as const), weight: 1 }),
  });
}

/** The bytes of a raw plan (latin1: one char, one byte). */
export function rawBytes(plan: RawPlan, credentials: { serviceKey: string }): Buffer {
  const nl = plan.newline;
  const lines = [`${plan.method} ${plan.target} ${plan.version}`.trimEnd(), 'Host: 127.0.0.1', 'Connection: close'];
  if (plan.auth) lines.push(`Authorization: Bearer ${credentials.serviceKey}`);
  lines.push(`Content-Type: ${plan.contentType}`);
  let body = plan.body;
  const framing = plan.framing;
  if (framing.kind === 'length') {
    const length = Buffer.byteLength(body, 'latin1');
    const declared = { exact: `${length}`, more: `${length + 1 + (length % 97)}`, less: `${Math.max(0, length - 1 - (length % 7))}`, negative: '-1', garbage: '12abc', twice: `${length}` }[framing.declared];
    lines.push(`Content-Length: ${declared}`);
    if (framing.declared === 'twice') lines.push(`Content-Length: ${length + 1}`);
  } else if (framing.kind === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    if (framing.alsoLength) lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
    const size = (c: string) => (framing.sizes === 'true' ? c.length.toString(16) : framing.sizes === 'lying' ? (c.length + 3).toString(16) : 'zz');
    body = framing.chunks.map((c) => `${size(c)}\r\n${c}\r\n`).join('') + (framing.last ? '0\r\n\r\n' : '');
  }
  lines.push(...plan.rawLines);
  const bytes = Buffer.from(`${lines.join(nl)}${nl}${nl}${body}`, 'latin1');
  return bytes.subarray(0, Math.max(1, Math.ceil(bytes.length * plan.keep)));
}
