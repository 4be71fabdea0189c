import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * The embedded PGlite folder belongs to one process: two writers corrupt it. The lock is
 * proper-lockfile's (an atomic mkdir of DATA_DIR/pglite.lock whose mtime the holder refreshes, released
 * on exit): a lock nobody refreshed for STALE_MS is stale, also across hosts and containers sharing a
 * volume. Beside it, pglite.owner names the holder, so a refusal says who holds the folder, and a
 * lock whose owner ran on this host and no longer exists (killed with SIGKILL) is taken over at once.
 */
const STALE_MS = 60_000;
const UPDATE_MS = 15_000;

export interface DataDirOwner {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirOwner | null,
  ) {
    const who = owner ? `process ${owner.pid} (${owner.command}) on ${owner.hostname} since ${owner.since}` : 'another process';
    super(
      `The embedded database in ${dataDir} is in use by ${who}. It belongs to one process at a time: ` +
        'stop that process first (or give this one its own DATA_DIR, or set DATABASE_URL to share a PostgreSQL database). Nothing was changed.',
    );
    this.name = 'DataDirLockedError';
  }
}

/** What a person recognises: `npm run admin:create (node …/dist/cli/admin-create.js)`. */
function describeThisProcess(): string {
  const script = process.argv.slice(1).join(' ');
  const npmScript = process.env.npm_lifecycle_event;
  return npmScript && npmScript !== 'npx' ? `npm run ${npmScript}: node ${script}` : `node ${script}`;
}

function readOwner(file: string): DataDirOwner | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DataDirOwner;
  } catch {
    return null;
  }
}

function isGone(owner: DataDirOwner | null): boolean {
  if (!owner || owner.hostname !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Takes the folder for this process's life; throws DataDirLockedError at once when another holds it. Returns the release. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, 'pglite.lock');
  const ownerPath = join(dataDir, 'pglite.owner');
  const options = {
    lockfilePath: lockPath,
    realpath: false,
    stale: STALE_MS,
    update: UPDATE_MS,
    retries: 0,
    onCompromised: (error: Error) => {
      // Another process took the folder (our lock went unrefreshed past STALE_MS): stop before writing more.
      console.error(`churn-saver: lost the lock on ${dataDir} (${error.message}); stopping so two processes never write it`);
      process.exit(1);
    },
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = readOwner(ownerPath);
    if (!isGone(owner)) throw new DataDirLockedError(dataDir, owner);
    // Its holder was killed before it could release (SIGKILL, a crash of the machine's power aside).
    rmSync(lockPath, { recursive: true, force: true });
    try {
      release = await lockfile.lock(dataDir, options);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirLockedError(dataDir, readOwner(ownerPath));
      throw again;
    }
  }
  const me: DataDirOwner = { pid: process.pid, hostname: hostname(), command: describeThisProcess(), since: new Date().toISOString() };
  writeFileSync(ownerPath, `${JSON.stringify(me)}\n`);
  return async () => {
    rmSync(ownerPath, { force: true });
    await release().catch(() => {});
  };
}
