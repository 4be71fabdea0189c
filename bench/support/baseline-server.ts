import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

// The floor we compare against: bare node:http, one HMAC check, one INSERT, no framework.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query('CREATE TABLE IF NOT EXISTS baseline_events (id bigserial PRIMARY KEY, webhook_id text UNIQUE, body text)');
const key = Buffer.from(process.env.WEBHOOK_SECRET!, 'utf8');

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const id = String(req.headers['webhook-id']);
    const expected = createHmac('sha256', key).update(`${id}.${req.headers['webhook-timestamp']}.${body}`).digest();
    const given = Buffer.from(String(req.headers['webhook-signature']).split(',')[1] ?? '', 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    try {
      await pool.query('INSERT INTO baseline_events (webhook_id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, body]);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    } catch {
      res.writeHead(503).end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`baseline: http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
