import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { freshDatabaseTemplate, migratedTemplatePath, unpackTemplate, writePgliteTemplate } from '../../src/db/pglite-template.ts';
import { QUEUES } from '../../src/worker/queue.ts';
import { BACKEND } from '../support/test-database.ts';

// A fresh embedded database starts from the template npm ci made with every migration applied:
// the first start runs no migration (the start-to-healthy figure of npm run bench).
describe.runIf(BACKEND === 'pglite')('embedded database template', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('a new data folder opens already migrated: migrate then applies nothing', async () => {
    await writePgliteTemplate(); // what postinstall ran; idempotent
    expect(existsSync(migratedTemplatePath())).toBe(true);
    expect(freshDatabaseTemplate()?.migrated).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'churn-template-'));
    dirs.push(dir);
    const database = await openDatabase({ dataDir: dir });
    try {
      const { rows } = await database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(listMigrations().length);
      const result = await database.withConnection((sql) => migrate(sql));
      expect(result.applied).toEqual([]);
      // pg-boss' schema and our queues too: the first start skips pg-boss' install.
      const queues = await database.sql.query<{ name: string }>('SELECT name FROM pgboss.queue ORDER BY name');
      expect(queues.rows.map((r) => r.name)).toEqual(Object.values(QUEUES).sort());
      // Schema only: no rows of anyone's, no lookup-hash key shared between installations.
      expect((await database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM encryption_settings')).rows[0]!.n).toBe(0);
      expect((await database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM recovery_cases')).rows[0]!.n).toBe(0);
    } finally {
      await database.close();
    }
  }, 120_000);

  it('a start stopped half way through unpacking (files, no PG_VERSION) unpacks again and opens migrated', async () => {
    await writePgliteTemplate();
    const dir = mkdtempSync(join(tmpdir(), 'churn-template-'));
    dirs.push(dir);
    // What an interrupted unpack leaves: some of the files, one of them cut short, never PG_VERSION.
    mkdirSync(join(dir, 'pglite', 'global'), { recursive: true });
    writeFileSync(join(dir, 'pglite', 'global', 'pg_control'), 'cut');
    writeFileSync(join(dir, 'pglite', 'postgresql.conf'), '');
    const database = await openDatabase({ dataDir: dir });
    try {
      const { rows } = await database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(listMigrations().length);
    } finally {
      await database.close();
    }
    expect(readFileSync(join(dir, 'pglite', 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
  }, 120_000);

  it('an archive with an entry that is not a plain file or folder is left to PGlite: nothing is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'churn-template-'));
    dirs.push(dir);
    const header = Buffer.alloc(512);
    header.write('PG_VERSION', 0);
    header.write('00000000000', 124); // size 0
    header.write('2', 156); // a symbolic link
    const archive = join(dir, 'link.tar');
    writeFileSync(archive, Buffer.concat([header, Buffer.alloc(1024)]));
    mkdirSync(join(dir, 'into'));
    expect(await unpackTemplate(archive, join(dir, 'into'))).toBe(false);
    expect(existsSync(join(dir, 'into', 'PG_VERSION'))).toBe(false);
  });
});
