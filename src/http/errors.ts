import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { reportError } from '../observability/sentry.ts';

/** The closed list of error codes this API answers with, and their statuses. */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_body: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  invalid_settings: 400,
  bad_gateway: 502,
  gateway_timeout: 504,
  unsupported_media_type: 415,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * What a refusal may add beside code and message: the service's `reason` when it says more than the
 * code, `problems` (field + message) for invalid settings, a retry hint. Never a stack, SQL or secret.
 */
export type ErrorDetail = { requestId?: string; reason?: string; problems?: readonly { field: string; message: string }[] } & Record<string, unknown>;

export interface ErrorBody {
  error: { code: ErrorCode; message: string } & ErrorDetail;
}

/** The one shape of every error answer: `{ error: { code, message, ...detail } }`. */
export function errorBody(code: ErrorCode, message: string, detail?: string | ErrorDetail): ErrorBody {
  const extra = typeof detail === 'string' ? (detail ? { requestId: detail } : {}) : (detail ?? {});
  return { error: { code, message, ...extra } };
}

/** Sends `errorBody(code, …)` with the status the table above gives the code. */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string, detail?: ErrorDetail): FastifyReply {
  return reply.code(ERROR_STATUS[code]).send(errorBody(code, message, detail));
}

/**
 * The one translator at the edge: framework errors become the closed list above; anything
 * unexpected is a 500 with a request id, its detail only in the logs (where the logger's error
 * serializer drops query parameters and driver details: they can hold member data) and Sentry
 * (when SENTRY_DSN is set; scrubbed the same way).
 * `notFoundPreHandler` runs before the 404 answer (the per-ip rate limit, so scanning counts).
 */
export function registerErrorHandling(
  app: FastifyInstance,
  options: { notFoundPreHandler?: preHandlerAsyncHookHandler; notFoundPage?: (request: FastifyRequest) => { html: Buffer; csp: string } | null } = {},
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413)
      return reply.code(413).send(errorBody('payload_too_large', `body exceeds the ${request.routeOptions.bodyLimit ?? 1048576}-byte limit`));
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return reply.code(415).send(errorBody('unsupported_media_type', `content-type ${request.headers['content-type'] ?? '(none)'} is not accepted here`));
    if (error.validation) return reply.code(400).send(errorBody('bad_request', describeValidation(error)));
    if (error.statusCode === 429) return reply.code(429).send(errorBody('rate_limited', error.message));
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      return reply.code(error.statusCode).send(errorBody('bad_request', error.message));
    request.log.error({ err: error }, 'unhandled error');
    reportError(error, { source: 'http', tags: { method: request.method, route: request.routeOptions.url ?? 'unknown' }, extra: { requestId: request.id } });
    return reply.code(500).send(errorBody('internal', 'internal error; quote the request id to the operator', request.id));
  });
  app.setNotFoundHandler(options.notFoundPreHandler ? { preHandler: options.notFoundPreHandler } : {}, (request, reply) => {
    // A person at a mistyped address gets the product's page (still a 404); API clients get JSON.
    const page = options.notFoundPage?.(request) ?? null;
    if (page) return reply.code(404).header('content-security-policy', page.csp).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page.html);
    return reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}

/** "querystring.limit: must be <= 200", "body: unknown field send_sms": the field, then the problem. */
function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const context = error.validationContext ?? 'request';
  const path = first.instancePath ? `${context}${first.instancePath.replace(/\//g, '.')}` : context;
  const params = first.params as { additionalProperty?: string; missingProperty?: string };
  if (params.additionalProperty) return `${path}: unknown field ${params.additionalProperty}`;
  if (params.missingProperty) return `${path}.${params.missingProperty}: is required`;
  return `${path}: ${first.message ?? 'is invalid'}`;
}
