/**
 * The embedded development stack: PostgreSQL (a private cluster) → FerretDB
 * (MongoDB wire) and the Temporal dev server, all under DATA_DIR, started only
 * for what TEMPORAL_ADDRESS / MONGODB_URI do not already provide.
 *
 * Each server it starts has a handle (`stack.servers`) that can kill it and
 * start it again on the same data and port: PostgreSQL on its cluster, the
 * Temporal dev server on its SQLite file, FerretDB (stateless) on the same
 * PostgreSQL. Crash tests use them; `npm start` only stops them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { asNonRoot, ferretdbBinary, postgresBinaries, temporalBinary } from './binaries';
import { assertPortFree, canConnect, startProcess, waitFor, type Managed } from './processes';
import { tuneFerretDb } from './tuneFerretDb';
import { spawnSync } from 'node:child_process';

export interface StackOptions {
  dataDir: string;
  temporalAddress?: string;
  mongodbUri?: string;
  ports?: Partial<{ postgres: number; mongo: number; temporal: number; temporalUi: number }>;
  /** Tests: no UI, no fsync (the servers are not what a test crashes). */
  ephemeral?: boolean;
  /** No Temporal UI (implied by `ephemeral`); crash tests want durable servers without a UI. */
  headless?: boolean;
  /**
   * PostgreSQL waits for each commit's WAL flush (`synchronous_commit=on`). Off by default:
   * a commit returns once its WAL is in PostgreSQL's buffers and the WAL writer flushes
   * within ~0.6 s (3 × wal_writer_delay), so a crash of PostgreSQL itself or of the
   * operating system may lose the last fraction of a second of commits (never
   * consistency); a crash of anything else loses nothing. Tests that kill PostgreSQL set it.
   */
  synchronousCommit?: boolean;
  /** The codec endpoint the Temporal UI decodes payloads through (the API's `/codec`). */
  uiCodecEndpoint?: string;
}

export type ServerName = 'postgres' | 'ferretdb' | 'temporal';

/** One server the stack started. */
export interface ServerHandle {
  readonly name: ServerName;
  /** The process id while it runs. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends `signal` (default SIGKILL: a crash, no shutdown) and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same data and port; resolves when it serves. */
  restart(): Promise<void>;
  /** Stops it gracefully (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface Stack {
  temporalAddress: string;
  temporalUiUrl?: string;
  mongodbUri: string;
  logDir: string;
  /** The servers this stack started (none for what TEMPORAL_ADDRESS / MONGODB_URI provide). */
  servers: Partial<Record<ServerName, ServerHandle>>;
  stop(): Promise<void>;
}

import { defaultPorts } from './ports';
export { defaultPorts };

/** Flags measured to remove the dev server's ~40 ms per-task dispatch wait (README "The embedded stack"). */
const temporalLatencyFlags = [
  'history.transferProcessorMaxPollRPS=10000',
  'history.timerProcessorMaxPollRPS=10000',
  'history.visibilityProcessorMaxPollRPS=10000',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
].flatMap((value) => ['--dynamic-config-value', value]);

