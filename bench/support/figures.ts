import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** BENCH_SIZE=tiny (whole `npm run bench` under a minute) or full (the issue's sizes, minutes). */
export const SIZE = (process.env.BENCH_SIZE ?? 'full') === 'tiny' ? 'tiny' : 'full';
export const sized = <T>(tiny: T, full: T): T => (SIZE === 'tiny' ? tiny : full);

export interface Figure {
  name: string;
  ours: number;
  bare: number;
  unit: string;
  /** true when more is better (throughput); false for times and memory. */
  higherIsBetter: boolean;
  target?: string;
  detail?: string;
}

/** ours ÷ bare for throughput, bare ÷ ours for times and memory: 1.00 is the bare limit, lower is further from it. */
export const ratioOf = (f: Figure): number => (f.higherIsBetter ? f.ours / f.bare : f.bare / f.ours);

export function printFigure(f: Figure): void {
  const load = loadavg()[0]!.toFixed(1);
  console.log(
    `${f.name.padEnd(44)} ratio ${ratioOf(f).toFixed(2).padStart(5)}   ours ${fmt(f.ours)} ${f.unit}   bare ${fmt(f.bare)} ${f.unit}` +
      `${f.target ? `   target ${f.target}` : ''}   load ${load}${f.detail ? `\n${' '.repeat(46)}${f.detail}` : ''}`,
  );
}
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export async function p95Of(runs: number, warmups: number, run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmups + runs; i++) {
    const t = performance.now();
    await run();
    if (i >= warmups) times.push(performance.now() - t);
  }
  return percentile(times, 0.95);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startProcess(command: string, args: string[], env: Record<string, string | undefined>, cwd?: string): Proc {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d;
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const check = () => {
          const m = output.match(pattern);
          if (m) done(undefined, m);
        };
        const done = (error?: Error, m?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(m!);
        };
        listeners.add(check);
        void exited.then((code) => done(new Error(`exited with ${code} before ${pattern}:\n${output}`)));
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resident memory (bytes) of a process and all its descendants, from /proc. */
export function treeRss(pid: number): number {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      const kb = readFileSync(`/proc/${p}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
      total += kb ? Number(kb[1]) * 1024 : 0;
    } catch {}
    stack.push(...(parents.get(p) ?? []));
  }
  return total;
}
