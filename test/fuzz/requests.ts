/**
 * fast-check arbitraries of requests: a plan (plain data, printed on failure and
 * replayable from its seed) that `materialize` turns into bytes with the live
 * fixtures (real ids and tokens, fresh valid orders). They cover bodies
 * (valid-shaped with mutated fields, random JSON, non-JSON under a JSON type,
 * huge numbers, deep nesting, unicode, prototype keys, compression), path
 * parameters (random, bad % escapes, very long), query strings, headers
 * (Authorization and Content-Type variants, odd bytes) and multipart uploads
 * (missing, extra and misnamed parts, huge fields, random files, truncation).
 */
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Endpoint, JsonSchema } from './endpoints';
import type { FuzzRequest } from './http';

// ---------------------------------------------------------------- fixtures

export interface Fixtures {
  serviceKey: string;
  /** Reviewer tokens by role, and tokens that must be refused. */
  tokens: Record<'reviewer' | 'senior' | 'admin' | 'expired' | 'wrongSecret' | 'algNone' | 'rs256' | 'noRole', string>;
  /** Real values of path parameters, by name (orders, cases, documents, links). */
  values: Record<string, string[]>;
  /** A link of a check waiting for documents, changed before it reaches its per-link upload limit. */
  uploadToken(): Promise<string>;
  /** Fresh valid bodies by endpoint (`POST /v1/checks` → a new order each call). */
  validBodies: Record<string, () => unknown>;
  files: { jpeg: Buffer; pdf: Buffer };
}

// ---------------------------------------------------------------- plans

export type AuthPlan =
  | { kind: 'valid'; role: 'service' | 'reviewer' | 'senior' | 'admin' }
  | { kind: 'as'; who: 'service' | 'reviewer' | 'senior' | 'admin' }
  | { kind: 'refused'; which: keyof Fixtures['tokens'] }
  | { kind: 'raw'; header: string }
  | { kind: 'none' };

/** `real`: a fixture's value (the plan's `realIndex` picks which, the same for every parameter so ids that belong together go together). */
export type ParamPlan = { kind: 'real' } | { kind: 'raw'; text: string };

export type Mutation = { at: number[]; op: 'delete' } | { at: number[]; op: 'set'; value: unknown } | { at: number[]; op: 'add'; key: string; value: unknown };

export type ContentPlan =
  | { kind: 'docKind'; value: string }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'fixture'; which: 'jpeg' | 'pdf'; keep: number; tail: Uint8Array }
  | { kind: 'magic'; prefix: 'jpeg' | 'png' | 'webp' | 'pdf' | 'gif' | 'html'; tail: Uint8Array }
  | { kind: 'huge'; size: number };

export interface PartPlan {
  name?: string;
  filename?: string;
  contentType?: string;
  extraHeader?: string;
  content: ContentPlan;
}

export interface MultipartPlan {
  kind: 'multipart';
  parts: PartPlan[];
  boundary: string;
  /** At most one thing wrong with the framing (most cases have none, so the parts reach the route). */
  damage:
    | { kind: 'none' }
    | { kind: 'boundary'; declared: 'quoted' | 'none' | 'other' }
    | { kind: 'ending'; ending: 'missing-final' | 'none' }
    /** Cut the body to this fraction; the Content-Length says what is sent. */
    | { kind: 'cut'; keep: number }
    | { kind: 'bare-lf' }
    | { kind: 'preamble'; text: string };
}

export type BodyPlan =
  | { kind: 'none' }
  | { kind: 'valid'; mutations: Mutation[] }
  | { kind: 'schema'; value: unknown; mutations: Mutation[] }
  | { kind: 'json'; value: unknown }
  | { kind: 'jsonText'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'deep'; depth: number; open: '[' | '{"a":' }
  | { kind: 'large'; size: number }
  | { kind: 'form'; text: string }
  | MultipartPlan;

export interface RequestPlan {
  method: string;
  params: Record<string, ParamPlan>;
  realIndex: number;
  query: string;
  auth: AuthPlan;
  body: BodyPlan;
  /** `auto`: what the body is; else this header value, or none. */
  contentType: { kind: 'auto' } | { kind: 'none' } | { kind: 'value'; value: string };
  encoding: 'none' | 'gzip' | 'deflate' | 'br' | 'gzip-header-only' | 'gzip-bomb' | 'identity' | 'unknown';
  headers: Record<string, string>;
}

