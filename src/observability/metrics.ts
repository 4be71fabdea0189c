import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    ...whopBudgetMetrics(registry),
    ...reconciliationMetrics(registry),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The fleet's shared Whop rate budget (integrations/whop/rate-budget). */
function whopBudgetMetrics(registry: Registry) {
  return {
    whopCallsThrottled: new Counter({
      name: 'whop_api_calls_throttled_total',
      help: 'Whop API calls Whop answered 429; each pauses that operation for every worker for its Retry-After',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    whopCallsDeferred: new Counter({
      name: 'whop_api_calls_deferred_total',
      help: 'Whop API calls not sent because the shared budget had no slot within WHOP_RATE_MAX_WAIT_MS (the caller retries later)',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    whopBudgetWait: new Histogram({
      name: 'whop_api_budget_wait_seconds',
      help: 'Time a Whop API call waited for its slot in the shared budget (calls that waited only)',
      labelNames: ['operation'] as const,
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    whopRateBudgetFallbacks: new Counter({
      name: 'whop_rate_budget_store_failures_total',
      help: 'Rate budget store errors (redis, postgres); the next store in line answered the call',
      labelNames: ['store'] as const,
      registers: [registry],
    }),
  };
}

/** Reconciliation with Whop (services/reconciliation/reconcile-with-whop). */
function reconciliationMetrics(registry: Registry) {
  return {
    reconciliationRuns: new Counter({
      name: 'reconciliation_runs_total',
      help: 'Reconciliation runs with Whop by trigger (start, schedule, operator) and result (succeeded, failed)',
      labelNames: ['trigger', 'status'] as const,
      registers: [registry],
    }),
    reconciliationEvents: new Counter({
      name: 'reconciliation_events_total',
      help: 'Events a reconciliation synthesized from Whop lists, by type and outcome (stored = new, known = already stored)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    reconciliationLastSuccess: new Gauge({
      name: 'reconciliation_last_success_timestamp_seconds',
      help: 'When this process last finished a reconciliation run with Whop successfully (Unix seconds)',
      registers: [registry],
    }),
  };
}

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
