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

/** BENCH_STATEMENT_DETAIL=1: the statements the counted processes sent most, per unit of work (the profile's first question). */
export function printStatementDetail(files: string[], per: number, unit: string): void {
  if (process.env.BENCH_STATEMENT_DETAIL !== '1') return;
  const totals = new Map<string, { n: number; ms: number }>();
  for (const file of files) {
    for (const [text, n, each] of JSON.parse(readFileSync(`${file}.detail.json`, 'utf8')) as [string, number, string][]) {
      const t = totals.get(text) ?? { n: 0, ms: 0 };
      totals.set(text, { n: t.n + n, ms: t.ms + n * Number.parseFloat(each) });
    }
  }
  console.log(`  statements per ${unit} (since start-up, top 15), and each one's mean time from sending to its answer:`);
  for (const [text, { n, ms }] of [...totals].sort((a, b) => b[1].n - a[1].n).slice(0, 15)) console.log(`    ${(n / per).toFixed(2).padStart(6)}  ${(ms / n).toFixed(2).padStart(7)} ms  ${text}`);
}
