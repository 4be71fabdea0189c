import type { ErrorEvent } from '@sentry/node';
import { describe, expect, it } from 'vitest';
import { scrubBreadcrumb, scrubEvent, scrubText, secretValues } from '../../src/observability/sentry.ts';

const config = {
  WEBHOOK_SECRET: 'ws_9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  WHOP_API_KEY: 'apik_live_Q1w2E3r4T5y6U7i8',
  JWT_SECRET: 'jwt-secret-0123456789abcdef0123456789abcdef',
  ENCRYPTION_KEY: 'k1:' + 'A'.repeat(43),
  ADMIN_PASSWORD: 'correct horse battery staple',
  SMTP_PASS: 'smtp-pass-77x',
  DATABASE_URL: 'postgresql://churn:db%40Pass-2024@db.internal:5432/churn_saver',
  REDIS_URL: 'redis://:redis-pass-99@cache:6379',
};
const SECRETS = secretValues(config);
/** Every value that must never reach Sentry, including the decoded database password. */
const FORBIDDEN = [
  config.WEBHOOK_SECRET, config.WHOP_API_KEY, config.JWT_SECRET, config.ENCRYPTION_KEY, config.ADMIN_PASSWORD, config.SMTP_PASS,
  'db%40Pass-2024', 'db@Pass-2024', 'redis-pass-99',
  'ana@example.com', 'bob.member+tag@mail.example.org',
  'eyJhbGciOiJFUzI1NiJ9.user-token', 'csrf-7f7f7f7f', 'v1,c2lnbmF0dXJl', 'sha256=abcdef', 'cs_session=s%3Asession-value',
];

function sdkLikeEvent(): ErrorEvent {
  return {
    type: undefined,
    event_id: 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0',
    message: `delivery failed for ana@example.com using ${config.WHOP_API_KEY}`,
    exception: {
      values: [{
        type: 'Error',
        value: `connect to ${config.DATABASE_URL} failed; password db@Pass-2024 rejected; Failed query: insert into "members" values ($1, $2)\nparams: bob.member+tag@mail.example.org,Bob`,
        stacktrace: {
          frames: [{ filename: '/app/dist/services/nudges/send-nudge.js', function: 'sendNudge', lineno: 42, vars: { password: config.ADMIN_PASSWORD, note: `smtp ${config.SMTP_PASS}` } }],
        },
      }],
    },
    request: {
      method: 'POST',
      url: 'http://localhost:3000/api/unsubscribe?token=tok-123&email=ana@example.com',
      query_string: 'token=tok-123&email=ana@example.com',
      cookies: { cs_session: 's%3Asession-value' },
      data: JSON.stringify({ email: 'ana@example.com', secret: config.WEBHOOK_SECRET }),
      headers: {
        authorization: `Bearer ${config.WHOP_API_KEY}`,
        cookie: 'cs_session=s%3Asession-value',
        'x-whop-user-token': 'eyJhbGciOiJFUzI1NiJ9.user-token',
        'x-csrf-token': 'csrf-7f7f7f7f',
        'webhook-signature': 'v1,c2lnbmF0dXJl',
        'x-whop-signature': 'sha256=abcdef',
        'user-agent': 'curl/8.5.0',
        'x-request-id': 'req-17',
      },
    },
    user: { id: 'user_123', email: 'ana@example.com', ip_address: '203.0.113.9' },
    tags: { source: 'http', route: '/api/companies/:companyId/cases' },
    extra: { requestId: 'req-17', member: { memberEmail: 'bob.member+tag@mail.example.org' }, keyInUse: config.ENCRYPTION_KEY, redis: config.REDIS_URL },
    breadcrumbs: [
      { category: 'console', message: `Generated a development WEBHOOK_SECRET:\n  ${config.WEBHOOK_SECRET}` },
      { category: 'http', data: { url: 'https://api.whop.com/api/v1/members?email=ana@example.com', method: 'GET', status_code: 200 } },
      { category: 'log', message: `jwt ${config.JWT_SECRET}` },
    ],
  };
}

