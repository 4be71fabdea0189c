import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Query parameters whose values are logged; any other value (a search that may be an email, a token) is not. */
const LOGGED_QUERY_PARAMS = new Set(['window', 'status', 'from', 'to', 'sort', 'limit']);

/**
 * The url as logged: the path, and the query with the values of parameters outside the list above
 * replaced (`?q=[redacted]`, `/api/unsubscribe?token=[redacted]`).
 */
export function urlForLog(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const parts: string[] = [];
  for (const [name, value] of new URLSearchParams(url.slice(start + 1)))
    parts.push(`${encodeURIComponent(name)}=${LOGGED_QUERY_PARAMS.has(name) ? encodeURIComponent(value) : '[redacted]'}`);
  return `${url.slice(0, start)}?${parts.join('&')}`;
}

/** Who a request was from, once authentication named them (plugins/auth.ts): an operator id or a Whop user id. */
const requestUsers = new WeakMap<FastifyRequest, string>();

export function setLogUserId(request: FastifyRequest, userId: string): void {
  requestUsers.set(request, userId);
}

/**
 * One log line per request with the deployment guide's fields (method, url, statusCode,
 * duration, userAgent, ip, and userId when the request was authenticated), instead of Fastify's
 * pair of incoming/completed lines. userId is an id (operator uuid, Whop user_…), never an email.
 * Headers are never logged, so signatures and tokens cannot leak through here.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const failed = Boolean(error) || reply.statusCode >= 500;
    // Below the level nothing is written: skip building the line (LOG_LEVEL=warn on a busy intake).
    if ((request.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(failed ? 'error' : 'info') === false) return;
    const fields = {
      method: request.method,
      url: urlForLog(request.url),
      statusCode: reply.statusCode,
      duration: Math.round(reply.elapsedTime * 100) / 100,
      userAgent: request.headers['user-agent'],
      ip: request.ip,
      ...(requestUsers.has(request) ? { userId: requestUsers.get(request) } : {}),
    };
    if (failed) request.log.error({ ...fields, err: error }, 'request failed');
    else request.log.info(fields, 'request completed');
  }
}
