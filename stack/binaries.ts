/**
 * Finds or builds the development servers' binaries, once, into a cache outside
 * the repository (`$FRAUD_ENGINE_CACHE`, else `$XDG_CACHE_HOME/fraud-engine`,
 * else `~/.cache/fraud-engine`), and reuses them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const ferretSource = path.join(__dirname, 'ferretdb');
const s3Source = path.join(__dirname, 's3');

export function cacheDir(): string {
  const base = process.env.FRAUD_ENGINE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'fraud-engine');
  return base;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function goBinary(): string | undefined {
  return onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

function needGo(what: string, alternative: string): never {
  throw new Error(
    `cannot build ${what}: Go is not installed. Install Go ≥ 1.24 (https://go.dev/dl/ or \`apt-get install golang\`), ` +
      `or ${alternative}.`,
  );
}

function build(what: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): void {
  const go = goBinary() ?? needGo(what, 'see README');
  process.stderr.write(`building ${what} (once; cached in ${cacheDir()}) ...\n`);
  const result = spawnSync(go, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`building ${what} failed (go ${args.join(' ')})`);
}

/** The Temporal CLI (its `server start-dev` is the dev server): on PATH, cached, or built. */
export function temporalBinary(): string {
  const cached = path.join(cacheDir(), 'bin', 'temporal');
  if (existsSync(cached)) return cached;
  const found = onPath('temporal');
  if (found) return found;
  if (!goBinary()) needGo('the Temporal dev server', 'put the `temporal` CLI on PATH, or set TEMPORAL_ADDRESS to a running server');
  mkdirSync(path.dirname(cached), { recursive: true });
  build('the Temporal CLI ' + TEMPORAL_CLI_VERSION, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    GOBIN: path.dirname(cached),
  });
  return cached;
}

/** FerretDB (MongoDB wire on PostgreSQL) from our own main module in stack/ferretdb; rebuilt when its source changes. */
export function ferretdbBinary(): string {
  const found = onPath('ferretdb-embedded');
  if (found) return found;
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(path.join(ferretSource, file)));
  const cached = path.join(cacheDir(), 'bin', `ferretdb-embedded-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(cached)) return cached;
  if (!goBinary()) needGo('FerretDB', 'put a `ferretdb-embedded` binary on PATH, or set MONGODB_URI to a running MongoDB');
  build('FerretDB v1.24.2', ['build', '-trimpath', '-o', cached, '.'], {}, ferretSource);
  return cached;
}

/** An S3-protocol server in memory (gofakes3) from our main module in stack/s3, for the S3 blob store's tests; rebuilt when its source changes. */
export function s3Binary(): string {
  const found = onPath('s3-embedded');
  if (found) return found;
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(path.join(s3Source, file)));
  const cached = path.join(cacheDir(), 'bin', `s3-embedded-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(cached)) return cached;
  if (!goBinary()) needGo('the test S3 server', 'put an `s3-embedded` binary on PATH');
  build('the test S3 server (gofakes3)', ['build', '-trimpath', '-o', cached, '.'], {}, s3Source);
  return cached;
}

/** PostgreSQL's server programs (Debian puts them in /usr/lib/postgresql/<major>/bin). */
export function postgresBinaries(): { initdb: string; postgres: string } {
  const dirs: string[] = [];
  const initdbOnPath = onPath('initdb');
  if (initdbOnPath) dirs.push(path.dirname(initdbOnPath));
  if (existsSync('/usr/lib/postgresql')) {
    const majors = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    dirs.push(...majors.map((m) => `/usr/lib/postgresql/${m}/bin`));
  }
  for (const dir of dirs) {
    const initdb = path.join(dir, 'initdb');
    const postgres = path.join(dir, 'postgres');
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres };
  }
  throw new Error(
    'PostgreSQL server not found (FerretDB stores its data in it). Install it with `apt-get install postgresql`, ' +
      'or set MONGODB_URI to a running MongoDB.',
  );
}

/** PostgreSQL refuses to run as root; a user namespace makes it see uid 1000 while files stay root's. */
export function asNonRoot(command: string, args: string[]): [string, string[]] {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return [command, args];
  return ['unshare', ['--user', '--map-user=1000', '--map-group=1000', command, ...args]];
}

export function version(binary: string): string {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
