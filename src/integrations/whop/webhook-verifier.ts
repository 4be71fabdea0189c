import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import Whop from '@whop/sdk';

/** Standard Webhooks tolerance, also applied to legacy v5 signatures. */
const TOLERANCE_SECONDS = 300;

export type HeaderBag = Record<string, string | string[] | undefined>;

export type VerifiedDelivery = {
  ok: true;
  apiVersion: 'v1' | 'v5';
  /** Dedupe key: the webhook-id header, or for legacy v5 a hash of the body (retries resend it). */
  webhookId: string;
  body: unknown;
};
export type RejectedDelivery = {
  ok: false;
  code: 'invalid_signature' | 'invalid_body';
  /** The header at fault, for the error message. */
  field: string;
  message: string;
};

/**
 * Verifies a Whop delivery. v1 (Standard Webhooks) goes through the official SDK; the key is
 * the UTF-8 bytes of the whole `ws_…` secret, which the SDK expects base64-encoded.
 * Legacy v5 (`x-whop-signature: t=…,v1=<hex>`) is checked here: the SDK no longer does it.
 */
export function createWebhookVerifier(secret: string) {
  const whop = new Whop({ apiKey: 'unused-for-verification', webhookKey: Buffer.from(secret, 'utf8').toString('base64') });
  const legacyKey = Buffer.from(secret, 'utf8');

  return function verify(rawBody: string, headers: HeaderBag, nowSeconds = Math.floor(Date.now() / 1000)): VerifiedDelivery | RejectedDelivery {
    const legacySignature = single(headers['x-whop-signature']);
    if (legacySignature !== undefined && headers['webhook-signature'] === undefined)
      return verifyLegacy(rawBody, legacySignature, legacyKey, nowSeconds);

    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      if (!single(headers[name])) return reject('invalid_signature', name, `missing ${name} header`);
    }
    const plain: Record<string, string> = {
      'webhook-id': single(headers['webhook-id'])!,
      'webhook-timestamp': single(headers['webhook-timestamp'])!,
      'webhook-signature': single(headers['webhook-signature'])!,
    };
    try {
      const body = whop.webhooks.unwrap(rawBody, { headers: plain });
      return { ok: true, apiVersion: 'v1', webhookId: plain['webhook-id']!, body };
    } catch (error) {
      if (error instanceof SyntaxError) return reject('invalid_body', 'body', 'body is not valid JSON');
      const message = error instanceof Error ? error.message : String(error);
      if (/timestamp|Signature Headers/i.test(message))
        return reject('invalid_signature', 'webhook-timestamp', `webhook-timestamp is invalid or outside ±${TOLERANCE_SECONDS} s`);
      return reject('invalid_signature', 'webhook-signature', 'webhook-signature does not match the body');
    }
  };
}

function verifyLegacy(rawBody: string, header: string, key: Buffer, nowSeconds: number): VerifiedDelivery | RejectedDelivery {
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return reject('invalid_signature', 'x-whop-signature', 'x-whop-signature must be t=<seconds>,v1=<hex>');
  if (Math.abs(nowSeconds - t) > TOLERANCE_SECONDS)
    return reject('invalid_signature', 'x-whop-signature', `x-whop-signature timestamp is outside ±${TOLERANCE_SECONDS} s`);
  const expected = createHmac('sha256', key).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return reject('invalid_signature', 'x-whop-signature', 'x-whop-signature does not match the body');
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return reject('invalid_body', 'body', 'body is not valid JSON');
  }
  return { ok: true, apiVersion: 'v5', webhookId: `v5:${createHash('sha256').update(rawBody).digest('hex')}`, body };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function reject(code: RejectedDelivery['code'], field: string, message: string): RejectedDelivery {
  return { ok: false, code, field, message };
}
