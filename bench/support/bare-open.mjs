// The bare limit of start to healthy and of memory: plain node opening the same database our
// service opens (PGlite folder, from BARE_TEMPLATE when given and the folder is new; or PostgreSQL),
// one SELECT 1, then "ready" and idle until SIGTERM. Plain JS: no TypeScript loader in the figure.
// BARE_SHARED_BUFFERS: the shared_buffers our service passes PGlite (start-memory.ts sets it), so
// the memory ratio compares our process with PGlite as we configure it.
import { readFileSync } from 'node:fs';

let close;
if (process.env.BARE_DATABASE_URL) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: process.env.BARE_DATABASE_URL, max: 10 });
  await pool.query('SELECT 1');
  close = () => pool.end();
} else {
  const { PGlite } = await import('@electric-sql/pglite');
  const template = process.env.BARE_TEMPLATE ? new Blob([readFileSync(process.env.BARE_TEMPLATE)]) : undefined;
  const startParams = process.env.BARE_SHARED_BUFFERS ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${process.env.BARE_SHARED_BUFFERS}`] } : {};
  const db = await PGlite.create(process.env.BARE_DATA_DIR, { ...startParams, ...(template ? { loadDataDir: template } : {}) });
  await db.query('SELECT 1');
  close = () => db.close();
}
console.log('ready');
setInterval(() => {}, 1 << 30); // PGlite holds no handle: stay up like a server until SIGTERM
process.on('SIGTERM', () => void close().then(() => process.exit(0)));
