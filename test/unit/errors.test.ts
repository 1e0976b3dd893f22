/**
 * The error handler (api/errors.ts) in a tiny in-process express app on an
 * ephemeral port: the 4xx that express and its middlewares raise themselves
 * stay 4xx with a stable code and a message that leaks nothing; real failures
 * are 500 `internal`; every 429 and 503 carries `Retry-After`.
 */
import { expect } from 'chai';
import express from 'express';
import { gzipSync } from 'node:zlib';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Connection } from '@temporalio/client';
import { ApiError, clientErrorHandler, errorHandler, expectationHandler, unknownRoute } from '../../api/errors';
import { opsRouter } from '../../api/routes/ops';

/** An error shaped like the ones http-errors makes for express, body-parser, raw-body, router, send. */
function httpError(status: number, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose: status < 500, ...extra });
}

const thrown: Record<string, () => unknown> = {
  aborted: () => httpError(400, 'request aborted', { type: 'request.aborted', code: 'ECONNABORTED', expected: 100, received: 10 }),
  sizeMismatch: () => httpError(400, 'request size did not match content length', { type: 'request.size.invalid' }),
  headerTooLarge: () => Object.assign(new Error('at Object.<anonymous> (/srv/app/node_modules/x/index.js:1:2)'), { statusCode: 431 }),
  rangeNotSatisfiable: () => httpError(416, 'Range Not Satisfiable'),
  leakyClientError: () => httpError(400, 'cannot read /work/secret/api/routes/x.ts:12:3'),
  weirdStatus: () => Object.assign(new Error('odd'), { status: 'teapot' }),
  upstream5xx: () => httpError(502, 'bad gateway from upstream'),
  plain: () => new Error('ECONNREFUSED 10.0.0.1:27017 at /srv/app/models/index.ts:4:1'),
  nonError: () => 'a thrown string',
  rateLimited: () => new ApiError(429, 'rate_limited', 'slow down', { retryAfterSeconds: 42 }),
  rateLimitedFraction: () => new ApiError(429, 'rate_limited', 'slow down', { retryAfterSeconds: 0.2 }),
  unavailable: () => new ApiError(503, 'temporarily_unavailable', 'retry the same request'),
  unavailableBadHint: () => new ApiError(503, 'temporarily_unavailable', 'retry', { retryAfterSeconds: 'soon' }),
  rateLimitedNoHint: () => new ApiError(429, 'rate_limited', 'slow down'),
};

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

