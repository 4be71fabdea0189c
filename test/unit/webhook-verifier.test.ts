import Whop from '@whop/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWebhookVerifier } from '../../src/integrations/whop/webhook-verifier.ts';
import { newWebhookSecret, signV1 } from '../support/sign-webhook.ts';

const SECRET = newWebhookSecret();
const verify = createWebhookVerifier(SECRET);
const sdk = new Whop({ apiKey: 'unused', webhookKey: Buffer.from(SECRET, 'utf8').toString('base64') });

/** What the official SDK decides for the same delivery: the body, or that it refused it. */
function sdkVerdict(body: string, headers: Record<string, string>): { ok: true; body: unknown } | { ok: false } {
  try {
    return { ok: true, body: sdk.webhooks.unwrap(body, { headers }) };
  } catch {
    return { ok: false };
  }
}

const now = () => Math.floor(Date.now() / 1000);

describe('v1 (Standard Webhooks) verification', () => {
  it('accepts and refuses exactly what the Whop SDK accepts and refuses', () => {
    const delivery = fc.record({
      body: fc.oneof(fc.json(), fc.string(), fc.constant('')),
      id: fc.oneof(fc.constant('msg_2b8f'), fc.string({ minLength: 1, maxLength: 12 })),
      // Seconds from now, around the ±300 s tolerance's edges.
      skew: fc.oneof(fc.integer({ min: -310, max: 310 }), fc.constantFrom(-301, -300, 299, 300, 301)),
      // What happens to the signed headers on the way.
      tamper: fc.constantFrom('none', 'body', 'signature', 'timestamp-suffix', 'timestamp-text', 'v2-first', 'rotation', 'other-secret', 'no-comma'),
    });
    fc.assert(
      fc.property(delivery, ({ body, id, skew, tamper }) => {
        const at = new Date((now() + skew) * 1000);
        const headers = signV1(body, tamper === 'other-secret' ? newWebhookSecret() : SECRET, { id, at });
        let sent = body;
        if (tamper === 'body') sent = body + ' ';
        if (tamper === 'signature') headers['webhook-signature'] = headers['webhook-signature']!.slice(0, -2) + 'AA';
        if (tamper === 'timestamp-suffix') headers['webhook-timestamp'] += 'x';
        if (tamper === 'timestamp-text') headers['webhook-timestamp'] = 'soon';
        if (tamper === 'v2-first') headers['webhook-signature'] = `v2,abc ${headers['webhook-signature']}`;
        if (tamper === 'rotation') headers['webhook-signature'] = `v1,${Buffer.from('old key').toString('base64')} ${headers['webhook-signature']}`;
        if (tamper === 'no-comma') headers['webhook-signature'] = headers['webhook-signature']!.replace(',', '');
        const ours = verify(sent, headers);
        const theirs = sdkVerdict(sent, headers);
        expect(ours.ok).toBe(theirs.ok);
        if (ours.ok && theirs.ok) expect(ours.body).toEqual(theirs.body);
      }),
      { numRuns: 400 },
    );
  });

  it('names what is wrong with a refused delivery', () => {
    const body = '{"type":"payment.failed","id":"evt_1"}';
    const headers = signV1(body, SECRET);
    expect(verify(body, headers)).toMatchObject({ ok: true, apiVersion: 'v1', webhookId: headers['webhook-id'], body: { type: 'payment.failed' } });
    expect(verify(body + ' ', headers)).toMatchObject({ ok: false, code: 'invalid_signature', field: 'webhook-signature' });
    expect(verify(body, { ...headers, 'webhook-id': undefined! })).toMatchObject({ ok: false, code: 'invalid_signature', message: 'missing webhook-id header' });
    const old = signV1(body, SECRET, { at: new Date(Date.now() - 301_000) });
    expect(verify(body, old)).toMatchObject({ ok: false, code: 'invalid_signature', field: 'webhook-timestamp', message: 'webhook-timestamp is invalid or outside ±300 s' });
    const notJson = signV1('{"type":', SECRET);
    expect(verify('{"type":', notJson)).toMatchObject({ ok: false, code: 'invalid_body', message: 'body is not valid JSON' });
  });
});
