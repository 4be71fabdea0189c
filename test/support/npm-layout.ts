import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A clean checkout's layout in a temp folder: the files git tracks (no data/, no .env), this
 * checkout's node_modules (as npm ci left them) and its dist/ with their timestamps, so the launcher
 * rebuilds only what a stale build would.
 */
export function cleanCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'churn-saver-checkout-'));
  const tracked = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (tracked.status !== 0) throw new Error(`git ls-files failed: ${tracked.stderr}`);
  for (const file of tracked.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file), { preserveTimestamps: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (existsSync(join(ROOT, 'dist'))) cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true, preserveTimestamps: true });
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface NpmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface NpmProcess {
  child: ChildProcess;
  output(): string;
  /** Waits until the output matches (or the process exits: rejects with its output). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends the signal (to npm, or with group to the whole process group as a terminal's Ctrl-C does) and resolves the exit code. */
  stop(signal?: NodeJS.Signals, group?: boolean): Promise<number | null>;
}

function npmArgs(script: string, args: string[]): string[] {
  return ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])];
}

function baseEnv(env: Record<string, string | undefined>): Record<string, string> {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...clean };
}

/** Starts `npm run <script> -- args` in cwd with only the given environment (plus PATH and HOME). */
export function startNpm(cwd: string, script: string, args: string[] = [], env: Record<string, string | undefined> = {}): NpmProcess {
  const child = spawn('npm', npmArgs(script, args), { cwd, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`npm run ${script}: no ${pattern} in ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (match) finish(undefined, match);
        };
        const onExit = (code: number | null) => finish(new Error(`npm run ${script} exited with ${code} before ${pattern}:\n${output}`));
        function finish(error?: Error, match?: RegExpMatchArray) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve(match!);
        }
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', group = false) {
      if (child.exitCode === null && child.signalCode === null) {
        if (group) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000))]);
      if (code === 'timeout') {
        process.kill(-child.pid!, 'SIGKILL');
        throw new Error(`npm run ${script} did not stop on ${signal}:\n${output}`);
      }
      return code;
    },
  };
}

/** Runs `npm run <script> -- args` to its end. */
export async function runNpm(cwd: string, script: string, args: string[] = [], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<NpmResult> {
  const child = spawn('npm', npmArgs(script, args), { cwd, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`npm run ${script} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
