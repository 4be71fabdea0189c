import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TEST_ENCRYPTION_KEY } from '../../test/support/test-keys.ts';
import { sleep, startProcess, type Proc } from '../support/figures.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COUNTER = fileURLToPath(new URL('../support/count-statements.ts', import.meta.url));

/** src/main.ts under tsx (as the other benches run it) with the statement counter loaded. */
export function startCountedService(env: Record<string, string>, args: string[], statementsFile: string): Proc {
  return startProcess(process.execPath, ['--import', 'tsx', '--import', COUNTER, join(ROOT, 'src/main.ts'), ...args], {
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test', LOG_LEVEL: 'warn', BENCH_STATEMENTS_FILE: statementsFile, ...env,
  }, ROOT);
}

/** Statements the counted process has sent so far. */
export async function statementsOf(proc: Proc, file: string): Promise<number> {
  proc.child.kill('SIGUSR2');
  await sleep(150);
  return Number(readFileSync(file, 'utf8'));
}

/** Commits on one database so far (every statement outside BEGIN is a commit of its own). */
export async function commitsOf(client: pg.Client, database: string): Promise<number> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = $1', [database]);
  return Number(rows[0]!.n);
}
