import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric this service exports, with the deployment guide's names and buckets. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'churn_saver_' });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests in seconds',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.1, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    recoveryCasesCreated: new Counter({
      name: 'recovery_cases_created_total',
      help: 'Total number of recovery cases created',
      labelNames: ['risk_level'] as const,
      registers: [registry],
    }),
    databaseQueryDuration: new Histogram({
      name: 'database_query_duration_seconds',
      help: 'Duration of database queries',
      labelNames: ['operation', 'table'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2],
      registers: [registry],
    }),
    webhooksReceived: new Counter({
      name: 'webhooks_received_total',
      help: 'Whop webhook deliveries by event type and outcome (accepted, duplicate, ignored, rejected, rate_limited, failed)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    nudgeDeliveries: new Counter({
      name: 'nudge_deliveries_total',
      help: 'Nudge deliveries by channel and final status (sent, outbox, skipped, failed, dead)',
      labelNames: ['channel', 'status'] as const,
      registers: [registry],
    }),
    webhooksProcessed: new Counter({
      name: 'webhooks_processed_total',
      help: 'Stored webhook events processed by the worker, by type and resulting status',
      labelNames: ['type', 'status'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Times one database operation into database_query_duration_seconds. */
export async function timeQuery<T>(metrics: Metrics | undefined, operation: string, table: string, run: () => Promise<T>): Promise<T> {
  if (!metrics) return run();
  const end = metrics.databaseQueryDuration.startTimer({ operation, table });
  try {
    return await run();
  } finally {
    end();
  }
}