async function call(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

/** The contract's error body, and nothing from the inside. */
function expectCleanError(reply: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(reply.status, reply.text).to.equal(status);
  expect(reply.body.error.code).to.equal(code);
  expect(reply.body.error.message).to.be.a('string').and.not.empty;
  expect(reply.text).not.to.match(/node_modules|\/srv\/|\/work\/|\.ts:\d|\bat \S+ \(|URIError|ECONN|10\.0\.0\.1/);
}

describe('API error answers (api/errors.ts)', () => {
  let server: Server;
  let url: string;

  before(async () => {
    const app = express();
    app.use(express.json({ limit: '1kb' }));
    app.get('/things/:id', (req, res) => void res.json({ id: req.params.id }));
    app.post('/echo', (req, res) => void res.json({ body: req.body }));
    app.get('/page', (_req, res) => res.sendFile(path.join(__dirname, 'errors.test.ts')));
    app.get('/half-sent', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('first part');
      throw new Error('the rest failed');
    });
    app.get('/throw/:kind', (req) => {
      throw thrown[req.params.kind]();
    });
    app.use(unknownRoute);
    app.use(errorHandler);
    ({ server, url } = await listen(app));
    server.on('clientError', clientErrorHandler);
    server.on('checkExpectation', expectationHandler);
  });
  after(() => close(server));

  it('answers a path parameter with bad % encoding with 400 invalid_url (the router throws a URIError)', async () => {
    for (const bad of ['%E0%A4%A', '%ZZ', '%', 'a%2', '%C0%AF', '%ED%A0%80']) {
      expectCleanError(await call(`${url}/things/${bad}`), 400, 'invalid_url');
    }
  });

  it('answers a body that cannot be decompressed with 400 invalid_body', async () => {
    const reply = await call(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: 'this is not gzip',
    });
    expectCleanError(reply, 400, 'invalid_body');
    // The same body, really compressed, is read.
    const ok = await call(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"a":1}'),
    });
    expect(ok.body).to.deep.equal({ body: { a: 1 } });
  });

  it('keeps body-parser\'s own answers: invalid JSON 400, too large 413, unknown charset or encoding 415', async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      call(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expectCleanError(await post('{"a":'), 400, 'invalid_json');
    expectCleanError(await post(`{"a":"${'x'.repeat(2000)}"}`), 413, 'payload_too_large');
    expectCleanError(await post('{}', { 'content-type': 'application/json; charset=x-klingon' }), 415, 'unsupported_encoding');
    expectCleanError(await post('{}', { 'content-encoding': 'x-pack' }), 415, 'unsupported_encoding');
  });

  it('honours the 4xx status of errors from express and its middlewares, with a code of their own and a fixed message', async () => {
    expectCleanError(await call(`${url}/throw/aborted`), 400, 'request_aborted');
    expectCleanError(await call(`${url}/throw/sizeMismatch`), 400, 'invalid_body');
    expectCleanError(await call(`${url}/throw/headerTooLarge`), 431, 'request_header_fields_too_large');
    expectCleanError(await call(`${url}/throw/rangeNotSatisfiable`), 416, 'range_not_satisfiable');
    expectCleanError(await call(`${url}/throw/leakyClientError`), 400, 'bad_request');
  });

  it('answers a file whose sending fails (a Range it cannot satisfy) with a JSON error, not under the file\'s type', async () => {
    const reply = await call(`${url}/page`, { headers: { range: 'bytes=99999999-' } });
    expectCleanError(reply, 416, 'range_not_satisfiable');
    expect(reply.headers.get('content-type')).to.match(/^application\/json/);
    expect((await fetch(`${url}/page`)).status).to.equal(200);
  });

  it('answers real failures with 500 internal, whatever status-like field they carry', async () => {
    for (const kind of ['weirdStatus', 'upstream5xx', 'plain', 'nonError']) {
      expectCleanError(await call(`${url}/throw/${kind}`), 500, 'internal');
    }
  });

  it('sets Retry-After on every 429 and 503: from details.retryAfterSeconds, else a default', async () => {
    const retryAfter = async (kind: string) => (await call(`${url}/throw/${kind}`)).headers.get('retry-after');
    expect(await retryAfter('rateLimited')).to.equal('42');
    expect(await retryAfter('rateLimitedFraction')).to.equal('1');
    for (const kind of ['unavailable', 'unavailableBadHint', 'rateLimitedNoHint']) {
      const value = await retryAfter(kind);
      expect(value, kind).to.match(/^[1-9][0-9]*$/);
    }
    expect(await retryAfter('plain')).to.equal(null);
  });

  it('cuts the connection when an error comes after part of the answer was sent (no hang)', async () => {
    const started = Date.now();
    const failure = await fetch(`${url}/half-sent`).then((r) => r.text()).then(() => 'complete', (error: Error) => error.message);
    expect(failure).not.to.equal('complete');
    expect(Date.now() - started).to.be.below(5_000);
  });

  it("answers what Node's HTTP server refuses with the contract's body: malformed 400, unmet Expect 417, headers too large 431", async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = server.address() as AddressInfo;
        const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
      });
    const parse = (text: string) => ({ status: Number(text.split(' ')[1]), body: JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) });
    const malformed = parse(await raw('GET /things/1 HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
    expect(malformed.status).to.equal(400);
    expect(malformed.body.error.code).to.equal('malformed_request');
    // A byte Node's parser refuses in the path; to HEAD the answer has no body (or the client sees a second, bogus answer).
    const viaClient = (method: string) =>
      new Promise<{ status?: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method, path: '/things/\u00e9', agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await viaClient('HEAD')).to.deep.equal({ status: 400, body: '' });
    const get = await viaClient('GET');
    expect(get.status).to.equal(400);
    expect(JSON.parse(get.body).error.code).to.equal('malformed_request');
    const expectation = parse(await raw('POST /things HTTP/1.1\r\nHost: x\r\nExpect: nonsense\r\nContent-Length: 0\r\n\r\n'));
    expect(expectation.status).to.equal(417);
    expect(expectation.body.error.code).to.equal('expectation_failed');
    const huge = parse(await raw(`GET /things/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(huge.status).to.equal(431);
    expect(huge.body.error.code).to.equal('request_header_fields_too_large');
  });

  it('lets a client still sending a large body read the answer to a request the parser refused (lingering close)', async () => {
    const { port } = server.address() as AddressInfo;
    for (const start of ['POST /things/\u0080 HTTP/1.1\r\n', `POST /things/${'x'.repeat(20_000)} HTTP/1.1\r\n`]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString('latin1')));
        socket.on('error', (error) => reject(new Error(`${error.message} after ${JSON.stringify(data.slice(0, 80))}`)));
        socket.on('close', () => resolve(data));
        socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
        socket.write(`${start}Host: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${16 * 1024 * 1024}\r\n\r\n`, 'latin1');
        const chunk = Buffer.alloc(256 * 1024, 0x41);
        let sent = 0;
        const pump = () => {
          while (sent < 16 * 1024 * 1024) {
            sent += chunk.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
          socket.end();
        };
        pump();
      });
      expect(answer, start.slice(0, 30)).to.match(/^HTTP\/1\.1 4(00|31) /);
    }
  });

  it('answers readiness 503 with Retry-After when Temporal or the database is unreachable', async () => {
    const app = express();
    const down = { healthService: { check: async () => Promise.reject(new Error('unavailable')) } } as unknown as Connection;
    app.use(opsRouter(down));
    app.use(errorHandler);
    const ops = await listen(app);
    try {
      const reply = await call(`${ops.url}/readyz`);
      expect(reply.status).to.equal(503);
      expect(reply.body).to.include({ status: 'not_ready', temporal: false });
      expect(reply.headers.get('retry-after')).to.match(/^[1-9][0-9]*$/);
    } finally {
      await close(ops.server);
    }
  });
});
