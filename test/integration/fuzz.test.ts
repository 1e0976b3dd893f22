/**
 * Fuzzing every endpoint with fast-check, through HTTP, against an API process
 * of the harness on the real servers (issue 8's proof): whatever the body,
 * path parameters, query, headers or multipart parts, never a 5xx (a 503 only
 * with Retry-After, where documented), never a hang, a 4xx is the contract's
 * JSON error, and no body shows a stack trace or an internal path; nothing the
 * API logs as an unhandled error.
 *
 * `npm test` runs a bounded number of cases; `FUZZ_RUNS=500 npm run test:fuzz`
 * goes longer. A failure prints its seed and path: `FUZZ_SEED=… FUZZ_PATH=…
 * npm run test:fuzz -- --grep '<test title>'` replays it.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { call } from './client';
import { getHarness, type Harness } from './harness';
import { listEndpoints, routesFromSource, type Endpoint } from '../fuzz/endpoints';
import { send, sendRaw, type FuzzRequest } from '../fuzz/http';
import { problemsOf } from '../fuzz/oracle';
import { describePlan, visible, materialize, requestPlan, requestText, segment, authPlan, extraHeaders, type Fixtures } from '../fuzz/requests';
import { rawBytes, rawPlan } from '../fuzz/raw';
import { makeFixtures } from '../fuzz/fixtures';

/** Cases per endpoint (the multipart upload gets three times as many). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const REPLAY_PATH = process.env.FUZZ_PATH;
/** "Never a hang": a whole answer within this bound (the decision path has its own 15 s, so it gets more). */
const DEADLINE_MS = Number(process.env.FUZZ_DEADLINE_MS ?? 10_000);
const DECISION_DEADLINE_MS = 20_000;

const endpoints = listEndpoints();
const key = (e: Endpoint) => `${e.method} ${e.path}`;

