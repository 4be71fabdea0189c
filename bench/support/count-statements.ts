import { writeFileSync } from 'node:fs';
import pg from 'pg';

// Loaded with --import into a service process the bench spawns: counts every statement the process
// sends (drizzle, pg-boss, raw pg all end in Client#query) and, on SIGUSR2, writes the count to
// BENCH_STATEMENTS_FILE (and, per statement text, to <file>.detail.json: what a profile reads),
// so the bench reads statements per event/nudge without pg_stat_statements.
let statements = 0;
const byText = new Map<string, number>();
/** Milliseconds from sending to the answer, per statement text (a round trip plus the server's work). */
const msByText = new Map<string, number>();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  const first = args[0] as string | { text?: string } | undefined;
  const text = (typeof first === 'string' ? first : first?.text ?? '?').replace(/\s+/g, ' ').trim().slice(0, 90);
  byText.set(text, (byText.get(text) ?? 0) + 1);
  const sent = performance.now();
  const took = () => void msByText.set(text, (msByText.get(text) ?? 0) + performance.now() - sent);
  // pg.Pool passes a callback; a bare client.query(text) returns a promise.
  const last = args.length - 1;
  const callback = typeof args[last] === 'function' ? (args[last] as (...a: unknown[]) => unknown) : undefined;
  if (callback) args[last] = (...a: unknown[]) => (took(), callback(...a));
  const out = (original as (...a: unknown[]) => unknown).apply(this, args);
  if (!callback && out && typeof (out as Promise<unknown>).then === 'function') (out as Promise<unknown>).then(took, took);
  return out;
} as typeof original;
process.on('SIGUSR2', () => {
  writeFileSync(process.env.BENCH_STATEMENTS_FILE!, String(statements));
  writeFileSync(`${process.env.BENCH_STATEMENTS_FILE}.detail.json`, JSON.stringify([...byText].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([text, n]) => [text, n, `${((msByText.get(text) ?? 0) / n).toFixed(2)} ms each`]), null, 1));
});