// ---------------------------------------------------------------- building blocks

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** Header-safe text: what Node's client puts on the wire (tab, printable ASCII, latin1). */
const headerChar = fc.oneof(
  { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 8 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xff }), weight: 2 },
  { arbitrary: fc.constant(0x09), weight: 1 },
).map((c) => String.fromCharCode(c));
export const headerText = (maxLength = 80) => fc.string({ unit: headerChar, maxLength }).map((s) => s.trim());

const hex = '0123456789ABCDEFabcdef';
const percentEscape = fc.oneof(
  fc.tuple(pick(...hex), pick(...hex)).map(([a, b]) => `%${a}${b}`),
  pick('%', '%Z', '%ZZ', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF%FE', '%00', '%2F', '%2f', '%2e%2e', '%25', '%5C', '%0A', '%0D%0A', '%u0041', '%%', '%E2%82'),
);
/** Characters a path segment may carry on the wire (0x21–0xff but `/`, `?`, `#`). */
const segmentChar = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x2f && c !== 0x3f && c !== 0x23 && c !== 0x7f).map((c) => String.fromCharCode(c));
const percentEncodeUtf8 = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

export const segment = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/), weight: 4 },
  { arbitrary: fc.string({ unit: segmentChar, minLength: 1, maxLength: 60 }), weight: 4 },
  { arbitrary: fc.array(fc.oneof(percentEscape, fc.string({ unit: segmentChar, maxLength: 4 })), { minLength: 1, maxLength: 12 }).map((a) => a.join('') || '%'), weight: 4 },
  // Unicode (lone surrogates included) percent-encoded as UTF-8, sometimes cut inside an escape.
  { arbitrary: fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([s, cut]) => {
      const encoded = percentEncodeUtf8(s);
      return cut > 0.7 ? encoded.slice(0, Math.max(1, Math.floor(encoded.length * cut))) : encoded;
    }), weight: 3 },
  { arbitrary: pick('.', '..', '%2e%2e', '...', 'null', 'undefined', '__proto__', 'constructor', 'prototype', '0', '-1', '1e400', 'NaN', '%20', '+', '*', '$where', '{"$gt":""}', 'me'), weight: 2 },
  // Very long; the longest ones pass Node's 16 KB header limit (431).
  { arbitrary: fc.tuple(fc.integer({ min: 200, max: 6_000 }), pick('a', 'A1_', '%41', 'é')).map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))), weight: 1 },
  { arbitrary: fc.integer({ min: 17_000, max: 40_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

const smallJson = fc.jsonValue({ maxDepth: 3 });
/** Values that break naive code: huge and odd numbers, unicode, prototype keys, deep and wide shapes. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  smallJson,
  pick(0, -1, -0, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER, 1e21, 5e-324),
  pick('', ' ', '\u0000', '\uFEFF', '\u202E', '\uD800', '\uDFFF', '🙂'.repeat(50), 'a'.repeat(5_000), '<script>alert(1)</script>', '${7*7}', '../../etc/passwd', '2026-02-30T25:61:00Z', 'NaN', 'null', 'true'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(smallJson, { maxLength: 30 }),
  pick({ __proto__: null, polluted: true }, JSON.parse('{"__proto__":{"polluted":true}}'), JSON.parse('{"constructor":{"prototype":{"polluted":true}}}'), { $gt: '' }, { $where: 'sleep(1000)' }),
  fc.integer({ min: 1, max: 400 }).map((depth) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.array(fc.nat(30), { minLength: 1, maxLength: 3 }), op: fc.constant('delete' as const) }),
  fc.record({ at: fc.array(fc.nat(30), { minLength: 1, maxLength: 3 }), op: fc.constant('set' as const), value: nastyValue }),
  fc.record({
    at: fc.array(fc.nat(30), { maxLength: 2 }),
    op: fc.constant('add' as const),
    key: fc.oneof(pick('__proto__', 'constructor', 'prototype', '$set', 'toString', 'hasOwnProperty', 'valueOf'), fc.string({ maxLength: 12 })),
    value: nastyValue,
  }),
);

/** JSON texts no JSON.stringify makes: numbers past double range, duplicate keys, BOMs, unterminated input. */
const jsonTexts = pick(
  '1e400', '-1e400', '{"amount":1e400,"currency":"USD"}', '{"amount":123456789012345678901234567890}', '{"amount":-0}',
  '{"amount":0.1e1,"currency":"USD"}', '{"orderId":"a","orderId":"b"}', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}',
  '{"__proto__":{"polluted":true},"orderId":"x"}', '{"constructor":{"prototype":{"polluted":true}}}', '{', '{"a":', '[', '"', '{}}',
  'null', 'true', '0', '""', '[]', '{"a":1,}', "{'a':1}", 'NaN', 'Infinity', '{"a":01}', '\u0000', ' ', '',
);

// ---------------------------------------------------------------- bodies

const docKinds = ['identity', 'address', 'payment_ownership'];
const contentPlan: fc.Arbitrary<ContentPlan> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('docKind' as const), value: fc.oneof(pick(...docKinds), pick('IDENTITY', 'selfie', '', ' identity', 'identity\u0000', 'address,identity'), fc.string({ maxLength: 40 })) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary', maxLength: 300 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 4096 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('fixture' as const), which: pick('jpeg' as const, 'pdf' as const), keep: fc.double({ min: 0.05, max: 1, noNaN: true }), tail: fc.uint8Array({ maxLength: 64 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('magic' as const), prefix: pick('jpeg' as const, 'png' as const, 'webp' as const, 'pdf' as const, 'gif' as const, 'html' as const), tail: fc.uint8Array({ maxLength: 2048 }) }), weight: 2 },
  // Past multer's 256-byte field limit, and rarely past the 15 MB file limit.
  { arbitrary: fc.record({ kind: fc.constant('huge' as const), size: fc.oneof({ arbitrary: fc.integer({ min: 257, max: 200_000 }), weight: 9 }, { arbitrary: fc.constant(15 * 1024 * 1024 + 1), weight: 1 }) }), weight: 1 },
);

const fieldName = fc.oneof(
  { arbitrary: pick('file', 'kind'), weight: 6 },
  { arbitrary: pick('File', 'KIND', 'files', 'file[]', 'kind[]', 'document', '', 'fi"le', 'ki\\nd', '文件', '__proto__'), weight: 2 },
  { arbitrary: fc.string({ unit: headerChar, maxLength: 20 }).filter((s) => !/["\r\n]/.test(s)), weight: 1 },
  { arbitrary: fc.integer({ min: 33, max: 200 }).map((n) => 'n'.repeat(n)), weight: 1 },
);

const partPlan: fc.Arbitrary<PartPlan> = fc.record(
  {
    name: fieldName,
    filename: fc.oneof(pick('photo.jpg', 'scan.pdf', '', '../../etc/passwd', 'C:\\x\\y.jpg', 'ünïcødé.png', 'a'.repeat(300), 'x.jpg\u0000.exe'), fc.string({ unit: headerChar, maxLength: 30 }).filter((s) => !/["\r\n]/.test(s))),
    contentType: fc.oneof(pick('image/jpeg', 'application/pdf', 'text/html', 'application/octet-stream', 'image/svg+xml', ''), headerText(30)),
    extraHeader: fc.oneof(pick('Content-Transfer-Encoding: base64', 'Content-Disposition: form-data; name="kind"', 'X-Junk: 1'), headerText(40).map((v) => `X-Fuzz: ${v}`)),
    content: contentPlan,
  },
  { requiredKeys: ['content'] },
);

/** The two parts of a real upload, in either order, sometimes with one missing or one more. */
const uploadParts: fc.Arbitrary<PartPlan[]> = fc
  .record({
    kind: pick(...docKinds, 'selfie'),
    file: fc.oneof(
      fc.record({ kind: fc.constant('fixture' as const), which: pick('jpeg' as const, 'pdf' as const), keep: fc.constant(1), tail: fc.constant(new Uint8Array()) }),
      contentPlan,
    ),
    order: fc.boolean(),
    extra: fc.oneof({ arbitrary: fc.constant<PartPlan[]>([]), weight: 4 }, { arbitrary: fc.array(partPlan, { minLength: 1, maxLength: 2 }), weight: 1 }),
    drop: pick('none', 'none', 'none', 'kind', 'file'),
  })
  .map(({ kind, file, order, extra, drop }) => {
    const kindPart: PartPlan = { name: 'kind', content: { kind: 'docKind', value: kind } };
    const filePart: PartPlan = { name: 'file', filename: 'photo.jpg', contentType: 'image/jpeg', content: file };
    const parts = order ? [kindPart, filePart] : [filePart, kindPart];
    return [...parts.filter((p) => p.name !== drop), ...extra];
  });

export const multipartPlan: fc.Arbitrary<MultipartPlan> = fc.record({
  kind: fc.constant('multipart' as const),
  parts: fc.oneof({ arbitrary: uploadParts, weight: 4 }, { arbitrary: fc.array(partPlan, { maxLength: 6 }), weight: 2 }, { arbitrary: fc.array(partPlan, { minLength: 7, maxLength: 12 }), weight: 1 }),
  boundary: fc.oneof(fc.stringMatching(/^[A-Za-z0-9'()+_,.:=?-]{1,70}$/), fc.constant(`----fuzz${randomBytes(8).toString('hex')}`)),
  damage: fc.oneof(
    { arbitrary: fc.constant({ kind: 'none' as const }), weight: 12 },
    { arbitrary: fc.record({ kind: fc.constant('boundary' as const), declared: pick('quoted' as const, 'none' as const, 'other' as const) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('ending' as const), ending: pick('missing-final' as const, 'none' as const) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('cut' as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }), weight: 2 },
    { arbitrary: fc.constant({ kind: 'bare-lf' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('preamble' as const), text: fc.string({ maxLength: 40 }) }), weight: 1 },
  ),
});

/** A JSON Schema (from /openapi.json) → an arbitrary of values it describes (roughly; mutations do the rest). */
export function fromSchema(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 5 || schema.$ref) return smallJson;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => fromSchema(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.pattern) {
        try {
          return fc.stringMatching(new RegExp(schema.pattern));
        } catch {
          return fc.string();
        }
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 200) });
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1_000_000, -(2 ** 31)), max: Math.min(schema.maximum ?? 1_000_000, 2 ** 31) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromSchema(schema.items, depth + 1), { maxLength: 3 });
    case 'object': {
      const properties = schema.properties ?? {};
      const keys = Object.keys(properties);
      if (!keys.length) return fc.dictionary(fc.string({ maxLength: 8 }), smallJson, { maxKeys: 3 });
      return fc.record(Object.fromEntries(keys.map((k) => [k, fromSchema(properties[k], depth + 1)])), { requiredKeys: (schema.required ?? []).filter((k) => keys.includes(k)) });
    }
    default:
      return smallJson;
  }
}

export function bodyPlan(endpoint: Endpoint, hasValid: boolean): fc.Arbitrary<BodyPlan> {
  const sendsBody = endpoint.method !== 'GET' && endpoint.method !== 'DELETE';
  const shaped: { arbitrary: fc.Arbitrary<BodyPlan>; weight: number }[] = [];
  const mutations = fc.oneof({ arbitrary: fc.constant<Mutation[]>([]), weight: 1 }, { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }), weight: 2 });
  if (hasValid) shaped.push({ arbitrary: fc.record({ kind: fc.constant('valid' as const), mutations }), weight: 8 });
  if (endpoint.jsonBody) shaped.push({ arbitrary: fc.record({ kind: fc.constant('schema' as const), value: fromSchema(endpoint.jsonBody), mutations: fc.array(mutation, { maxLength: 2 }) }), weight: 3 });
  if (endpoint.multipart) shaped.push({ arbitrary: multipartPlan, weight: 12 });
  const anything: { arbitrary: fc.Arbitrary<BodyPlan>; weight: number }[] = [
    { arbitrary: fc.record({ kind: fc.constant('json' as const), value: nastyValue }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('jsonText' as const), text: jsonTexts }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary', maxLength: 200 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 2048 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: 100, max: 120_000 }), open: pick('[' as const, '{"a":' as const) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('large' as const), size: fc.integer({ min: 200_000, max: 2_000_000 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('form' as const), text: fc.string({ maxLength: 100 }) }), weight: 1 },
    { arbitrary: multipartPlan, weight: 1 },
  ];
  const none = { arbitrary: fc.constant<BodyPlan>({ kind: 'none' }), weight: sendsBody ? 1 : 12 };
  return fc.oneof(...(sendsBody ? [...shaped, ...anything, none] : [none, ...anything.map((a) => ({ ...a, weight: 1 }))]));
}

// ---------------------------------------------------------------- query, auth, headers

const queryValue = (name: string) => {
  const known: Record<string, fc.Arbitrary<string>> = {
    status: pick('in_review', 'escalated', 'awaiting_documents', 'approved', 'rejected', 'expired', 'cancelled', 'IN_REVIEW', 'open', ''),
    band: pick('low', 'medium', 'high', 'critical', 'none', ''),
    assignee: fc.oneof(pick('me', 'none', 'fuzz-reviewer', ''), fc.string({ maxLength: 200 })),
    flag: pick('duplicate', 'quality', 'blurry', ''),
    limit: fc.oneof(pick('1', '50', '200', '201', '0', '-1', '1.5', '1e400', 'NaN', 'Infinity', '0x10', '99999999999999999999', ' 5', ''), fc.integer().map(String)),
    cursor: fc.oneof(
      fc.tuple(fc.double(), fc.double(), fc.double(), fc.string({ maxLength: 20 })).map((key) => Buffer.from(JSON.stringify(key)).toString('base64url')),
      fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
      fc.base64String({ maxLength: 60 }),
      fc.string({ maxLength: 500 }),
    ),
    variant: pick('preview', 'thumbnail', 'original', 'Original', 'raw', '../original', ''),
  };
  return Object.hasOwn(known, name) ? known[name] : fc.oneof(fc.string({ maxLength: 30 }), pick('1', 'true', ''));
};

const encodeQueryPart = (s: string, how: 'encode' | 'raw') =>
  how === 'encode' ? percentEncodeUtf8(s) : [...s].map((c) => (/[\x21-\x7e]/.test(c) && c !== '#' ? c : percentEncodeUtf8(c))).join('');

export function queryPlan(endpoint: Endpoint): fc.Arbitrary<string> {
  const names = [...endpoint.queryNames, 'status', 'limit', 'cursor', 'variant'];
  const pair = fc
    .oneof({ arbitrary: pick(...names), weight: 4 }, { arbitrary: pick('__proto__', 'constructor', 'status[]', 'a[b]', 'limit[$gt]', 'hasOwnProperty'), weight: 1 }, { arbitrary: fc.string({ maxLength: 10 }), weight: 1 })
    .chain((name) => fc.tuple(fc.constant(name), queryValue(name), pick('encode' as const, 'raw' as const), fc.boolean()));
  return fc.oneof(
    { arbitrary: fc.constant(''), weight: 2 },
    {
      arbitrary: fc
        .array(pair, { maxLength: 6 })
        .map((pairs) => pairs.map(([name, value, how, withValue]) => (withValue ? `${encodeQueryPart(name, how)}=${encodeQueryPart(value, how)}` : encodeQueryPart(name, how))).join('&')),
      weight: 6,
    },
    { arbitrary: fc.array(percentEscape, { minLength: 1, maxLength: 5 }).map((e) => `status=${e.join('')}&cursor=${e.reverse().join('')}`), weight: 1 },
  );
}

export const authPlan: fc.Arbitrary<AuthPlan> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('valid' as const), role: pick('service' as const, 'reviewer' as const, 'senior' as const, 'admin' as const) }), weight: 20 },
  { arbitrary: fc.record({ kind: fc.constant('as' as const), who: pick('service' as const, 'reviewer' as const, 'senior' as const, 'admin' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('refused' as const), which: pick('expired' as const, 'wrongSecret' as const, 'algNone' as const, 'rs256' as const, 'noRole' as const) }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      header: fc.oneof(
        pick('Bearer', 'Bearer ', 'bearer x', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', 'Bearer e30.e30.', 'Bearer eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.x', 'Bearer a b', 'Token x', 'Bearer\tx', ''),
        headerText(200).map((t) => `Bearer ${t}`),
        headerText(60),
        fc.integer({ min: 2_000, max: 12_000 }).map((n) => `Bearer ${'A'.repeat(n)}`),
      ),
    }),
    weight: 3,
  },
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
);

const contentTypes = pick(
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=x-klingon',
  'application/json;;;', 'APPLICATION/JSON', 'application/merge-patch+json', 'text/plain', 'text/html', 'application/x-www-form-urlencoded',
  'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=x', 'multipart/mixed; boundary=x', 'image/jpeg', '*/*', 'application/octet-stream', ';', '',
);

const forbiddenHeaders = /^(host|content-length|transfer-encoding|connection|expect|upgrade|te|trailer|keep-alive|proxy-.*|content-type|content-encoding|authorization|x-forwarded-for)$/i;

export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      accept: fc.oneof(pick('*/*', 'application/json', 'text/html', 'image/*', 'application/xml', ''), headerText(40)),
      'accept-charset': pick('utf-8', 'iso-8859-1', 'utf-7', 'x-unknown'),
      'accept-encoding': pick('gzip', 'br', 'identity', '*;q=0', 'x'),
      range: fc.oneof(pick('bytes=0-10', 'bytes=-5', 'bytes=5-1', 'bytes=0-0,1-1,2-2', 'bytes=99999999-', 'lines=1-2'), headerText(20)),
      'if-none-match': fc.oneof(pick('*', 'W/"x"', '"abc"'), headerText(20)),
      'if-modified-since': pick('Thu, 01 Jan 1970 00:00:00 GMT', 'yesterday', 'Tue, 31 Dec 2999 23:59:59 GMT'),
      'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), headerText(40), pick('unknown', '1.1.1.1, 2.2.2.2', '')),
      'x-request-id': headerText(60),
      cookie: headerText(100),
      origin: pick('https://evil.example', 'null'),
    },
    { requiredKeys: [] },
  )
  .chain((fixed) =>
    fc
      .dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,24}$/).filter((n) => !forbiddenHeaders.test(n)), headerText(100), { maxKeys: 3 })
      .map((random) => ({ ...random, ...fixed })),
  );

