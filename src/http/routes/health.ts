import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.ts';
import { checkHealth, type HealthDeps } from '../../services/check-health.ts';

export async function healthRoutes(app: FastifyInstance, deps: { health: HealthDeps; metrics: Metrics }): Promise<void> {
  app.get('/api/health', async (_request, reply) => {
    const report = await checkHealth(deps.health);
    return reply.code(report.status === 'healthy' ? 200 : 503).header('cache-control', 'no-store').send(report);
  });
  app.get('/api/metrics', async (_request, reply) => {
    return reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
