import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';

describe('Whop budget and reconciliation settings', () => {
  it('default to Whop’s last documented figure (600 a minute per operation) and a reconciliation every 15 minutes', () => {
    const loaded = loadConfig({});
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.config).toMatchObject({
      WHOP_RATE_LIMIT_PER_WINDOW: 600, WHOP_RATE_WINDOW_SECONDS: 60, WHOP_RATE_BURST: 10, WHOP_RATE_MAX_WAIT_MS: 20_000,
      RECONCILE_CRON: '*/15 * * * *', RECONCILE_ON_START: true, RECONCILE_LOOKBACK_HOURS: 72, RECONCILE_OVERLAP_MINUTES: 30,
    });
  });

  it('a malformed per-operation limit is refused, naming the variable and the entry', () => {
    const loaded = loadConfig({ WHOP_RATE_LIMITS: 'POST /notifications=300,notifications' });
    expect(loaded).toEqual({ ok: false, problems: ['WHOP_RATE_LIMITS: "notifications" is not METHOD /path=N (N ≥ 1)'] });
  });

  it('RECONCILE_ON_START=false turns the start-up run off', () => {
    const loaded = loadConfig({ RECONCILE_ON_START: 'false' });
    expect(loaded.ok && loaded.config.RECONCILE_ON_START).toBe(false);
  });
});

describe('true/false settings', () => {
  it('take true, false, 1 and 0 in any case; empty or unset keeps the default; anything else is refused by name', () => {
    const of = (env: Record<string, string>) => {
      const loaded = loadConfig(env);
      return loaded.ok ? { smtp: loaded.config.SMTP_SECURE, reconcile: loaded.config.RECONCILE_ON_START, lowMemory: loaded.config.EMBEDDED_LOW_MEMORY } : loaded.problems;
    };
    expect(of({})).toEqual({ smtp: false, reconcile: true, lowMemory: true });
    expect(of({ SMTP_SECURE: ' TRUE ', RECONCILE_ON_START: '0', EMBEDDED_LOW_MEMORY: 'False' })).toEqual({ smtp: true, reconcile: false, lowMemory: false });
    expect(of({ SMTP_SECURE: '', RECONCILE_ON_START: '', EMBEDDED_LOW_MEMORY: '' })).toEqual({ smtp: false, reconcile: true, lowMemory: true });
    expect(of({ EMBEDDED_LOW_MEMORY: 'yes' })).toEqual([expect.stringMatching(/^EMBEDDED_LOW_MEMORY: /)]);
  });
});