describe('fuzzing every endpoint (fast-check)', function () {
  this.timeout(Math.max(180_000, RUNS * 6_000));
  let h: Harness;
  let baseUrl: string;
  let logFile: string;
  let fixtures: Fixtures;

  before(async function () {
    this.timeout(600_000);
    h = await getHarness();
    // Its own API process: the fuzzing's uploads must not use up the main API's per-address limits.
    const api = await h.startApi({});
    baseUrl = api.baseUrl;
    logFile = path.join(h.stack.logDir, `${api.service.name}.log`);
    fixtures = await makeFixtures(h, baseUrl);
    console.log(`      fuzz: seed ${SEED}, ${RUNS} runs per endpoint (FUZZ_SEED, FUZZ_RUNS), ${endpoints.length} endpoints`);
  });

  /** Runs a property; on failure, an error with what to replay and the request that failed. */
  async function fuzz<T>(title: string, arbitrary: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => Promise<void>): Promise<void> {
    // One seed for the run; each property draws from its own stream of it (so endpoints do not get the same cases).
    const seed = (SEED + [...title].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0)) | 0;
    const details = await fc.check(fc.asyncProperty(arbitrary, predicate), { seed, numRuns, ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}) });
    if (!details.failed) return;
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${title}: failed after ${details.numRuns} case(s), shrunk ${details.numShrinks} time(s).\n` +
        `Replay: FUZZ_SEED=${SEED} FUZZ_PATH=${details.counterexamplePath} npm run test:fuzz -- --grep '${title}'\n` +
        `${error}\nplan: ${describePlan(details.counterexample)}\nAPI log (last lines):\n${readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).map((l) => l.slice(0, 600)).join('\n')}`,
    );
  }

  /** Sends one request and throws with everything that is wrong with the answer. */
  async function expectSound(request: FuzzRequest, documents503: boolean, outcomes?: Map<string, number>): Promise<number> {
    const deadlineMs = documents503 ? DECISION_DEADLINE_MS : DEADLINE_MS;
    const answer = await send(baseUrl, request, deadlineMs + 1_000).catch((error: Error) => {
      throw new Error(`${error.message}\nrequest: ${describeRequest(request)}`);
    });
    if (outcomes) {
      const code = answer.status >= 400 && /json/.test(String(answer.headers['content-type'])) ? (JSON.parse(answer.body.toString('utf8') || '{}').error?.code ?? '') : '';
      const outcome = `${answer.status}${code ? ` ${code}` : ''}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const problems = problemsOf(answer, { method: request.method, requestText: requestText(request), documents503, deadlineMs });
    if (problems.length) throw new Error(`${problems.join('\n')}\nrequest: ${describeRequest(request)}`);
    return answer.status;
  }

  const unhandledErrors = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"unhandled error"'));

  describe('known cases', () => {
    it('answers a path parameter with bad % encoding on every endpoint that has one with 400 invalid_url', async () => {
      for (const endpoint of endpoints.filter((e) => e.params.length)) {
        for (const bad of ['%E0%A4%A', '%ZZ', '%C0%AF']) {
          const target = endpoint.params.reduce((p, name) => p.replace(`{${name}}`, bad), endpoint.path);
          const authorization = endpoint.security === 'serviceKey' ? `Bearer ${h.serviceKey}` : endpoint.security === 'reviewerJwt' || endpoint.security === 'any' ? `Bearer ${fixtures.tokens.admin}` : undefined;
          const request: FuzzRequest = { method: endpoint.method, target, headers: { connection: 'close', ...(authorization ? { authorization } : {}) } };
          const reply = await send(baseUrl, request, DEADLINE_MS);
          const body = JSON.parse(reply.body.toString('utf8'));
          expect(reply.status, `${key(endpoint)} with ${bad}: ${reply.body}`).to.equal(400);
          expect(body.error.code, key(endpoint)).to.equal('invalid_url');
        }
      }
    });

    it('answers a body that does not inflate as its Content-Encoding says with 400, and a gzip bomb with 413', async () => {
      const post = (body: Buffer, encoding: string) =>
        send(baseUrl, { method: 'POST', target: '/v1/checks', headers: { connection: 'close', authorization: `Bearer ${h.serviceKey}`, 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': String(body.length) }, body }, DEADLINE_MS);
      const garbage = await post(Buffer.from('{"not":"gzip"}'), 'gzip');
      expect(garbage.status).to.equal(400);
      expect(JSON.parse(garbage.body.toString()).error.code).to.equal('invalid_body');
      const { gzipSync } = await import('node:zlib');
      const bomb = await post(gzipSync(Buffer.alloc(64 * 1024 * 1024)), 'gzip');
      expect(bomb.status).to.equal(413);
    });

    it('takes aborted and cut-short bodies as the client\'s doing: nothing logged as an unhandled error', async () => {
      const before = unhandledErrors().length;
      const head = (length: number) => `POST /v1/checks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.serviceKey}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
      for (const then of ['half-close', 'destroy'] as const) {
        await sendRaw(baseUrl, { chunks: [Buffer.from(`${head(1000)}{"orderId":`)], then }, DEADLINE_MS);
        await sendRaw(baseUrl, { chunks: [Buffer.from(`POST /v1/verification/${fixtures.values.token[0]}/documents HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8\xff`, 'latin1')], then }, DEADLINE_MS);
      }
      await new Promise((r) => setTimeout(r, 1_000)); // the log is written asynchronously
      expect(unhandledErrors().slice(before)).to.deep.equal([]);
      expect((await call(baseUrl, 'GET', '/healthz')).status).to.equal(200);
    });
  });

  describe('every endpoint', () => {
    it('covers every route of api/routes and every operation of /openapi.json', () => {
      const listed = new Set(endpoints.map(key));
      for (const route of routesFromSource()) expect(listed.has(`${route.method} ${route.path}`), `${route.method} ${route.path}`).to.equal(true);
      expect(listed.has('POST /v1/checks')).to.equal(true);
      expect(listed.has('POST /v1/verification/{token}/documents')).to.equal(true);
    });

    for (const endpoint of endpoints) {
      const title = `${key(endpoint)}: body, path parameters, query and headers`;
      it(title, async () => {
        const outcomes = new Map<string, number>();
        const runs = endpoint.multipart ? RUNS * 3 : RUNS;
        const plans = requestPlan(endpoint, key(endpoint) in fixtures.validBodies);
        await fuzz(title, plans, runs, async (plan) => {
          await expectSound(await materialize(plan, endpoint, fixtures), endpoint.documents503, outcomes);
        });
        // What the cases reached, e.g. "201×3, 400 invalid_request×12, 401 unauthorized×4".
        console.log(`        ${[...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([o, n]) => `${o}×${n}`).join(', ')}`);
      });
    }
  });

  describe('beyond the routes', () => {
    it('any method on any path: 4xx, never a 5xx', async () => {
      const words = fc.constantFrom('v1', 'checks', 'review', 'cases', 'verification', 'documents', 'verify', 'content', 'audit', 'claim', 'decision', 'cancel', 'openapi.json', 'metrics', 'verify.js', 'common.css', '..', '.', '');
      const plans = fc.record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH'),
        segments: fc.array(fc.oneof(words, segment), { minLength: 1, maxLength: 6 }),
        slashes: fc.constantFrom('/', '//', '/./'),
        auth: authPlan,
        headers: extraHeaders,
        body: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
      });
      const fake: Endpoint = { method: 'GET', path: '/', params: [], security: 'any', multipart: false, queryNames: [], documents503: false, source: [] };
      await fuzz('any method on any path', plans, RUNS * 3, async (plan) => {
        const request = await materialize(
          { method: plan.method, params: {}, realIndex: 0, query: '', auth: plan.auth, body: plan.body === undefined ? { kind: 'none' } : { kind: 'json', value: plan.body }, contentType: { kind: 'auto' }, encoding: 'none', headers: plan.headers },
          { ...fake, path: `/${plan.segments.join(plan.slashes)}` },
          fixtures,
        );
        await expectSound(request, false);
      });
    });
  });

  describe('below express', () => {
    it('raw HTTP: aborted and cut-short bodies, lying lengths, broken chunking, malformed requests', async () => {
      const paths = endpoints.map((e) => e.params.reduce((p, name) => p.replace(`{${name}}`, fixtures.values[name]?.[0] ?? 'x'), e.path));
      await fuzz('raw HTTP', rawPlan(paths), RUNS * 3, async (plan) => {
        const bytes = rawBytes(plan, { serviceKey: h.serviceKey });
        const answer = await sendRaw(baseUrl, { chunks: [bytes], then: plan.then }, DECISION_DEADLINE_MS);
        const requestText = bytes.toString('latin1');
        const problems = problemsOf(answer, { method: plan.method, requestText, documents503: true, deadlineMs: DECISION_DEADLINE_MS });
        if (problems.length) throw new Error(`${problems.join('\n')}\nsent: ${visible(requestText.slice(0, 600))}`);
        // Still serving.
        const health = await send(baseUrl, { method: 'GET', target: '/healthz', headers: { connection: 'close' } }, DEADLINE_MS);
        if (health.status !== 200) throw new Error(`/healthz answered ${health.status} after ${visible(requestText.slice(0, 600))}`);
      });
    });
  });

  // Mocha runs a suite's own tests before its child suites: this one is a suite so that it comes last.
  describe('afterwards', () => {
    it('logged no unhandled error while fuzzing, and the API is still up', async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      const lines = unhandledErrors();
      expect(lines.map((l) => l.slice(0, 2_000)), `unhandled errors in ${logFile}`).to.deep.equal([]);
      expect((await call(baseUrl, 'GET', '/healthz')).status).to.equal(200);
    });
  });
});

/** A request as visible text: anything outside printable ASCII escaped, long parts cut. */
function describeRequest(request: FuzzRequest): string {
  const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…(${text.length})` : text);
  const body = request.body ? `${visible(cut(request.body.toString('latin1'), 600))} (${request.body.length} bytes)` : 'none';
  const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${visible(cut(v, 200))}`);
  return `${request.method} ${visible(cut(request.target, 300))}\n  ${headers.join('\n  ')}\n  body ${body}`;
}
