/**
 * CPU time per process of the stack, from /proc (Linux): utime + stime of every
 * process this bench started (the Temporal server, FerretDB, PostgreSQL and its
 * backends, the worker, the API, the floor worker) and of the bench itself, and
 * the machine's own busy time, so other load on the box shows.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The roles a process of ours plays; `bench` is this process (load generator and the floor's client). */
export type Role = 'worker' | 'documents worker' | 'api' | 'floor worker' | 'temporal' | 'ferretdb' | 'postgres' | 'bench';
export const roles: Role[] = ['worker', 'documents worker', 'api', 'floor worker', 'temporal', 'ferretdb', 'postgres', 'bench'];

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, ms. */
  cpuMs: number;
  /** cutime + cstime (reaped children), ms. */
  childrenMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    // Fields after the command: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
    const f = raw.slice(close + 2).split(' ');
    const ms = (ticks: string) => (Number(ticks) * 1000) / ticksPerSecond;
    return { pid, ppid: Number(f[1]), comm, cpuMs: ms(f[11]) + ms(f[12]), childrenMs: ms(f[13]) + ms(f[14]) };
  } catch {
    return undefined; // gone
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function classify(stat: ProcStat, named: ReadonlyMap<number, Role>): Role | undefined {
  const given = named.get(stat.pid);
  if (given) return given;
  const cmd = cmdline(stat.pid);
  if (cmd.includes('bench/floor/worker.ts')) return 'floor worker';
  if (cmd.includes('worker/main.ts')) return 'worker';
  if (cmd.includes('api/main.ts')) return 'api';
  if (stat.comm === 'temporal' || /\/temporal\s+server\b/.test(cmd)) return 'temporal';
  if (/ferretdb/i.test(stat.comm) || /ferretdb/i.test(cmd.split(' ')[0] ?? '')) return 'ferretdb';
  if (stat.comm === 'postgres' || /\/postgres\s/.test(cmd)) return 'postgres';
  return undefined;
}

/**
 * The processes under this one, by role (a role's descendants count for it: PostgreSQL's backends).
 * `named` gives some processes their role outright (the two workers run the same entry point).
 */
export function processesByRole(named: ReadonlyMap<number, Role> = new Map()): Map<Role, number[]> {
  const all: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) all.push(stat);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out = new Map<Role, number[]>([['bench', [process.pid]]]);
  const walk = (pid: number, inherited: Role | undefined) => {
    for (const child of children.get(pid) ?? []) {
      const role = inherited ?? classify(child, named);
      if (role) out.set(role, [...(out.get(role) ?? []), child.pid]);
      walk(child.pid, role);
    }
  };
  walk(process.pid, undefined);
  return out;
}

export interface CpuSnapshot {
  at: number;
  /** CPU ms per role since each process started (PostgreSQL's exited backends included). */
  byRole: Map<Role, number>;
  /** The machine: busy and total jiffies in ms, all cores. */
  machine: { busyMs: number; totalMs: number };
}

export function cpuSnapshot(named?: ReadonlyMap<number, Role>): CpuSnapshot {
  const byRole = new Map<Role, number>();
  const pids = processesByRole(named);
  for (const [role, list] of pids) {
    let ms = 0;
    for (const pid of list) {
      const s = readStat(pid);
      if (!s) continue;
      ms += s.cpuMs;
      // The postmaster reaps its backends: their time lands in its cutime/cstime.
      if (role === 'postgres' && s.comm === 'postgres' && !pids.get('postgres')!.includes(s.ppid)) ms += s.childrenMs;
    }
    byRole.set(role, ms);
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const toMs = (ticks: number) => (ticks * 1000) / ticksPerSecond;
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  return { at: performance.now(), byRole, machine: { busyMs: toMs(total - idle), totalMs: toMs(total) } };
}

export interface CpuDelta {
  wallMs: number;
  byRole: Map<Role, number>;
  /** Busy ms of the whole machine (all cores) and its core count. */
  machineBusyMs: number;
  machineTotalMs: number;
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuDelta {
  const byRole = new Map<Role, number>();
  for (const [role, ms] of after.byRole) byRole.set(role, Math.max(0, ms - (before.byRole.get(role) ?? 0)));
  return {
    wallMs: after.at - before.at,
    byRole,
    machineBusyMs: after.machine.busyMs - before.machine.busyMs,
    machineTotalMs: after.machine.totalMs - before.machine.totalMs,
  };
}

/** CPU ms per unit of work (a case, an upload) by role, in `roles` order; roles that used none left out. */
export function perUnit(byRole: ReadonlyMap<Role, number>, units: number): Map<Role, number> {
  return new Map(roles.filter((r) => (byRole.get(r) ?? 0) > 0).map((r) => [r, byRole.get(r)! / Math.max(1, units)] as const));
}

/** Resident memory of a process (bytes): now, and its peak since it started. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