export function requestPlan(endpoint: Endpoint, hasValid: boolean): fc.Arbitrary<RequestPlan> {
  const paramPlan = (): fc.Arbitrary<ParamPlan> =>
    fc.oneof(
      { arbitrary: fc.constant({ kind: 'real' as const }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('raw' as const), text: segment }), weight: 2 },
    );
  return fc.record({
    method: fc.oneof({ arbitrary: fc.constant(endpoint.method as string), weight: 20 }, { arbitrary: pick('HEAD', 'OPTIONS'), weight: 1 }),
    params: fc.record(Object.fromEntries(endpoint.params.map((p) => [p, paramPlan()]))) as fc.Arbitrary<Record<string, ParamPlan>>,
    realIndex: fc.nat(20),
    query: queryPlan(endpoint),
    auth: authPlan,
    body: bodyPlan(endpoint, hasValid),
    contentType: fc.oneof(
      { arbitrary: fc.constant({ kind: 'auto' as const }), weight: 16 },
      { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('value' as const), value: fc.oneof(contentTypes, headerText(60)) }), weight: 3 },
    ),
    encoding: fc.oneof(
      { arbitrary: fc.constant('none' as const), weight: 16 },
      { arbitrary: pick('gzip' as const, 'deflate' as const, 'br' as const, 'gzip-header-only' as const, 'gzip-bomb' as const, 'identity' as const, 'unknown' as const), weight: 3 },
    ),
    headers: extraHeaders,
  });
}

