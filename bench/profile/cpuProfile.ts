/**
 * Where a Node process's CPU goes, from V8 CPU profiles (`node --cpu-prof`, one file per
 * thread: the worker's main thread and its workflow threads): self time by what ran it
 * (a package, a file of ours, Node's internals, the garbage collector), counted only for
 * samples inside a time window — V8's sample clock is the monotonic clock that
 * `process.hrtime` reads, so a window taken here cuts the process's start-up (the workflow
 * bundle) out of the figures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const root = path.resolve(__dirname, '..', '..');

/** Monotonic now, µs, on V8's profile clock. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

function category(frame: ProfileNode['callFrame']): string | undefined {
  const { functionName, url } = frame;
  if (functionName === '(idle)') return undefined;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return '(program: native code outside JS)';
  if (functionName === '(root)') return '(root)';
  const file = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (pkg) return pkg[1];
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  if (/workflow-bundle|webpack|^\/?workflow/.test(file)) return `workflow bundle (${file.split('/').pop()})`;
  if (file.startsWith(root)) return path.relative(root, file);
  return file ? `other: ${file.split('/').slice(-2).join('/')}` : `(native: ${functionName || 'anonymous'})`;
}

export interface CpuProfileSummary {
  /** Non-idle self time in the window, ms, per thread (file name). */
  threads: { file: string; ms: number }[];
  byCategory: Map<string, number>;
  totalMs: number;
}

/** `pid`: only that process's profiles (Node names them `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`). */
export function summarizeCpuProfiles(dir: string, window: { startUs: number; endUs: number }, pid?: number): CpuProfileSummary {
  const byCategory = new Map<string, number>();
  const threads: { file: string; ms: number }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && (pid === undefined || f.split('.')[3] === String(pid)))) {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    const cat = new Map<number, string | undefined>(profile.nodes.map((n) => [n.id, category(n.callFrame)]));
    let t = profile.startTime;
    let threadMs = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i];
      // A sample stands for the interval up to the next one.
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      if (t < window.startUs || t > window.endUs) continue;
      const c = cat.get(profile.samples[i]);
      if (!c) continue;
      byCategory.set(c, (byCategory.get(c) ?? 0) + dt);
      threadMs += dt;
    }
    threads.push({ file, ms: threadMs });
  }
  return { threads, byCategory, totalMs: threads.reduce((s, x) => s + x.ms, 0) };
}

/** The `top` categories of a summary, one line each: ms per unit of work and share of the total. */
export function topCategoryLines(summary: CpuProfileSummary, units: number, top: number): string[] {
  return [...summary.byCategory]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([c, ms]) => `  ${c.slice(0, 60).padEnd(60)} ${(ms / Math.max(1, units)).toFixed(2).padStart(7)} ms  ${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)} %`);
}
