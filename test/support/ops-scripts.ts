import { execFile, execFileSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCRIPTS_DIR = join(REPO_ROOT, 'scripts');

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunScriptOptions {
  /** Exactly the variables the script sees besides PATH and HOME (no inherited DATABASE_URL or Slack URL). */
  env?: Record<string, string>;
  /** Folders put before PATH, where fake commands live. */
  pathPrefix?: string[];
  cwd?: string;
  timeoutMs?: number;
}

/** Runs scripts/<name> as an operator would; never throws on a non-zero exit. */
export function runScript(name: string, args: string[], options: RunScriptOptions = {}): Promise<ScriptResult> {
  const env = {
    PATH: [...(options.pathPrefix ?? []), process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    HOME: process.env.HOME ?? '/tmp',
    ...options.env,
  };
  return new Promise((resolve) => {
    execFile(join(SCRIPTS_DIR, name), args, { env, cwd: options.cwd ?? REPO_ROOT, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes an executable shell script `name` into `dir` (a fake aws, npm, …). */
export async function writeFakeCommand(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** A local HTTP server that answers `status` with `body` and keeps every request (Slack, /api/health). */
export async function startRecordingServer(answer: { status?: number; body?: string } = {}) {
  const requests: { method: string; url: string; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', body });
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(answer.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
