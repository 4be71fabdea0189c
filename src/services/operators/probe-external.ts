import type { HealthCheck } from './check-health.ts';

/** One dependency outside our network: resolves with what it answered, throws when unreachable. */
export interface ExternalTarget {
  name: string;
  probe: (timeoutMs: number) => Promise<string>;
}

interface Outcome {
  healthy: boolean;
  message: string;
  ms: number;
  at: number;
}

export interface ExternalProbe {
  /** Probes now and then every intervalMs, in the background (the timer never keeps the process alive). */
  start(): void;
  stop(): void;
  /** One round over every target; resolves when each answered or timed out. */
  probeNow(): Promise<void>;
  /** The last round's result, from memory: /api/health never waits on the network for it. */
  check(): HealthCheck;
}

/**
 * Whop's API and the SMTP server, probed in the background and cached. A health probe per ALB check
 * (every 30 s per target, from every task) would multiply calls to Whop and SMTP logins by the
 * fleet size and tie our health to their latency.
 */
export function createExternalProbe(targets: ExternalTarget[], options: { intervalMs: number; timeoutMs?: number; now?: () => number }): ExternalProbe {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const last = new Map<string, Outcome>();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;

  const probeOne = async (target: ExternalTarget) => {
    const start = performance.now();
    try {
      const answer = await withTimeout(target.probe(timeoutMs), timeoutMs);
      last.set(target.name, { healthy: true, message: answer, ms: Math.round(performance.now() - start), at: now() });
    } catch (error) {
      last.set(target.name, { healthy: false, message: `unreachable: ${reasonOf(error)}`, ms: Math.round(performance.now() - start), at: now() });
    }
  };

  const probeNow = () => (round ??= Promise.all(targets.map(probeOne)).then(() => undefined).finally(() => (round = undefined)));

  return {
    start() {
      if (timer || targets.length === 0) return;
      void probeNow();
      timer = setInterval(() => void probeNow(), options.intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    probeNow,
    check() {
      if (targets.length === 0) return { healthy: true, response_time: 0, message: 'no external services configured (WHOP_API_KEY, SMTP_HOST unset)' };
      const parts: string[] = [];
      let healthy = true;
      let slowest = 0;
      for (const target of targets) {
        const outcome = last.get(target.name);
        if (!outcome) {
          healthy = false;
          parts.push(`${target.name}: not probed yet`);
          continue;
        }
        healthy &&= outcome.healthy;
        slowest = Math.max(slowest, outcome.ms);
        parts.push(`${target.name}: ${outcome.message} (${outcome.ms} ms, ${Math.round((now() - outcome.at) / 1000)} s ago)`);
      }
      return { healthy, response_time: slowest, message: parts.join('; ') };
    },
  };
}

/**
 * Any HTTP answer below 500 means Whop's API is up and reachable from here (the base URL itself
 * answers 404 or 401; no credentials are sent for this). 5xx, a refused connection or a timeout is not.
 */
export function whopApiTarget(baseUrl: string): ExternalTarget {
  return {
    name: 'whop',
    async probe(timeoutMs) {
      const response = await fetch(baseUrl, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await response.body?.cancel();
      if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
      return `reachable (HTTP ${response.status})`;
    },
  };
}

/** Connects, says EHLO, authenticates when a user is set (nodemailer's verify), and quits. */
export function smtpTarget(options: { host: string; port: number; secure: boolean; user?: string | undefined; pass?: string | undefined }): ExternalTarget {
  return {
    name: 'smtp',
    async probe(timeoutMs) {
      // Loaded on the first probe: a start without SMTP_HOST never loads nodemailer.
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport({
        host: options.host,
        port: options.port,
        secure: options.secure,
        ...(options.user ? { auth: { user: options.user, pass: options.pass ?? '' } } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      try {
        await transport.verify();
        return options.user ? 'reachable, signed in' : 'reachable';
      } finally {
        transport.close();
      }
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}

/** The cause (refused, timeout, status) without hosts' credentials. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : String(cause);
  return text.replace(/\/\/[^@\s]*@/g, '//***@').slice(0, 200);
}
