import { writeFileSync } from 'node:fs';
import pg from 'pg';

// Loaded with --import into a service process the bench spawns: counts every statement the process
// sends (drizzle, pg-boss, raw pg all end in Client#query) and, on SIGUSR2, writes the count to
// BENCH_STATEMENTS_FILE, so the bench reads statements per event/nudge without pg_stat_statements.
let statements = 0;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof original;
process.on('SIGUSR2', () => writeFileSync(process.env.BENCH_STATEMENTS_FILE!, String(statements)));
