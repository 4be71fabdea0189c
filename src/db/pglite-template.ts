import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The package's exports hide package.json; its folder is found from the module's own path.
const pgliteRoot = resolve(dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))), '..');
const pgliteVersion: string = JSON.parse(readFileSync(join(pgliteRoot, 'package.json'), 'utf8')).version;

/**
 * A freshly initialised, empty PGlite data folder, packed. PGlite's initdb takes ~3 s under WASM;
 * unpacking this takes under 1 s, which keeps a newcomer's first `npm start` fast. It holds
 * nothing of ours (no schema, no data): migrations still run on it. Made by `npm ci` (postinstall),
 * keyed by the PGlite version so an upgrade makes a new one.
 */
export const PGLITE_TEMPLATE_PATH = join(PROJECT_ROOT, 'node_modules', '.cache', 'churn-saver', `pglite-${pgliteVersion}-initdb.tar.gz`);

export function readPgliteTemplate(): Blob | undefined {
  return existsSync(PGLITE_TEMPLATE_PATH) ? new Blob([readFileSync(PGLITE_TEMPLATE_PATH)]) : undefined;
}

/** Runs PGlite's initdb in memory and packs the result. Returns false when it exists already. */
export async function writePgliteTemplate(): Promise<boolean> {
  if (existsSync(PGLITE_TEMPLATE_PATH)) return false;
  const pglite = await PGlite.create();
  const packed = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
  await pglite.close();
  mkdirSync(dirname(PGLITE_TEMPLATE_PATH), { recursive: true });
  // Write then rename, so a concurrent start never reads half a file.
  const partial = `${PGLITE_TEMPLATE_PATH}.${process.pid}.partial`;
  writeFileSync(partial, packed);
  renameSync(partial, PGLITE_TEMPLATE_PATH);
  return true;
}
