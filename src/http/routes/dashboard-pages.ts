import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const WEB_DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'dist', 'web');

/** Whop shows the dashboard in an iframe: only Whop's origins may frame these pages. */
export const WHOP_FRAME_ANCESTORS = ["'self'", 'https://whop.com', 'https://*.whop.com'];

/**
 * The React dashboard (built by `npm run build:web` into dist/web): assets, and index.html for
 * every client route. Dashboard pages get a CSP that allows framing by Whop only.
 */
export async function dashboardPages(app: FastifyInstance): Promise<void> {
  const indexPath = join(WEB_DIST, 'index.html');
  const hasBuild = existsSync(indexPath);
  if (hasBuild) await app.register(fastifyStatic, { root: join(WEB_DIST, 'assets'), prefix: '/assets/', immutable: true, maxAge: '365d' });
  const frameable = `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors ${WHOP_FRAME_ANCESTORS.join(' ')}; base-uri 'self'; form-action 'self'; object-src 'none'`;
  const page = (frame: boolean) => async (_request: unknown, reply: import('fastify').FastifyReply) => {
    if (!hasBuild) return reply.code(503).type('text/plain').send('The dashboard is not built: run `npm run build:web` (npm ci does it).');
    reply.header('content-security-policy', frame ? frameable : frameable.replace(/frame-ancestors [^;]+/, "frame-ancestors 'none'"));
    if (frame) reply.removeHeader('x-frame-options');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(readFileSync(indexPath));
  };
  app.get('/dashboard/*', page(true));
  app.get('/admin', page(false));
  app.get('/admin/*', page(false));
  app.get('/login', page(false));
}
