// Alternating start-up figures of two or more builds, for before/after comparisons on a shared,
// loaded machine (the load moves both alike): node bench/support/start-ab.mjs ROUNDS ROOT_A ROOT_B…
// Each ROOT is a checkout layout with dist/, node_modules, migrations/ and docs/ (e.g. a copy of
// main's dist/ with symlinks to this checkout's node_modules, migrations and docs). Per round and
// root: embedded fresh (a new DATA_DIR), embedded restart (the same), PostgreSQL (a database made
// for the run on 127.0.0.1:5432, psql on PATH); spawn of `node dist/main.js` to the first
// /api/health 200, as bench/figures/start-memory.ts measures it, plus the process tree's CPU time
// (user + system) at that moment and its RSS 1 s later. MODES=fresh,restart,pg picks; NODE_ARGS adds
// node flags (e.g. --cpu-prof). Prints medians; asserts nothing.
import { spawn, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
const [rounds, ...roots] = process.argv.slice(2);
const modes = (process.env.MODES ?? 'fresh,restart,pg').split(',');
const DB = 'churn_bundle_ab';
execSync(`psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" -c "CREATE DATABASE ${DB}"`);
const dbUrl = `postgres://postgres@127.0.0.1:5432/${DB}`;
const env = { ...process.env, ENCRYPTION_KEY: 'dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE=', NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: '0', HOSTNAME: '127.0.0.1', RECONCILE_ON_START: 'false', WEBHOOK_SECRET: 'ws_' + '0'.repeat(64) };
function treeStats(pid) {
  const parents = new Map();
  for (const e of readdirSync('/proc')) { if (!/^\d+$/.test(e)) continue; try { const s = readFileSync(`/proc/${e}/stat`, 'utf8'); const pp = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]); parents.set(pp, [...(parents.get(pp) ?? []), Number(e)]); } catch {} }
  let rss = 0, cpu = 0; const st = [pid];
  while (st.length) { const p = st.pop(); try { const kb = readFileSync(`/proc/${p}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/); rss += kb ? Number(kb[1]) * 1024 : 0; const s = readFileSync(`/proc/${p}/stat`, 'utf8').slice(readFileSync(`/proc/${p}/stat`, 'utf8').lastIndexOf(')') + 2).split(' '); cpu += (Number(s[11]) + Number(s[12])) * 10; } catch {} st.push(...(parents.get(p) ?? [])); }
  return { rss, cpu };
}
async function start(root, extra) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(process.env.NODE_ARGS ? process.env.NODE_ARGS.split(' ') : []), 'dist/main.js'], { cwd: root, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise((res, rej) => { child.stdout.on('data', (d) => { out += d; const m = out.match(/: (http:\/\/\S+)\n/); if (m) res(m[1]); }); child.on('exit', (c) => rej(new Error(`exit ${c}: ${err}`))); });
  for (;;) { const ok = await fetch(`${url}/api/health`).then((r) => r.status === 200, () => false); if (ok) break; await new Promise((r) => setTimeout(r, 20)); }
  const ms = performance.now() - t0; const cpu = treeStats(child.pid).cpu;
  await new Promise((r) => setTimeout(r, 1000));
  const rss = treeStats(child.pid).rss;
  const exited = new Promise((r) => child.on('exit', r)); child.kill('SIGTERM'); await exited;
  if (process.env.SHOW_ERR && err) console.error(err);
  return { ms, cpu, rss: rss / 1048576 };
}
const res = {};
const dirs = [];
for (const root of roots) await start(root, { DATABASE_URL: dbUrl }); // migrate pg once
for (let i = 0; i < Number(rounds); i++) {
  for (const root of (i % 2 ? [...roots].reverse() : roots)) {
    const dir = mkdtempSync(join(tmpdir(), 'churn-ab-')); dirs.push(dir);
    for (const mode of modes) {
      const r = mode === 'pg' ? await start(root, { DATABASE_URL: dbUrl }) : await start(root, { DATA_DIR: dir });
      ((res[root] ??= {})[mode] ??= []).push(r);
    }
  }
}
for (const d of dirs) rmSync(d, { recursive: true, force: true });
execSync(`psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)"`);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`rounds ${rounds}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const root of roots) for (const mode of modes) { const rs = res[root][mode]; console.log(`${root.padEnd(28)} ${mode.padEnd(8)} wall ${med(rs.map((r) => r.ms)).toFixed(0).padStart(5)} ms  cpu ${med(rs.map((r) => r.cpu)).toFixed(0).padStart(5)} ms  rss ${med(rs.map((r) => r.rss)).toFixed(0)} MB   [walls ${rs.map((r) => r.ms.toFixed(0)).join(',')}]`); }
