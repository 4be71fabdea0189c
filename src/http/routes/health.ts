import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../observability/metrics.ts';
import { checkHealth, checkReadiness, type HealthDeps } from '../../services/operators/check-health.ts';

/** The ALB's health check and Prometheus' scrape poll from few addresses: no per-ip limit for them. */
const unlimited = { config: { rateLimit: false } } as const;

export async function healthRoutes(app: FastifyInstance, deps: { health: HealthDeps; metrics: Metrics }): Promise<void> {
  app.get('/api/health', unlimited, async (_request, reply) => {
    const report = await checkHealth(deps.health);
    return reply.code(report.status === 'healthy' ? 200 : 503).header('cache-control', 'no-store').send(report);
  });
  // What the ALB target group and the ECS container check poll (check-health.ts says why not /api/health).
  app.get('/api/ready', unlimited, async (_request, reply) => {
    const report = await checkReadiness(deps.health);
    return reply.code(report.status === 'ready' ? 200 : 503).header('cache-control', 'no-store').send(report);
  });
  app.get('/api/metrics', unlimited, async (_request, reply) => {
    return reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
