import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { sendResult, type Refusal } from '../../src/http/send-result.ts';

// What a client reads when a service refuses: one status per reason, and the reason itself
// when the code alone would not say it.
async function answer(result: { ok: true; id: string } | ({ ok: false } & Refusal)) {
  const app = Fastify();
  app.get('/', async (_request, reply) => sendResult(reply, result, (done) => ({ id: done.id })));
  const response = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return { status: response.statusCode, body: response.json() as unknown };
}

describe('a result union becomes one response', () => {
  it('success: the body the route built, 200', async () => {
    expect(await answer({ ok: true, id: 'c1' })).toEqual({ status: 200, body: { id: 'c1' } });
  });

  it.each([
    ['not_found', 404, { code: 'not_found', message: 'm' }],
    ['case_closed', 409, { code: 'conflict', reason: 'case_closed', message: 'm' }],
    ['expired', 410, { code: 'gone', reason: 'expired', message: 'm' }],
    ['whop_failed', 502, { code: 'bad_gateway', reason: 'whop_failed', message: 'm' }],
    ['ai_timeout', 504, { code: 'gateway_timeout', reason: 'ai_timeout', message: 'm' }],
    ['ai_rate_limited', 503, { code: 'unavailable', reason: 'ai_rate_limited', message: 'm' }],
    ['channel_needs_email', 400, { code: 'bad_request', reason: 'channel_needs_email', message: 'm' }],
  ] as const)('%s answers %i with %j', async (reason, status, error) => {
    expect(await answer({ ok: false, reason, message: 'm' })).toEqual({ status, body: { error } });
  });

  it('invalid settings carry every problem by field', async () => {
    const problems = [{ field: 'min_gap_hours', message: 'must be at most 168 hours' }];
    expect(await answer({ ok: false, reason: 'invalid_settings', message: 'min_gap_hours: must be at most 168 hours', detail: { problems } })).toEqual({
      status: 400,
      body: { error: { code: 'invalid_settings', message: 'min_gap_hours: must be at most 168 hours', problems } },
    });
  });
});