// ---------------------------------------------------------------- plan → bytes

function walk(target: unknown, at: number[]): { parent: Record<string, unknown> | unknown[]; key: string | number } | undefined {
  let node = target;
  let parent: Record<string, unknown> | unknown[] | undefined;
  let key: string | number | undefined;
  for (const index of at) {
    if (node === null || typeof node !== 'object') break;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (!keys.length) break;
    parent = node as Record<string, unknown>;
    key = keys[index % keys.length];
    node = (parent as Record<string | number, unknown>)[key];
  }
  return parent !== undefined && key !== undefined ? { parent, key } : undefined;
}

export function mutate(value: unknown, mutations: Mutation[]): unknown {
  // Copies all the way down: generated values are shared between cases (constants), and must stay as generated.
  const clone = (v: unknown) => JSON.parse(JSON.stringify(v ?? null));
  const copy = clone(value);
  for (const original of mutations) {
    const m = original.op === 'delete' ? original : { ...original, value: clone(original.value) };
    if (m.op === 'add') {
      const slot = m.at.length ? walk(copy, m.at) : undefined;
      const holder = slot ? (slot.parent as Record<string | number, unknown>)[slot.key] : copy;
      if (holder && typeof holder === 'object' && !Array.isArray(holder)) Object.defineProperty(holder, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const slot = walk(copy, m.at);
    if (!slot) continue;
    if (m.op === 'delete') {
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
    } else (slot.parent as Record<string | number, unknown>)[slot.key] = m.value;
  }
  return copy;
}

const magic: Record<string, Buffer> = {
  jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]),
  webp: Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'),
  pdf: Buffer.from('%PDF-1.7\n'),
  gif: Buffer.from('GIF89a'),
  html: Buffer.from('<!DOCTYPE html><script>alert(1)</script>'),
};