describe('Sentry events leave without secrets or personal data', () => {
  it('no secret value, credential header, body, cookie or email survives anywhere in the event', () => {
    const scrubbed = JSON.stringify(scrubEvent(sdkLikeEvent(), SECRETS));
    for (const value of FORBIDDEN) expect(scrubbed, `leaked ${value}`).not.toContain(value);
    expect(scrubbed).toContain('[email]');
    expect(scrubbed).toContain('[redacted]');
  });

  it('keeps what an engineer needs to debug: type, frames, route, method, request id, user id, harmless headers', () => {
    const scrubbed = scrubEvent(sdkLikeEvent(), SECRETS);
    expect(scrubbed.exception?.values?.[0]?.type).toBe('Error');
    expect(scrubbed.exception?.values?.[0]?.value).toContain('Failed query: insert into "members"');
    expect(scrubbed.exception?.values?.[0]?.stacktrace?.frames?.[0]).toMatchObject({ filename: '/app/dist/services/nudges/send-nudge.js', function: 'sendNudge', lineno: 42 });
    expect(scrubbed.tags).toEqual({ source: 'http', route: '/api/companies/:companyId/cases' });
    expect(scrubbed.request).toMatchObject({ method: 'POST', url: 'http://localhost:3000/api/unsubscribe' });
    expect(scrubbed.request?.headers).toMatchObject({ 'user-agent': 'curl/8.5.0', 'x-request-id': 'req-17', authorization: '[redacted]', cookie: '[redacted]' });
    expect(scrubbed.request?.data).toBeUndefined();
    expect(scrubbed.request?.cookies).toBeUndefined();
    expect(scrubbed.request?.query_string).toBeUndefined();
    expect(scrubbed.user).toEqual({ id: 'user_123' });
    expect(scrubbed.extra?.requestId).toBe('req-17');
  });

  it('breadcrumbs lose secrets and query strings; the caller’s event is not modified', () => {
    const event = sdkLikeEvent();
    const before = JSON.stringify(event);
    const crumbs = (event.breadcrumbs ?? []).map((b) => scrubBreadcrumb(b, SECRETS));
    expect(crumbs[0]?.message).toBe('Generated a development WEBHOOK_SECRET:\n  [redacted]');
    expect(crumbs[1]?.data).toEqual({ url: 'https://api.whop.com/api/v1/members', method: 'GET', status_code: 200 });
    expect(crumbs[2]?.message).toBe('jwt [redacted]');
    scrubEvent(event, SECRETS);
    expect(JSON.stringify(event)).toBe(before);
  });

  it.each([
    ['an email inside a sentence', 'mail to ana@example.com bounced', 'mail to [email] bounced'],
    ['credentials in any URL, even unknown ones', 'amqp://svc:hunter22@mq:5672 refused', 'amqp://svc:[redacted]@mq:5672 refused'],
    ['a bearer token', 'sent Authorization: Bearer abc.def.ghi', 'sent Authorization: Bearer [redacted]'],
    ['drizzle query parameters (row values)', 'Failed query: select 1\nparams: 42,ana', 'Failed query: select 1\nparams: [redacted]'],
    ['a known secret inside a longer word', `key=${config.WHOP_API_KEY}&x=1`, 'key=[redacted]&x=1'],
    ['text with nothing sensitive', 'webhook event 17 processed in 12 ms', 'webhook event 17 processed in 12 ms'],
  ])('scrubText: %s', (_name, input, expected) => {
    expect(scrubText(input, SECRETS)).toBe(expected);
  });

  it('secretValues takes the configured secrets and URL passwords (raw and decoded), skips unset and too-short values', () => {
    const values = secretValues({ ...config, SMTP_PASS: 'abc', ADMIN_PASSWORD: undefined, NODE_ENV: 'production' });
    expect(values).toEqual(expect.arrayContaining([config.WEBHOOK_SECRET, config.WHOP_API_KEY, config.JWT_SECRET, config.ENCRYPTION_KEY, 'db%40Pass-2024', 'db@Pass-2024', 'redis-pass-99']));
    expect(values).not.toContain('abc');
    expect(values).not.toContain('production');
    expect(secretValues({ DATABASE_URL: 'not a url' })).toEqual([]);
  });
});
