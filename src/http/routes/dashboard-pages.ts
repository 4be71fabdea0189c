import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const WEB_DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'dist', 'web');
/** docs/metrics.md, which the overview's "How we count" links to (the image copies it too). */
export const METRICS_DOC = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'docs', 'metrics.md');

/** Whop shows the dashboard in an iframe: only Whop's origins may frame these pages. */
export const WHOP_FRAME_ANCESTORS = ["'self'", 'https://whop.com', 'https://*.whop.com'];

/** The SPA's policy: everything from our own origin, inline styles (the chart library sets them). */
function pageDirectives(frameAncestors: string[]) {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    frameAncestors,
    baseUri: ["'self'"],
    formAction: ["'self'"],
    objectSrc: ["'none'"],
  };
}

/**
 * Route-level helmet options, so the headers hold for every answer of these routes (the page, the
 * "not built" 503, an error) rather than only when the handler gets to set them.
 * Dashboard pages: CSP frame-ancestors Whop only and no X-Frame-Options (it cannot name an origin
 * list, and a browser that honours both would refuse Whop's frame). Elsewhere helmet's global
 * options stand: frame-ancestors 'none' and X-Frame-Options DENY.
 */
const FRAMED_BY_WHOP = { contentSecurityPolicy: { useDefaults: false, directives: pageDirectives(WHOP_FRAME_ANCESTORS) }, xFrameOptions: false } as const;
const NOT_FRAMED = { contentSecurityPolicy: { useDefaults: false, directives: pageDirectives(["'none'"]) } } as const;

/** pageDirectives as a header value, for answers that no route's helmet options cover (the 404 page). */
function policyHeader(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
    .join('; ');
}

/**
 * The product's own "page not found" for a person (a browser asking for HTML) at an unknown path:
 * the dashboard's index.html, whose router shows it in the app's layout. null when the dashboard
 * is not built, or the request is not a browser's page load: API clients keep their JSON 404.
 */
export function notFoundPage(request: { method: string; url: string; headers: { accept?: string | undefined } }): { html: Buffer; csp: string } | null {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || request.url.startsWith('/api/') || !request.headers.accept?.includes('text/html')) return null;
  const indexPath = join(WEB_DIST, 'index.html');
  if (!existsSync(indexPath)) return null;
  return { html: readFileSync(indexPath), csp: policyHeader(pageDirectives(["'none'"])) };
}

/**
 * The React dashboard (built by `npm run build:web` into dist/web): assets, and index.html for
 * every client route. Dashboard pages get a CSP that allows framing by Whop only.
 */
export async function dashboardPages(app: FastifyInstance): Promise<void> {
  const indexPath = join(WEB_DIST, 'index.html');
  const hasBuild = existsSync(indexPath);
  if (hasBuild) await app.register(fastifyStatic, { root: join(WEB_DIST, 'assets'), prefix: '/assets/', immutable: true, maxAge: '365d' });
  const page = async (_request: unknown, reply: FastifyReply) => {
    if (!hasBuild) return reply.code(503).type('text/plain').send('The dashboard is not built: run `npm run build:web` (npm ci does it).');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(readFileSync(indexPath));
  };
  app.get('/dashboard/*', { helmet: FRAMED_BY_WHOP }, page);
  app.get('/admin', { helmet: NOT_FRAMED }, page);
  app.get('/admin/*', { helmet: NOT_FRAMED }, page);
  app.get('/login', { helmet: NOT_FRAMED }, page);
  app.get('/docs/metrics.md', { helmet: FRAMED_BY_WHOP }, async (_request, reply) => {
    if (!existsSync(METRICS_DOC)) return reply.code(404).type('text/plain').send('docs/metrics.md is not installed');
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(readFileSync(METRICS_DOC));
  });
}
