import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { queryRowsPlanned } from '../../src/db/planned-query.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../support/test-database.ts';

// The dashboard's KPI reads go through queryRowsPlanned: on PGlite as prepared statements whose
// values are written into EXECUTE as literals, so every value must come back exactly as bound.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const read = (text: string, n: number, flag: boolean | null, at: Date) =>
  sql`SELECT ${text}::text AS text, length(${text}::text) AS len, ${n}::float8 AS n, ${flag}::boolean AS flag, ${at.toISOString()}::timestamptz AS at`;

describe(`queryRowsPlanned (${BACKEND})`, () => {
  it('answers every value as the bound query does, quotes, backslashes and placeholders included', async () => {
    const textArb = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom("'", "''", "\\'", "x'); DROP TABLE companies; --", '$1', 'E\'\\x00\'', '\u00e9\u{1F600}')).filter((s) => !s.includes('\0'));
    await fc.assert(
      fc.asyncProperty(textArb, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.option(fc.boolean()), fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), async (text, n, flag, at) => {
        const planned = await queryRowsPlanned(database.db, read(text, n, flag, at));
        expect(planned).toEqual(await queryRows(database.db, read(text, n, flag, at)));
        expect(planned[0]).toMatchObject({ text, n: Object.is(n, -0) ? 0 : n, flag });
      }),
      { numRuns: 150 },
    );
    const [tables] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'companies'`);
    expect(tables!.n).toBe(1);
  });

  it('refuses a value PostgreSQL cannot store as the bound query does', async () => {
    await expect(queryRowsPlanned(database.db, read('a\0b', 1, null, new Date()))).rejects.toThrow();
    expect(await queryRowsPlanned(database.db, read('after', 1, null, new Date()))).toMatchObject([{ text: 'after' }]);
  });

  it('reports a broken statement on every call, not once', async () => {
    for (let i = 0; i < 2; i++) await expect(queryRowsPlanned(database.db, sql`SELECT * FROM no_such_table WHERE id = ${'x'}`)).rejects.toThrow(/no_such_table/);
  });

  it.runIf(BACKEND === 'pglite')('on PGlite keeps one prepared statement per text, planned once, and at most 64', async () => {
    const statements = () => queryRows<{ statement: string; generic_plans: number }>(database.db, sql`SELECT statement, generic_plans::int FROM pg_prepared_statements`);
    for (let i = 0; i < 10; i++) await queryRowsPlanned(database.db, sql`SELECT ${`company ${i}`}::text AS c, 'once' AS kind`);
    const once = (await statements()).filter((s) => s.statement.includes("'once'"));
    expect(once).toHaveLength(1);
    expect(once[0]!.generic_plans).toBeGreaterThan(0);
    for (let i = 0; i < 80; i++) await queryRowsPlanned(database.db, sql`SELECT ${i}::int + ${i} AS n${sql.raw(String(i))}`);
    expect((await statements()).length).toBeLessThanOrEqual(64);
    expect(await queryRowsPlanned(database.db, sql`SELECT ${3}::int + ${3} AS n0`)).toEqual([{ n0: 6 }]);
  });
});