export async function startStack(options: StackOptions): Promise<Stack> {
  const ports = { ...defaultPorts, ...options.ports };
  const dataDir = path.resolve(options.dataDir);
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ephemeral = options.ephemeral ?? false;
  const headless = ephemeral || (options.headless ?? false);
  const servers: Stack['servers'] = {};
  const started: ServerHandle[] = [];
  const stop = async () => {
    for (const server of [...started].reverse()) await server.stop();
  };
  const launch = async (name: ServerName, start: () => Promise<Managed>, retryWhileStarting = false) => {
    const server = await serverHandle(name, start, retryWhileStarting);
    servers[name] = server;
    started.push(server);
  };

  try {
    let mongodbUri = options.mongodbUri;
    if (!mongodbUri) {
      const pgUrl = `postgres://postgres@127.0.0.1:${ports.postgres}/ferretdb`;
      initPostgres(dataDir);
      // After a crash, PostgreSQL refuses to start until the old server's backends are gone: retry.
      const synchronousCommit = !ephemeral && (options.synchronousCommit ?? false);
      await launch('postgres', () => startPostgres(dataDir, ports.postgres, logDir, ephemeral, synchronousCommit), true);
      mongodbUri = `mongodb://127.0.0.1:${ports.mongo}/fraud`;
      await launch('ferretdb', () => startFerretDb(pgUrl, ports.mongo, logDir));
      await tuneFerretDb(mongodbUri, pgUrl);
    }
    let temporalAddress = options.temporalAddress;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      temporalAddress = `127.0.0.1:${ports.temporal}`;
      const ui = headless ? undefined : { port: ports.temporalUi, codecEndpoint: options.uiCodecEndpoint };
      await launch('temporal', () => startTemporal(dataDir, ports.temporal, ui, logDir));
      if (!headless) temporalUiUrl = `http://localhost:${ports.temporalUi}`;
    }
    return { temporalAddress, temporalUiUrl, mongodbUri, logDir, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A server that can be killed and started again; `start` spawns it and resolves when it is ready. */
async function serverHandle(name: ServerName, start: () => Promise<Managed>, retryWhileStarting: boolean): Promise<ServerHandle> {
  let current = await start();
  const alive = () => current.child.exitCode === null && current.child.signalCode === null;
  return {
    name,
    get pid() {
      return alive() ? current.child.pid : undefined;
    },
    get running() {
      return alive();
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!alive()) return;
      current.child.kill(signal);
      await current.exited;
    },
    async restart() {
      if (alive()) throw new Error(`${name} is running; kill or stop it first`);
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          current = await start();
          return;
        } catch (error) {
          if (!retryWhileStarting || Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    stop: () => current.stop(),
  };
}

function initPostgres(dataDir: string): void {
  const pgData = path.join(dataDir, 'postgres');
  if (existsSync(path.join(pgData, 'PG_VERSION'))) return;
  const { initdb } = postgresBinaries();
  const [cmd, args] = asNonRoot(initdb, ['-D', pgData, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions']);
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.stdout}`);
}

async function startPostgres(dataDir: string, port: number, logDir: string, ephemeral: boolean, synchronousCommit: boolean): Promise<Managed> {
  const { postgres } = postgresBinaries();
  const pgData = path.join(dataDir, 'postgres');
  await assertPortFree(port, 'PostgreSQL');
  const settings = [
    `port=${port}`,
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    // FerretDB prepares statements with the field name as a parameter; generic
    // plans cannot use the GIN expression indexes, custom plans can (1–2 ms vs 40 ms).
    'plan_cache_mode=force_custom_plan',
    'max_connections=200',
    'shared_buffers=256MB',
    ...(ephemeral ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ].flatMap((s) => ['-c', s]);
  const [cmd, args] = asNonRoot(postgres, ['-D', pgData, ...settings]);
  const proc = startProcess('postgres', cmd, args, { logDir });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(
    'PostgreSQL',
    async () => {
      const client = new PgClient({ connectionString: url });
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'ferretdb'");
        if (exists.rowCount === 0) await client.query('CREATE DATABASE ferretdb');
        if (!ephemeral) {
          // StackOptions.synchronousCommit (what a crash can lose without it). Set in postgresql.auto.conf, not on
          // the command line, so a benchmark can compare both on one server (bench:decision's sync-commit variant).
          await client.query(`ALTER SYSTEM SET synchronous_commit = ${synchronousCommit ? 'on' : 'off'}`);
          await client.query('SELECT pg_reload_conf()');
        }
      } finally {
        await client.end();
      }
      return true;
    },
    { process: proc, logHint: path.join(logDir, 'postgres.log') },
  ).catch(async (error) => {
    await proc.stop();
    throw error;
  });
  return proc;
}

async function startFerretDb(pgUrl: string, port: number, logDir: string): Promise<Managed> {
  const binary = ferretdbBinary();
  await assertPortFree(port, 'FerretDB');
  const proc = startProcess('ferretdb', binary, ['-listen', `127.0.0.1:${port}`, '-postgresql-url', pgUrl], { logDir });
  await waitFor('FerretDB', () => canConnect(port), { process: proc, logHint: path.join(logDir, 'ferretdb.log') }).catch(async (error) => {
    await proc.stop();
    throw error;
  });
  return proc;
}

async function startTemporal(dataDir: string, port: number, ui: { port: number; codecEndpoint?: string } | undefined, logDir: string): Promise<Managed> {
  const binary = temporalBinary();
  await assertPortFree(port, 'Temporal');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(dataDir, 'temporal.db'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'warn',
    // WAL with synchronous=NORMAL: a killed server loses nothing (the WAL is in
    // the OS cache); only a power cut can lose the last transactions. Halves
    // every decision's latency against the default rollback journal.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...(ui ? ['--ui-port', String(ui.port)] : ['--headless']),
    ...(ui?.codecEndpoint ? ['--ui-codec-endpoint', ui.codecEndpoint] : []),
    ...temporalLatencyFlags,
  ];
  const proc = startProcess('temporal', binary, args, { logDir });
  const address = `127.0.0.1:${port}`;
  await waitFor(
    'Temporal',
    async () => {
      const result = spawnSync(binary, ['operator', 'cluster', 'health', '--address', address], { encoding: 'utf8' });
      return result.status === 0 && /SERVING/.test(result.stdout);
    },
    { process: proc, logHint: path.join(logDir, 'temporal.log'), timeoutMs: 120_000 },
  ).catch(async (error) => {
    await proc.stop();
    throw error;
  });
  return proc;
}
