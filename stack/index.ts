/**
 * The embedded development stack: PostgreSQL (a private cluster) → FerretDB
 * (MongoDB wire) and the Temporal dev server, all under DATA_DIR, started only
 * for what TEMPORAL_ADDRESS / MONGODB_URI do not already provide.
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
}

export interface Stack {
  temporalAddress: string;
  temporalUiUrl?: string;
  mongodbUri: string;
  logDir: string;
  stop(): Promise<void>;
}

export const defaultPorts = { postgres: 54329, mongo: 27017, temporal: 7233, temporalUi: 8233 };

/** Flags measured to remove the dev server's ~40 ms per-task dispatch wait (see EMBEDDED-STACK.md). */
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
  const started: Managed[] = [];
  const stop = async () => {
    for (const proc of started.reverse()) await proc.stop();
  };

  try {
    let mongodbUri = options.mongodbUri;
    if (!mongodbUri) {
      const pgUrl = await startPostgres(dataDir, ports.postgres, logDir, started, options.ephemeral ?? false);
      mongodbUri = await startFerretDb(pgUrl, ports.mongo, logDir, started);
      await tuneFerretDb(mongodbUri, pgUrl);
    }
    let temporalAddress = options.temporalAddress;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      temporalAddress = await startTemporal(dataDir, ports.temporal, options.ephemeral ? undefined : ports.temporalUi, logDir, started);
      if (!options.ephemeral) temporalUiUrl = `http://localhost:${ports.temporalUi}`;
    }
    return { temporalAddress, temporalUiUrl, mongodbUri, logDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startPostgres(dataDir: string, port: number, logDir: string, started: Managed[], ephemeral: boolean): Promise<string> {
  const { initdb, postgres } = postgresBinaries();
  const pgData = path.join(dataDir, 'postgres');
  if (!existsSync(path.join(pgData, 'PG_VERSION'))) {
    const [cmd, args] = asNonRoot(initdb, ['-D', pgData, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions']);
    const result = spawnSync(cmd, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.stdout}`);
  }
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
  started.push(proc);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor(
    'PostgreSQL',
    async () => {
      const client = new PgClient({ connectionString: url });
      await client.connect();
      try {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'ferretdb'");
        if (exists.rowCount === 0) await client.query('CREATE DATABASE ferretdb');
      } finally {
        await client.end();
      }
      return true;
    },
    { process: proc, logHint: path.join(logDir, 'postgres.log') },
  );
  return `postgres://postgres@127.0.0.1:${port}/ferretdb`;
}

async function startFerretDb(pgUrl: string, port: number, logDir: string, started: Managed[]): Promise<string> {
  const binary = ferretdbBinary();
  await assertPortFree(port, 'FerretDB');
  const proc = startProcess('ferretdb', binary, ['-listen', `127.0.0.1:${port}`, '-postgresql-url', pgUrl], { logDir });
  started.push(proc);
  await waitFor('FerretDB', () => canConnect(port), { process: proc, logHint: path.join(logDir, 'ferretdb.log') });
  return `mongodb://127.0.0.1:${port}/fraud`;
}

async function startTemporal(
  dataDir: string,
  port: number,
  uiPort: number | undefined,
  logDir: string,
  started: Managed[],
): Promise<string> {
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
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    ...temporalLatencyFlags,
  ];
  const proc = startProcess('temporal', binary, args, { logDir });
  started.push(proc);
  const address = `127.0.0.1:${port}`;
  await waitFor(
    'Temporal',
    async () => {
      const result = spawnSync(binary, ['operator', 'cluster', 'health', '--address', address], { encoding: 'utf8' });
      return result.status === 0 && /SERVING/.test(result.stdout);
    },
    { process: proc, logHint: path.join(logDir, 'temporal.log'), timeoutMs: 120_000 },
  );
  return address;
}
