import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

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
 * Verifies a Whop delivery. v1 is Standard Webhooks, checked here as the official SDK
 * (`whop.webhooks.unwrap`, the `standardwebhooks` package) checks it, with node:crypto instead of
 * its pure-JS SHA-256 and one JSON.parse instead of two: on the webhook hot path that cost more CPU
 * than the rest of the request. The key is the UTF-8 bytes of the whole `ws_…` secret (the SDK
 * takes it base64-encoded). test/unit/webhook-verifier.test.ts holds it to the SDK's verdicts.
 * Legacy v5 (`x-whop-signature: t=…,v1=<hex>`) is checked here too: the SDK no longer does it.
 */
export function createWebhookVerifier(secret: string) {
  const key = Buffer.from(secret, 'utf8');

  return function verify(rawBody: string, headers: HeaderBag, nowSeconds = Math.floor(Date.now() / 1000)): VerifiedDelivery | RejectedDelivery {
    const legacySignature = single(headers['x-whop-signature']);
    if (legacySignature !== undefined && headers['webhook-signature'] === undefined)
      return verifyLegacy(rawBody, legacySignature, key, nowSeconds);

    const webhookId = single(headers['webhook-id']);
    const timestampHeader = single(headers['webhook-timestamp']);
    const signatureHeader = single(headers['webhook-signature']);
    if (!webhookId) return reject('invalid_signature', 'webhook-id', 'missing webhook-id header');
    if (!timestampHeader) return reject('invalid_signature', 'webhook-timestamp', 'missing webhook-timestamp header');
    if (!signatureHeader) return reject('invalid_signature', 'webhook-signature', 'missing webhook-signature header');
    // As standardwebhooks: parseInt (leading digits), then ±5 min of now.
    const timestamp = parseInt(timestampHeader, 10);
    if (Number.isNaN(timestamp) || nowSeconds - timestamp > TOLERANCE_SECONDS || timestamp > nowSeconds + TOLERANCE_SECONDS)
      return reject('invalid_signature', 'webhook-timestamp', `webhook-timestamp is invalid or outside ±${TOLERANCE_SECONDS} s`);
    const expected = Buffer.from(createHmac('sha256', key).update(`${webhookId}.${timestamp}.${rawBody}`).digest('base64'), 'utf8');
    // Space-separated `v1,<base64>` entries (several during a secret rotation); other versions are skipped.
    const matches = signatureHeader.split(' ').some((entry) => {
      const [version, signature] = entry.split(',');
      if (version !== 'v1' || signature === undefined) return false;
      return sameBytes(Buffer.from(signature, 'utf8'), expected);
    });
    if (!matches) return reject('invalid_signature', 'webhook-signature', 'webhook-signature does not match the body');
    return parsed(rawBody, (body) => ({ ok: true, apiVersion: 'v1', webhookId, body }));
  };
}

function verifyLegacy(rawBody: string, header: string, key: Buffer, nowSeconds: number): VerifiedDelivery | RejectedDelivery {
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return reject('invalid_signature', 'x-whop-signature', 'x-whop-signature must be t=<seconds>,v1=<hex>');
  if (Math.abs(nowSeconds - t) > TOLERANCE_SECONDS)
    return reject('invalid_signature', 'x-whop-signature', `x-whop-signature timestamp is outside ±${TOLERANCE_SECONDS} s`);
  const expected = createHmac('sha256', key).update(`${t}.${rawBody}`).digest();
  if (!sameBytes(Buffer.from(parts.v1, 'hex'), expected)) return reject('invalid_signature', 'x-whop-signature', 'x-whop-signature does not match the body');
  return parsed(rawBody, (body) => ({ ok: true, apiVersion: 'v5', webhookId: `v5:${createHash('sha256').update(rawBody).digest('hex')}`, body }));
}

/** A signature compared in constant time (timingSafeEqual needs equal lengths). */
function sameBytes(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The verified body as JSON, or the delivery refused naming it. */
function parsed(rawBody: string, verified: (body: unknown) => VerifiedDelivery): VerifiedDelivery | RejectedDelivery {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return reject('invalid_body', 'body', 'body is not valid JSON');
  }
  return verified(body);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function reject(code: RejectedDelivery['code'], field: string, message: string): RejectedDelivery {
  return { ok: false, code, field, message };
}
