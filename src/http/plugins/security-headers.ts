import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

declare module 'fastify' {
  interface RouteShorthandOptions {
    /** This route's helmet options, merged over the global ones; false sends none. */
    helmet?: HelmetOptions | false;
  }
  interface FastifyContextConfig {
    /** The headers computed from the route's `helmet` option (null: none). */
    securityHeaders?: [string, string][] | null;
  }
}

/** The headers helmet sets for these options. They depend on the options only, so they are computed once. */
export function helmetHeaders(options: HelmetOptions): [string, string][] {
  const headers: [string, string][] = [];
  const response = { setHeader: (name: string, value: unknown) => void headers.push([name.toLowerCase(), String(value)]), removeHeader: () => {} };
  helmet(options)({} as never, response as never, () => {});
  return headers;
}

/**
 * helmet's headers on every answer (errors and 404s included), a route's `helmet` option merged
 * over the global options as @fastify/helmet does. @fastify/helmet rebuilt helmet's middleware,
 * parsing the CSP directives, on every request (2 hooks); here each route's headers are computed
 * when the route is added and set in one synchronous hook.
 */
export function registerSecurityHeaders(app: FastifyInstance, global: HelmetOptions): void {
  const globalHeaders = helmetHeaders(global);
  app.addHook('onRoute', (route) => {
    if (route.helmet === undefined) return;
    const securityHeaders = route.helmet === false ? null : helmetHeaders({ ...global, ...route.helmet } as HelmetOptions);
    route.config = { ...route.config, securityHeaders };
  });
  app.addHook('onRequest', (request, reply, done) => {
    const own = request.routeOptions.config.securityHeaders;
    const headers = own === undefined ? globalHeaders : own;
    if (headers !== null) for (const [name, value] of headers) reply.header(name, value);
    done();
  });
}
