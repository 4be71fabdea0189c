import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One log line per request with the deployment guide's fields (method, url, statusCode,
 * duration, userAgent, ip), instead of Fastify's pair of incoming/completed lines.
 * Headers are never logged, so signatures and tokens cannot leak through here.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      duration: Math.round(reply.elapsedTime * 100) / 100,
      userAgent: request.headers['user-agent'],
      ip: request.ip,
    };
    if (error || reply.statusCode >= 500) request.log.error({ ...fields, err: error }, 'request failed');
    else request.log.info(fields, 'request completed');
  }
}