function contentBytes(content: ContentPlan, fixtures: Fixtures): Buffer {
  switch (content.kind) {
    case 'docKind':
      return Buffer.from(content.value, 'utf8');
    case 'text':
      return Buffer.from(content.text, 'utf8');
    case 'bytes':
      return Buffer.from(content.bytes);
    case 'fixture': {
      const file = fixtures.files[content.which];
      return Buffer.concat([file.subarray(0, Math.max(1, Math.floor(file.length * content.keep))), Buffer.from(content.tail)]);
    }
    case 'magic':
      return Buffer.concat([magic[content.prefix], Buffer.from(content.tail)]);
    case 'huge':
      return Buffer.alloc(content.size, 0x41);
  }
}

function multipartBytes(plan: MultipartPlan, fixtures: Fixtures): { body: Buffer; contentType: string } {
  const damage = plan.damage;
  const nl = damage.kind === 'bare-lf' ? '\n' : '\r\n';
  const chunks: Buffer[] = [Buffer.from(damage.kind === 'preamble' ? `${damage.text}${nl}` : '', 'utf8')];
  for (const part of plan.parts) {
    let disposition = 'Content-Disposition: form-data';
    if (part.name !== undefined) disposition += `; name="${part.name}"`;
    if (part.filename !== undefined) disposition += `; filename="${part.filename}"`;
    const headers = [disposition, ...(part.contentType !== undefined ? [`Content-Type: ${part.contentType}`] : []), ...(part.extraHeader ? [part.extraHeader] : [])];
    chunks.push(Buffer.from(`--${plan.boundary}${nl}${headers.join(nl)}${nl}${nl}`, 'utf8'), contentBytes(part.content, fixtures), Buffer.from(nl));
  }
  const ending = damage.kind === 'ending' ? damage.ending : 'proper';
  if (ending === 'proper') chunks.push(Buffer.from(`--${plan.boundary}--${nl}`));
  else if (ending === 'missing-final') chunks.push(Buffer.from(`--${plan.boundary}${nl}`));
  let body = Buffer.concat(chunks);
  if (damage.kind === 'cut') body = body.subarray(0, Math.floor(body.length * damage.keep));
  const declaredAs = damage.kind === 'boundary' ? damage.declared : 'same';
  const declared = { same: `; boundary=${plan.boundary}`, quoted: `; boundary="${plan.boundary}"`, none: '', other: '; boundary=not-the-boundary' }[declaredAs];
  return { body, contentType: `multipart/form-data${declared}` };
}

