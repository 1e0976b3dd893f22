/** Child processes of the embedded stack: started, watched for readiness, stopped in order. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface Managed {
  name: string;
  child: ChildProcess;
  stop(): Promise<void>;
  /** Resolves when the process has exited (however it ended). */
  exited: Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  // Last resort when the parent dies without stopping: never leave servers behind.
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a process whose output goes to `<logDir>/<name>.log` (servers can be
 * chatty, and their logs are for operators, not the terminal).
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions & { logDir: string; onLine?: (line: string) => void },
): Managed {
  mkdirSync(options.logDir, { recursive: true });
  const log = createWriteStream(path.join(options.logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    if (!options.onLine) return;
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      log.end();
      resolve();
    });
  });
  return {
    name,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves when `check` passes; rejects with the hint when the deadline passes or the process dies. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs?: number; process?: Managed; logHint?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (opts.process && (opts.process.child.exitCode !== null || opts.process.child.signalCode !== null)) {
      throw new Error(`${what} exited before it was ready${opts.logHint ? ` (see ${opts.logHint})` : ''}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready in time${opts.logHint ? ` (see ${opts.logHint})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function assertPortFree(port: number, what: string): Promise<void> {
  if (await canConnect(port)) {
    throw new Error(`port ${port} for ${what} is already in use (another \`npm start\`?); stop it or set the port variables`);
  }
}
