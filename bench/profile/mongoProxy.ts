/**
 * A counting proxy for the MongoDB wire protocol (bench only): put between a
 * process and FerretDB (its MONGODB_URI points here), it forwards every byte
 * unchanged and counts each command by name and collection, with the time from
 * request to reply. So the database round trips of a decision can be counted
 * without touching the product's code. It adds a localhost hop per command: use
 * it for counting, not for timing a phase.
 */
import net from 'node:net';

export interface CommandStat {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** Handshakes and monitoring: not part of a request's work. */
export const housekeeping = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'buildinfo', 'endSessions', 'saslStart', 'saslContinue', 'getParameter']);

const OP_MSG = 2013;
const OP_QUERY = 2004;

/** Splits a byte stream into whole wire messages. */
function messageReader(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (length < 16 || pending.length < length) break;
      onMessage(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

/** The command's name and, when it names one, its collection (the first element of the command document). */
function commandOf(message: Buffer): { name: string; collection: string } | undefined {
  const opCode = message.readInt32LE(12);
  let doc: number | undefined;
  if (opCode === OP_MSG) {
    const flags = message.readUInt32LE(16);
    const end = message.length - (flags & 1 ? 4 : 0);
    for (let pos = 20; pos < end; ) {
      const kind = message[pos];
      if (kind === 0) {
        doc = pos + 1;
        break;
      }
      pos += 1 + message.readInt32LE(pos + 1); // kind 1: a document sequence, skipped
    }
  } else if (opCode === OP_QUERY) {
    const nameEnd = message.indexOf(0, 20);
    doc = nameEnd + 1 + 8;
  }
  if (doc === undefined || doc + 5 > message.length) return undefined;
  const type = message[doc + 4];
  const nameEnd = message.indexOf(0, doc + 5);
  const name = message.toString('utf8', doc + 5, nameEnd);
  let collection = '';
  if (type === 0x02) {
    const length = message.readInt32LE(nameEnd + 1);
    collection = message.toString('utf8', nameEnd + 5, nameEnd + 4 + length);
  }
  return { name, collection };
}

export class MongoCommandCounter {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** By "command collection". */
  stats = new Map<string, CommandStat>();
  connections = 0;

  constructor(private readonly upstream: { host: string; port: number }) {}

  /** Listens on a free local port; returns it. */
  async listen(): Promise<number> {
    this.server = net.createServer((client) => this.relay(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  reset(): void {
    this.stats = new Map();
    this.connections = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private relay(client: net.Socket): void {
    this.connections++;
    const server = net.connect(this.upstream);
    this.sockets.add(client).add(server);
    const inFlight = new Map<number, { key: string; t0: number }>();
    client.on(
      'data',
      messageReader((message) => {
        const command = commandOf(message);
        if (command) inFlight.set(message.readInt32LE(4), { key: `${command.name} ${command.collection}`.trim(), t0: performance.now() });
      }),
    );
    server.on(
      'data',
      messageReader((message) => {
        const request = inFlight.get(message.readInt32LE(8));
        if (!request) return;
        inFlight.delete(message.readInt32LE(8));
        const ms = performance.now() - request.t0;
        const stat = this.stats.get(request.key) ?? { count: 0, totalMs: 0, maxMs: 0 };
        stat.count++;
        stat.totalMs += ms;
        stat.maxMs = Math.max(stat.maxMs, ms);
        this.stats.set(request.key, stat);
      }),
    );
    client.pipe(server);
    server.pipe(client);
    const end = () => {
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  }
}