function bodyBytes(plan: BodyPlan, endpointKey: string, fixtures: Fixtures): { body?: Buffer; contentType?: string } {
  const json = (value: unknown) => ({ body: Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'), contentType: 'application/json' });
  switch (plan.kind) {
    case 'none':
      return {};
    case 'valid':
      return json(mutate(fixtures.validBodies[endpointKey]?.() ?? {}, plan.mutations));
    case 'schema':
      return json(mutate(plan.value, plan.mutations));
    case 'json':
      return json(plan.value);
    case 'jsonText':
      return { body: Buffer.from(plan.text, 'utf8'), contentType: 'application/json' };
    case 'text':
      return { body: Buffer.from(plan.text, 'utf8'), contentType: 'text/plain' };
    case 'bytes':
      return { body: Buffer.from(plan.bytes), contentType: 'application/octet-stream' };
    case 'deep': {
      const close = plan.open === '[' ? ']' : '}';
      return { body: Buffer.from(`${plan.open.repeat(plan.depth)}1${close.repeat(plan.depth)}`), contentType: 'application/json' };
    }
    case 'large':
      return { body: Buffer.from(`{"orderId":"${'a'.repeat(plan.size)}"}`), contentType: 'application/json' };
    case 'form':
      return { body: Buffer.from(plan.text, 'utf8'), contentType: 'application/x-www-form-urlencoded' };
    case 'multipart':
      return multipartBytes(plan, fixtures);
  }
}

function authorization(plan: AuthPlan, endpoint: Endpoint, fixtures: Fixtures): string | undefined {
  const credential = (who: 'service' | 'reviewer' | 'senior' | 'admin') => `Bearer ${who === 'service' ? fixtures.serviceKey : fixtures.tokens[who]}`;
  switch (plan.kind) {
    case 'valid':
      if (endpoint.security === 'serviceKey') return credential('service');
      if (endpoint.security === 'reviewerJwt') return credential(plan.role === 'service' ? 'reviewer' : plan.role);
      if (endpoint.security === 'any') return credential(plan.role);
      return undefined;
    case 'as':
      return credential(plan.who);
    case 'refused':
      return `Bearer ${fixtures.tokens[plan.which]}`;
    case 'raw':
      return plan.header;
    case 'none':
      return undefined;
  }
}

export async function materialize(plan: RequestPlan, endpoint: Endpoint, fixtures: Fixtures): Promise<FuzzRequest> {
  let path = endpoint.path;
  for (const name of endpoint.params) {
    const param = plan.params[name];
    const real = fixtures.values[name] ?? [];
    let value: string;
    if (param.kind === 'real' && name === 'token' && endpoint.multipart) value = await fixtures.uploadToken();
    else if (param.kind === 'real' && real.length) value = encodeURIComponent(real[plan.realIndex % real.length]);
    else value = param.kind === 'raw' ? param.text : 'x';
    path = path.replace(`{${name}}`, value);
  }
  const target = plan.query ? `${path}?${plan.query}` : path;
  const { body: plain, contentType: natural } = bodyBytes(plan.body, `${endpoint.method} ${endpoint.path}`, fixtures);
  const headers: Record<string, string> = { ...plan.headers };
  const auth = authorization(plan.auth, endpoint, fixtures);
  if (auth !== undefined) headers.authorization = auth;
  const contentType = plan.contentType.kind === 'auto' ? natural : plan.contentType.kind === 'value' ? plan.contentType.value : undefined;
  if (contentType !== undefined && plain !== undefined) headers['content-type'] = contentType;
  let body = plain;
  if (body !== undefined && plan.encoding !== 'none') {
    const encoded: Record<Exclude<RequestPlan['encoding'], 'none'>, [string, () => Buffer]> = {
      gzip: ['gzip', () => gzipSync(body!)],
      deflate: ['deflate', () => deflateSync(body!)],
      br: ['br', () => brotliCompressSync(body!)],
      'gzip-header-only': ['gzip', () => body!],
      // 16 MB of zeros in ~16 KB: the 256 KB limit applies to what it inflates to.
      'gzip-bomb': ['gzip', () => gzipSync(Buffer.alloc(16 * 1024 * 1024))],
      identity: ['identity', () => body!],
      unknown: ['x-fuzz, zstd', () => body!],
    };
    const [name, encode] = encoded[plan.encoding];
    headers['content-encoding'] = name;
    body = encode();
  }
  // A HEAD carries no body (Node's client would not send one, and a declared length would keep the server waiting).
  if (plan.method === 'HEAD') body = undefined;
  if (body !== undefined) headers['content-length'] = String(body.length);
  else delete headers['content-encoding'];
  return { method: plan.method, target, headers, body };
}

/** What was sent, as text, for telling an echo from a leak. */
export function requestText(request: FuzzRequest): string {
  return [request.method, request.target, ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`), request.body?.toString('latin1') ?? ''].join('\n');
}

/** Text with everything outside printable ASCII as \\uXXXX (C1 controls and odd bytes are invisible otherwise). */
export const visible = (text: string) => text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A short, readable account of a plan for a failure message (bodies cut). */
export function describePlan(plan: unknown): string {
  const text = JSON.stringify(plan, (_key, value) => {
    if (value instanceof Uint8Array) return `<${value.length} bytes>`;
    if (typeof value === 'string' && value.length > 200) return `${value.slice(0, 200)}…(${value.length} chars)`;
    return value;
  });
  return visible(text.length > 3_000 ? `${text.slice(0, 3_000)}…` : text);
}
