import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed unsubscribe tokens: base64url(companyId \n email) + "." + HMAC. They name no case and
 * expire never (an old email's link must keep working), and cannot be forged without the key.
 */
export function createUnsubscribeToken(signingKey: string, companyId: string, email: string): string {
  const payload = Buffer.from(`${companyId}\n${email.toLowerCase()}`, 'utf8').toString('base64url');
  return `${payload}.${sign(signingKey, payload)}`;
}

export function readUnsubscribeToken(signingKey: string, token: string): { companyId: string; email: string } | null {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) return null;
  const expected = Buffer.from(sign(signingKey, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const [companyId, email] = Buffer.from(payload, 'base64url').toString('utf8').split('\n');
  return companyId && email ? { companyId, email } : null;
}

export function unsubscribeUrl(publicUrl: string, signingKey: string, companyId: string, email: string): string {
  return `${publicUrl.replace(/\/$/, '')}/api/unsubscribe?token=${createUnsubscribeToken(signingKey, companyId, email)}`;
}

function sign(key: string, payload: string): string {
  return createHmac('sha256', `unsubscribe:${key}`).update(payload).digest('base64url');
}
