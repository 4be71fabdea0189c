import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { SqlRunner } from '../../db/client.ts';
import type { Cache } from '../../integrations/redis/cache.ts';

export interface HealthCheck {
  healthy: boolean;
  /** Milliseconds the check took. */
  response_time: number;
  message: string;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  timestamp: string;
  version: string;
  checks: Record<string, HealthCheck>;
}

export interface HealthDeps {
  sql: SqlRunner;
  databaseKind: 'postgres' | 'pglite';
  cache: Cache;
  version: string;
  now: () => Date;
  /** Heap above this share of the limit counts as unhealthy. */
  maxHeapRatio?: number;
  /** Whop and SMTP reachability from the background probe's memory (services/operators/probe-external.ts). */
  external?: () => HealthCheck;
  /** Folders the service writes to (DATA_DIR, the temp folder) and the free space each needs. */
  disk?: { paths: string[]; minFreeMb: number };
}

/**
 * Reported, but not part of the status: a Whop or SMTP outage is every task's at once, and a 503
 * from all of them would have the ALB take the whole fleet out of service for a fault that
 * costs a delayed nudge at most.
 */
const ADVISORY_CHECKS = new Set(['external']);

const CHECK_TIMEOUT_MS = 2000;

/** The deployment guide's health JSON; each check is bounded so a hung dependency reads as unhealthy. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const [database, redis] = await Promise.all([
    timed(async () => {
      await deps.sql.query('SELECT 1');
      return `Database connection successful (${deps.databaseKind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'})`;
    }, 'Database connection failed'),
    deps.cache.kind === 'memory'
      ? Promise.resolve<HealthCheck>({ healthy: true, response_time: 0, message: 'Redis not configured (in-process cache)' })
      : timed(async () => {
          await deps.cache.ping();
          return 'Redis connection successful';
        }, 'Redis connection failed'),
  ]);
  const checks: Record<string, HealthCheck> = { database, redis, memory: checkMemory(deps.maxHeapRatio ?? 0.95) };
  if (deps.disk) checks.disk = checkDisk(deps.disk.paths, deps.disk.minFreeMb);
  if (deps.external) checks.external = deps.external();
  const healthy = Object.entries(checks).every(([name, c]) => c.healthy || ADVISORY_CHECKS.has(name));
  return { status: healthy ? 'healthy' : 'unhealthy', timestamp: deps.now().toISOString(), version: deps.version, checks };
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  timestamp: string;
  /** What the service cannot do without; optional dependencies (Redis) are listed but never decide. */
  checks: Record<string, HealthCheck & { required: boolean }>;
}

/**
 * Readiness for the load balancer and ECS: whether this task can do its job. Required: what is
 * this task's own (PostgreSQL reachable from it, its memory, its disk); replacing the task can
 * help. Reported but never deciding: what every task shares (Redis, which is optional: cache and
 * rate limits fall back to each process; Whop and SMTP): a 503 from all tasks at once would have
 * the ALB take the whole fleet out of service. `/api/health` keeps the guide's semantics.
 */
export async function checkReadiness(deps: HealthDeps): Promise<ReadinessReport> {
  const report = await checkHealth(deps);
  const required = new Set(['database', 'memory', 'disk']);
  const checks = Object.fromEntries(Object.entries(report.checks).map(([name, check]) => [name, { ...check, required: required.has(name) }]));
  const ready = Object.values(checks).every((c) => c.healthy || !c.required);
  return { status: ready ? 'ready' : 'not_ready', timestamp: report.timestamp, checks };
}

async function timed(run: () => Promise<string>, failure: string): Promise<HealthCheck> {
  const start = performance.now();
  try {
    const message = await Promise.race([
      run(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { healthy: true, response_time: Math.round(performance.now() - start), message };
  } catch (error) {
    // The driver's message names the cause (refused, timeout) without credentials.
    const reason = error instanceof Error ? error.message.replace(/\/\/[^@\s]*@/g, '//***@') : 'unknown error';
    return { healthy: false, response_time: Math.round(performance.now() - start), message: `${failure}: ${reason}` };
  }
}

function checkMemory(maxHeapRatio: number): HealthCheck {
  const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
  const mb = (n: number) => Math.round(n / 1048576);
  return { healthy: used / limit < maxHeapRatio, response_time: 0, message: `heap ${mb(used)} MB of ${mb(limit)} MB, rss ${mb(process.memoryUsage.rss())} MB` };
}

/** Free space (for an unprivileged user) on each folder's file system; a folder not created yet counts as its parent. */
function checkDisk(paths: string[], minFreeMb: number): HealthCheck {
  const start = performance.now();
  const parts: string[] = [];
  let healthy = true;
  for (const path of paths) {
    let target = resolve(path);
    while (!existsSync(target) && dirname(target) !== target) target = dirname(target);
    try {
      const fs = statfsSync(target);
      const freeMb = (fs.bavail * fs.bsize) / 1048576;
      const totalMb = (fs.blocks * fs.bsize) / 1048576;
      if (freeMb < minFreeMb) healthy = false;
      parts.push(`${path}: ${formatMb(freeMb)} free of ${formatMb(totalMb)}${freeMb < minFreeMb ? ` (below ${minFreeMb} MB)` : ''}`);
    } catch (error) {
      healthy = false;
      parts.push(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { healthy, response_time: Math.round(performance.now() - start), message: parts.join('; ') };
}

function formatMb(mb: number): string {
  return mb >= 10240 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}
