import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
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

/** The template a new data folder starts from: the migrated one of the current migrations, or the initdb one, or none. */
export function freshDatabaseTemplate(): { path: string; migrated: boolean } | undefined {
  const migrated = migratedTemplatePath();
  if (existsSync(migrated)) return { path: migrated, migrated: true };
  return existsSync(PGLITE_TEMPLATE_PATH) ? { path: PGLITE_TEMPLATE_PATH, migrated: false } : undefined;
}

/**
 * Writes a template (a tar from dumpDataDir, gzipped or not) into an empty data folder with plain
 * file writes, as PGlite would unpack it with loadDataDir but without passing the 43 MB through its
 * WASM file system (~0.5 s of a fresh start, and the blob held in memory after). PG_VERSION, which
 * makes the folder a database, is written last: a start stopped half way finds none and unpacks
 * again over the same files. Returns false, having written nothing, when the archive holds an entry
 * other than a plain file or folder: the caller then lets PGlite unpack it.
 */
export async function unpackTemplate(archivePath: string, folder: string): Promise<boolean> {
  let archive = await readFile(archivePath);
  if (archive[0] === 0x1f && archive[1] === 0x8b) archive = gunzipSync(archive);
  const entries: { path: string; directory: boolean; data: Buffer }[] = [];
  for (let at = 0; at + 512 <= archive.length; ) {
    const header = archive.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break; // end of archive
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = [field(257, 6).startsWith('ustar') ? field(345, 155) : '', field(0, 100)].filter(Boolean).join('/');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const path = name.split('/').filter((part) => part !== '' && part !== '.');
    if (Number.isNaN(size) || path.length === 0 || path.includes('..') || !['', '0', '5'].includes(type)) return false;
    entries.push({ path: join(folder, ...path), directory: type === '5', data: archive.subarray(at + 512, at + 512 + size) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  const version = entries.find((entry) => entry.path === join(folder, 'PG_VERSION'));
  if (!version) return false;
  for (const entry of entries) mkdirSync(entry.directory ? entry.path : dirname(entry.path), { recursive: true });
  // ~1,300 files: written a few at a time on libuv's threads while the service's modules load.
  const files = entries.filter((entry) => !entry.directory && entry !== version);
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let file = files.pop(); file; file = files.pop()) await writeFile(file.path, file.data);
  }));
  await writeFile(version.path, version.data);
  return true;
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
