import { describe, expect, it } from 'vitest';
import { describeConfigProblems, loadConfig } from '../../src/config/config.ts';

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://app:pw@db:5432/churn_saver_prod',
  WEBHOOK_SECRET: 'ws_4f9a6c2e8b1d7f3a5c9e2b6d8f1a3c5e7b9d2f4a6c8e1b3d5f7a9c2e4b6d8f1a',
  WHOP_API_KEY: 'apik_live_8d7f6e5c4b3a29181716151413121110',
  ENCRYPTION_KEY: 'b3f1c8e2a9d4f7b6c5e1a2d3f4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3',
  JWT_SECRET: 'e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1',
};

describe('configuration', () => {
  it('starts with nothing configured in development, with the documented defaults', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ NODE_ENV: 'development', PORT: 3000, HOSTNAME: '0.0.0.0', DATA_DIR: './data', WHOP_API_BASE_URL: 'https://api.whop.com/api/v1', ROLE: 'all' });
    expect(result.config.DATABASE_URL).toBeUndefined();
    expect(result.config.REDIS_URL).toBeUndefined();
  });

  it('rate limits default to the WAF’s 2000 per 5 minutes per ip, 6000 deliveries a minute per company, 10 sign-ins per 15 minutes per account', () => {
    const result = loadConfig({});
    if (!result.ok) throw new Error(result.problems.join('; '));
    expect(result.config).toMatchObject({
      RATE_LIMIT_IP_MAX: 2000,
      RATE_LIMIT_IP_WINDOW_SECONDS: 300,
      RATE_LIMIT_COMPANY_WEBHOOKS_PER_MINUTE: 6000,
      RATE_LIMIT_LOGIN_MAX: 10,
      RATE_LIMIT_LOGIN_WINDOW_SECONDS: 900,
      TRUST_PROXY_HOPS: 1,
    });
    const bad = loadConfig({ RATE_LIMIT_IP_MAX: '0', TRUST_PROXY_HOPS: 'all' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.map((p) => p.split(':')[0])).toEqual(['RATE_LIMIT_IP_MAX', 'TRUST_PROXY_HOPS']);
  });

  it('pins Whop API version 2026-07-20 by default and refuses a version that is not a date', () => {
    const defaults = loadConfig({});
    expect(defaults.ok && defaults.config.WHOP_API_VERSION).toBe('2026-07-20');
    const revision = loadConfig({ WHOP_API_VERSION: '2026-09-02-1' });
    expect(revision.ok && revision.config.WHOP_API_VERSION).toBe('2026-09-02-1');
    const bad = loadConfig({ WHOP_API_VERSION: 'latest' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join()).toMatch(/^WHOP_API_VERSION: must be a Whop API version date/);
  });

  it('accepts a complete production environment', () => {
    expect(loadConfig(PRODUCTION).ok).toBe(true);
  });

  it('in production, names every missing secret at once', () => {
    const result = loadConfig({ NODE_ENV: 'production' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const name of ['DATABASE_URL', 'WEBHOOK_SECRET', 'WHOP_API_KEY', 'ENCRYPTION_KEY', 'JWT_SECRET'])
      expect(result.problems.join('\n')).toContain(`${name}: required in production`);
    expect(describeConfigProblems(result.problems)).toMatch(/^Configuration invalid \(5 problems\)/);
  });

  it.each([['your-production-jwt-secret'], ['changeme'], ['***']])('in production, a placeholder like %s is refused and named', (placeholder) => {
    const result = loadConfig({ ...PRODUCTION, JWT_SECRET: placeholder });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(['JWT_SECRET: is a placeholder, set a real value']);
  });

  it('an empty variable counts as unset', () => {
    const result = loadConfig({ ...PRODUCTION, WHOP_API_KEY: '  ' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(['WHOP_API_KEY: required in production']);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ROLE: 'cron' }, 'ROLE'],
  ])('a malformed value (%o) is named', (env, name) => {
    const result = loadConfig(env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('never repeats a secret value in its problems', () => {
    const result = loadConfig({ ...PRODUCTION, ENCRYPTION_KEY: 'short-secret-value' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).not.toContain('short-secret-value');
  });

  it('an empty variable is an unset one: its default applies instead of a parse error', () => {
    const result = loadConfig({ SMTP_PORT: '', RAW_WEBHOOK_RETENTION_DAYS: ' ', LOG_LEVEL: '', HOSTNAME: '' });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config).toMatchObject({ SMTP_PORT: 587, RAW_WEBHOOK_RETENTION_DAYS: 30, LOG_LEVEL: 'info', HOSTNAME: '0.0.0.0' });
  });

  it('DIRECT_URL must be a postgres URL and comes with DATABASE_URL', () => {
    const alone = loadConfig({ DIRECT_URL: 'postgresql://u@db:5432/x' });
    expect(alone.ok ? [] : alone.problems).toEqual(['DIRECT_URL: needs DATABASE_URL too (it only takes the session work off DATABASE_URL)']);
    const malformed = loadConfig({ DATABASE_URL: 'postgresql://u@pooler:6432/x', DIRECT_URL: 'mysql://x' });
    expect(malformed.ok ? [] : malformed.problems).toEqual(['DIRECT_URL: must be a postgres:// or postgresql:// URL']);
    const both = loadConfig({ DATABASE_URL: 'postgresql://u@pooler:6432/x', DIRECT_URL: 'postgresql://u@db:5432/x' });
    expect(both.ok && both.config.DIRECT_URL).toBe('postgresql://u@db:5432/x');
  });
});
