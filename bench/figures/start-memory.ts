import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGLITE_SHARED_BUFFERS } from '../../src/db/client.ts';
import { PGLITE_TEMPLATE_PATH } from '../../src/db/pglite-template.ts';
import { TEST_ENCRYPTION_KEY } from '../../test/support/test-keys.ts';
import { createBenchDatabase } from '../support/bench-database.ts';
import { sized, sleep, startProcess, treeRss, until, type Figure } from '../support/figures.ts';
import { ROOT } from './service.ts';

const BARE = fileURLToPath(new URL('../support/bare-open.mjs', import.meta.url));
const MB = 1024 * 1024;

// Start to healthy and memory, on the production path: `node dist/main.js` (npm run start:prod, the
// image's CMD; built JS, no npm or tsx wrapper), spawn to the first /api/health 200; memory is the
// process tree's RSS 1 s after that. Bare limit: plain node opening the same database (bare-open.mjs).
// EMBEDDED_LOW_MEMORY=false passes on to the service (V8's defaults, for a before/after).
export async function measureStartAndMemory(): Promise<Figure[]> {
  if (!existsSync(join(ROOT, 'dist/main.js')) || statSync(join(ROOT, 'dist/main.js')).mtimeMs < statSync(join(ROOT, 'src/main.ts')).mtimeMs) {
    throw new Error('dist/ is missing or older than src/: run npm run build (the figures are of the built service)');
  }
  const repeats = sized(1, 3);
  const dirs: string[] = [];
  const db = await createBenchDatabase('churn_bench_start');
  const env = { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: '0', HOSTNAME: '127.0.0.1', RECONCILE_ON_START: 'false', WEBHOOK_SECRET: 'ws_' + '0'.repeat(64), ...(process.env.EMBEDDED_LOW_MEMORY ? { EMBEDDED_LOW_MEMORY: process.env.EMBEDDED_LOW_MEMORY } : {}) };
  const ours = async (extra: Record<string, string>) => {
    const started = performance.now();
    const proc = startProcess(process.execPath, ['dist/main.js'], { ...env, ...extra }, ROOT);
    try {
      const [, url] = await proc.waitFor(/: (http:\/\/\S+)\n/, 120_000);
      await until(() => fetch(`${url}/api/health`).then((r) => r.status === 200, () => false), 60_000, '/api/health 200', 20);
      const ms = performance.now() - started;
      await sleep(1000);
      return { ms, rss: treeRss(proc.child.pid!) };
    } finally {
      await proc.stop();
    }
  };
  const bare = async (extra: Record<string, string>) => {
    const started = performance.now();
    const proc = startProcess(process.execPath, [BARE], { BARE_SHARED_BUFFERS: PGLITE_SHARED_BUFFERS, ...extra }, ROOT);
    try {
      await proc.waitFor(/ready/, 60_000);
      const ms = performance.now() - started;
      await sleep(1000);
      return { ms, rss: treeRss(proc.child.pid!) };
    } finally {
      await proc.stop();
    }
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const runs = { fresh: [] as number[], restart: [] as number[], pg: [] as number[], bareFresh: [] as number[], bareRestart: [] as number[], barePg: [] as number[] };
  let rss = { embedded: 0, pg: 0, bareEmbedded: 0, barePg: 0 };
  try {
    await ours({ DATABASE_URL: db.url }); // migrates the PostgreSQL database once: the timed starts find it up to date
    for (let i = 0; i < repeats; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'churn-bench-start-'));
      const bareDir = mkdtempSync(join(tmpdir(), 'churn-bench-bare-'));
      dirs.push(dir, bareDir);
      runs.fresh.push((await ours({ DATA_DIR: dir })).ms);
      const restart = await ours({ DATA_DIR: dir });
      runs.restart.push(restart.ms);
      const pg = await ours({ DATABASE_URL: db.url });
      runs.pg.push(pg.ms);
      runs.bareFresh.push((await bare({ BARE_DATA_DIR: join(bareDir, 'pglite'), ...(existsSync(PGLITE_TEMPLATE_PATH) ? { BARE_TEMPLATE: PGLITE_TEMPLATE_PATH } : {}) })).ms);
      const bareRestart = await bare({ BARE_DATA_DIR: join(dir, 'pglite') });
      runs.bareRestart.push(bareRestart.ms);
      const barePg = await bare({ BARE_DATABASE_URL: db.url });
      runs.barePg.push(barePg.ms);
      rss = { embedded: restart.rss, pg: pg.rss, bareEmbedded: bareRestart.rss, barePg: barePg.rss };
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
  const detail = `median of ${repeats}; spawn of node dist/main.js to the first /api/health 200; bare: node opening the same database + SELECT 1`;
  return [
    { name: 'start to healthy, embedded fresh (ms)', ours: median(runs.fresh), bare: median(runs.bareFresh), unit: 'ms', higherIsBetter: false, target: '< 1,500 ms', detail },
    { name: 'start to healthy, embedded restart (ms)', ours: median(runs.restart), bare: median(runs.bareRestart), unit: 'ms', higherIsBetter: false, target: '< 1,000 ms' },
    { name: 'start to healthy, PostgreSQL (ms)', ours: median(runs.pg), bare: median(runs.barePg), unit: 'ms', higherIsBetter: false },
    { name: 'memory after start, embedded (MB RSS, tree)', ours: rss.embedded / MB, bare: rss.bareEmbedded / MB, unit: 'MB', higherIsBetter: false, target: '< 200 MB' },
    { name: 'memory after start, PostgreSQL (MB RSS, tree)', ours: rss.pg / MB, bare: rss.barePg / MB, unit: 'MB', higherIsBetter: false, target: '< 200 MB' },
  ];
}
