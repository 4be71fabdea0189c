import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_ENCRYPTION_KEY } from './test-keys.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface SpawnedService {
  child: ChildProcess;
  /** http://localhost:port for web roles; undefined for workers. */
  url?: string;
  output: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `src/main.ts` as its own process, as npm start does, and waits until it says it runs. */
/** `startTimeoutMs`: how long it may take to say so (90 s: a start took over 30 s on a loaded 2-core machine; start-up time is a benchmark figure, not a test's). */
export async function spawnService(env: Record<string, string>, args: string[] = [], options: { startTimeoutMs?: number } = {}): Promise<SpawnedService> {
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in ${startTimeoutMs / 1000} s:\n${output}`)), startTimeoutMs);
    const onData = () => {
      const web = output.match(/: (http:\/\/[^\s]+)\n/);
      if (web || /worker running/.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(web?.[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`service exited with ${code} before starting:\n${output}`)));
  });
  // A process that never said it runs is killed, not left behind for the rest of the suite.
  const url = await started.catch((error: unknown) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      // A process that does not drain within 20 s is killed: a stuck one must not outlive its test.
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
