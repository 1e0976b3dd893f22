/** Starts our own processes (API, worker) as children that report readiness over IPC. */
import { fork } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface Service {
  name: string;
  pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves when the process exits (for crash tests). */
  exited: Promise<number | null>;
}

const root = path.resolve(__dirname, '..');

export async function startService(
  name: string,
  entry: 'api/main.ts' | 'worker/main.ts',
  env: NodeJS.ProcessEnv,
  options: { logDir: string; echo?: boolean; timeoutMs?: number },
): Promise<Service> {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(path.join(options.logDir, `${name}.log`), { flags: 'a' });
  // SERVICE_FROM_DIST=1: the product's processes run from the production build (`npm run build`), as the
  // image runs them (`node dist/…`, the prebuilt workflow bundle), e.g. to measure their memory in a benchmark.
  const built = path.join(root, 'dist', entry.replace(/\.ts$/, '.js'));
  const fromDist = process.env.SERVICE_FROM_DIST === '1' && existsSync(built);
  const child = fork(fromDist ? built : path.join(root, entry), [], {
    cwd: root,
    env: { ...process.env, ...env },
    // SERVICE_NODE_ARGS: extra Node flags for our processes (e.g. --cpu-prof when profiling a benchmark).
    execArgv: [
      ...(fromDist ? [] : ['--import', 'tsx']),
      ...(process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...((entry === 'api/main.ts' ? process.env.API_NODE_ARGS : undefined)?.split(' ').filter(Boolean) ?? []),
    ],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  if (options.echo) child.stderr?.pipe(process.stderr, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const onParentExit = () => child.kill('SIGKILL');
  process.once('exit', onParentExit);
  void exited.then(() => {
    process.removeListener('exit', onParentExit);
    log.end();
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in time (see ${options.logDir}/${name}.log)`)), options.timeoutMs ?? 120_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} while starting (see ${options.logDir}/${name}.log)`));
    });
  });

  return {
    name,
    pid: child.pid!,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
