// node bin/churn-saver.mjs <entry> [args…] runs dist/<entry>.js (e.g. `main`, `cli/demo`): every npm
// script runs the built JS production runs, never a TypeScript loader. In a checkout (src/ present),
// dist is rebuilt first when a source is newer than its output (after a pull or an edit), so a script
// never runs stale code; `npm ci` builds it once ahead (postinstall). In the image (no src/) dist is
// what the builder stage made. Plain JS: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node bin/churn-saver.mjs <entry under dist/, e.g. main or cli/demo> [args…]');
  process.exit(2);
}

/** Newest modification time (ms) of the files under dir that match, 0 when none. */
function newest(dir, match) {
  let latest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) latest = Math.max(latest, newest(path, match));
    else if (match(item.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/** True when a source under src/ has no output in dist/ or is newer than it (tsc's per-file output). */
function serverIsStale() {
  const stale = (dir) =>
    readdirSync(dir, { withFileTypes: true }).some((item) => {
      const path = join(dir, item.name);
      if (item.isDirectory()) return stale(path);
      if (!item.name.endsWith('.ts') || item.name.endsWith('.d.ts')) return false;
      const output = join(root, 'dist', relative(join(root, 'src'), path).replace(/\.ts$/, '.js'));
      return !existsSync(output) || statSync(output).mtimeMs < statSync(path).mtimeMs;
    });
  return stale(join(root, 'src'));
}

/** True when dist/server.js (the bundle of src/main.ts, scripts/bundle-server.mjs) is older than a source. */
function bundleIsStale() {
  const bundle = join(root, 'dist', 'server.js');
  return !existsSync(bundle) || statSync(bundle).mtimeMs < Math.max(newest(join(root, 'src'), (name) => name.endsWith('.ts')), statSync(join(root, 'scripts', 'bundle-server.mjs')).mtimeMs);
}

function webIsStale() {
  const index = join(root, 'dist', 'web', 'index.html');
  return existsSync(join(root, 'web')) && (!existsSync(index) || statSync(index).mtimeMs < newest(join(root, 'web'), () => true));
}

function run(what, command) {
  console.error(`churn-saver: building ${what} (sources changed since the last build) …`);
  const built = spawnSync(process.execPath, command, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) {
    console.error(`churn-saver: building ${what} failed (exit ${built.status}); fix the error above or run npm run build`);
    process.exit(1);
  }
}

async function ensureBuilt() {
  if (!existsSync(join(root, 'src'))) return;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const needsWeb = entry === 'main' && existsSync(vite);
  if (!serverIsStale() && !bundleIsStale() && !(needsWeb && webIsStale())) return;
  if (!existsSync(tsc)) {
    // A production install of a checkout (no dev dependencies): run what was built, if anything.
    if (existsSync(join(root, 'dist', `${entry}.js`))) return;
    if (entry === 'cli/postinstall') {
      console.log('churn-saver: not built (no TypeScript: production install); npm run build where dev dependencies are installed builds dist/');
      process.exit(0);
    }
    console.error('churn-saver: dist/ is not built and TypeScript is not installed: run npm ci (with dev dependencies), or npm run build');
    process.exit(1);
  }
  // Several scripts may start at once (web + worker): one builds, the others wait and re-check.
  const { default: lockfile } = await import('proper-lockfile');
  const release = await lockfile.lock(root, { lockfilePath: join(root, 'dist.build-lock'), realpath: false, stale: 120_000, retries: { retries: 240, minTimeout: 500, maxTimeout: 500 } });
  try {
    if (serverIsStale()) run('dist/ from src/', [tsc, '-p', 'tsconfig.build.json']);
    // After tsc (it writes dist/main.js too), the bundle and its entry dist/main.js are written again.
    if (bundleIsStale() || !readFileSync(join(root, 'dist', 'main.js'), 'utf8').includes('./server.js'))
      run('dist/server.js (the server, one file)', [join(root, 'scripts', 'bundle-server.mjs')]);
    if (needsWeb && webIsStale()) run('the dashboard (dist/web)', [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
  } finally {
    await release();
  }
}

await ensureBuilt();
const target = join(root, 'dist', `${entry}.js`);
if (!existsSync(target)) {
  console.error(`churn-saver: ${relative(process.cwd(), target) || target} does not exist (unknown entry ${entry})`);
  process.exit(2);
}
// The entry reads its arguments as if it had been started directly: node dist/<entry>.js args…
process.argv = [process.argv[0], target, ...args];
await import(pathToFileURL(target).href);
