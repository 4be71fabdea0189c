import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { listMigrations, migrate } from './migrate.ts';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The package's exports hide package.json; its folder is found from the module's own path.
const pgliteRoot = resolve(dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))), '..');
const pgliteVersion: string = JSON.parse(readFileSync(join(pgliteRoot, 'package.json'), 'utf8')).version;
const pgBossRoot = resolve(dirname(fileURLToPath(import.meta.resolve('pg-boss'))), '..');
const pgBossVersion: string = JSON.parse(readFileSync(join(pgBossRoot, 'package.json'), 'utf8')).version;
const CACHE = join(PROJECT_ROOT, 'node_modules', '.cache', 'churn-saver');

/**
 * A freshly initialised, empty PGlite data folder, packed. PGlite's initdb takes ~3 s under WASM;
 * unpacking this takes under 1 s. It holds nothing of ours (no schema, no data): `db:verify` builds
 * its reference schema on it. Made by `npm ci` (postinstall), keyed by the PGlite version.
 */
export const PGLITE_TEMPLATE_PATH = join(CACHE, `pglite-${pgliteVersion}-initdb.tar.gz`);

/**
 * The same folder with every migration applied and pg-boss' schema and our queues created (schema
 * only: migrations hold no data and no secret, the lookup-hash key is made at the first start). A
 * fresh embedded start unpacks it instead of running the migrations and pg-boss' install (~0.5 s and
 * ~1 s, more on a loaded machine). Keyed by the PGlite and pg-boss versions and the migrations'
 * checksums: after a pull that adds a migration, the key no longer matches, a first start falls back
 * to the initdb template + migrations, and the next `npm ci` makes a new one.
 */
export function migratedTemplatePath(): string {
  const migrations = createHash('sha256').update([`pg-boss:${pgBossVersion}`, ...listMigrations().map((m) => `${m.name}:${m.checksum}`)].join('\n')).digest('hex').slice(0, 16);
  return join(CACHE, `pglite-${pgliteVersion}-migrated-${migrations}.tar`);
}

export function readPgliteTemplate(): Blob | undefined {
  return existsSync(PGLITE_TEMPLATE_PATH) ? new Blob([readFileSync(PGLITE_TEMPLATE_PATH)]) : undefined;
}

/** The migrated template of the current migrations, or the initdb one, or none. */
export function readFreshDatabaseTemplate(): { blob: Blob; migrated: boolean } | undefined {
  const migrated = migratedTemplatePath();
  if (existsSync(migrated)) return { blob: new Blob([readFileSync(migrated)]), migrated: true };
  const initdb = readPgliteTemplate();
  return initdb ? { blob: initdb, migrated: false } : undefined;
}

/** Makes the initdb template and the migrated template when missing. Returns the paths it wrote. */
export async function writePgliteTemplate(): Promise<string[]> {
  const written: string[] = [];
  if (!existsSync(PGLITE_TEMPLATE_PATH)) {
    const pglite = await PGlite.create();
    writeAtomically(PGLITE_TEMPLATE_PATH, Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer()));
    await pglite.close();
    written.push(PGLITE_TEMPLATE_PATH);
  }
  const migratedPath = migratedTemplatePath();
  if (!existsSync(migratedPath)) {
    const pglite = await PGlite.create({ loadDataDir: new Blob([readFileSync(PGLITE_TEMPLATE_PATH)]) });
    await migrate({
      query: async (text, params) => ({ rows: (await pglite.query(text, params)).rows as never[] }),
      exec: async (text) => void (await pglite.exec(text)),
    });
    // pg-boss installs its schema at its first start; a web start only sends, so this is all of it.
    // Imported here: client.ts imports this module, and a start must not wait for pg-boss to load before opening.
    const { startQueue } = await import('../worker/queue.ts');
    const boss = await startQueue({ kind: 'pglite', pglite }, { role: 'web' });
    await boss.stop({ graceful: false, close: false });
    // Uncompressed: a start reads it once, and skipping gunzip is part of the point.
    writeAtomically(migratedPath, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
    await pglite.close();
    written.push(migratedPath);
  }
  return written;
}

// Write then rename, so a concurrent start never reads half a file.
function writeAtomically(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}
