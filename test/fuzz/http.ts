/**
 * Sending fuzzed requests with a deadline: through Node's HTTP client (any
 * method, path bytes, header values and body it will put on the wire), or as
 * raw bytes on a socket for what no client sends (truncated and aborted bodies,
 * malformed request lines and headers, lying Content-Length).
 */
import http from 'node:http';
import net from 'node:net';

export interface FuzzRequest {
  method: string;
  /** Path and query exactly as sent (bytes 0x21–0xff; Node sends them as latin1). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}

/** Larger answers are cut (document bytes are the largest we fetch). */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

export function send(baseUrl: string, request: FuzzRequest, deadlineMs: number): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Keep-alive, as browsers and HTTP libraries do: a server that answers before reading a large body (401, 404)
    // then reads the rest off the wire. With `Connection: close` it closes instead, and the client, still writing,
    // gets a reset that can discard the answer (the raw HTTP property covers that case).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const req = http.request({ host: hostname, port, method: request.method, path: request.target, headers: request.headers, agent });
    const raw: Buffer[] = [];
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${deadlineMs} ms (a hang)`)), deadlineMs);
    const settle = () => {
      clearTimeout(timer);
      agent.destroy();
    };
    req.on('socket', (socket) => socket.on('data', (chunk: Buffer) => raw.push(chunk)));
    req.on('error', (error: Error & { code?: string; rawPacket?: Buffer }) => {
      settle();
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') {
        const early = parseRaw(Buffer.concat(raw));
        if (early.status !== undefined) return resolve({ status: early.status, headers: early.headers, body: early.body, ms: Date.now() - started });
      }
      // A parse error of the answer: show what came.
      if (error.rawPacket) error.message += `: ${JSON.stringify(error.rawPacket.toString('latin1').slice(0, 600))}`;
      reject(error);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      res.on('end', () => {
        settle();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: Date.now() - started });
      });
      res.on('error', (error) => {
        settle();
        reject(error);
      });
    });
    req.end(request.body);
  });
}

export interface RawExchange {
  /** Bytes written, in order. */
  chunks: Buffer[];
  /** What the client does after writing: half-close (FIN) once answered or after 250 ms, or reset the connection. */
  then: 'half-close' | 'destroy';
}

export interface RawAnswer {
  /** Undefined when the server closed without answering (e.g. after a reset, as it should). */
  status?: number;
  headers: Record<string, string>;
  body: Buffer;
  raw: Buffer;
  ms: number;
}

/** Writes raw bytes; reads whatever comes back until the server closes or the deadline passes. */
export function sendRaw(baseUrl: string, exchange: RawExchange, deadlineMs: number): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const received: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, deadlineMs);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined); // a reset by either side is an outcome, judged below
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(received);
      if (timedOut && exchange.then !== 'destroy') return reject(new Error(`the connection was still open after ${deadlineMs} ms (a hang); got ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`));
      resolve({ ...parseRaw(raw), raw, ms: Date.now() - started });
    });
    socket.on('connect', () => {
      for (const chunk of exchange.chunks) socket.write(chunk);
      // Half-close once the server has had a moment to answer what it could read (an answer cuts the wait short).
      if (exchange.then === 'half-close') {
        const halfClose = setTimeout(() => socket.end(), 250);
        socket.once('data', () => {
          clearTimeout(halfClose);
          socket.end();
        });
      }
      // A reset: give the server a moment to start reading, then vanish.
      if (exchange.then === 'destroy') setTimeout(() => socket.resetAndDestroy(), 20);
    });
  });
}

function parseRaw(raw: Buffer): Omit<RawAnswer, 'raw' | 'ms'> {
  const text = raw.toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!match) return { headers: {}, body: Buffer.alloc(0) };
  const end = text.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end < 0 ? undefined : end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  // The first answer only (keep-alive may bring a second for bytes past a declared length).
  let body = end < 0 ? Buffer.alloc(0) : raw.subarray(end + 4);
  const length = Number(headers['content-length']);
  if (Number.isInteger(length)) body = body.subarray(0, length);
  return { status: Number(match[1]), headers, body };
}
