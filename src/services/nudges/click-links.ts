import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Tracked links: every link to the member's manage or recovery page goes through our redirect
 * (`/r?t=<token>`; a query, since the token holds the target URL and path parameters are short), which records the click (case, step, channel, time) and forwards. The token is
 * the link's facts plus an HMAC under a key derived from the link signing key, so it cannot be
 * forged to forward elsewhere (no open redirect) or credit another case. Unsubscribe links are
 * never wrapped: they are not clicks towards a recovery.
 */
export interface ClickLink {
  companyId: string;
  caseId: string;
  step: number;
  channel: string;
  /** Where the redirect forwards (https only). */
  to: string;
}

const PREFIX = 'c1.';

function signature(signingKey: string, payload: string): string {
  return createHmac('sha256', `click:${signingKey}`).update(payload).digest('base64url');
}

export function createClickToken(signingKey: string, link: ClickLink): string {
  const payload = Buffer.from(JSON.stringify([link.companyId, link.caseId, link.step, link.channel, link.to])).toString('base64url');
  return `${PREFIX}${payload}.${signature(signingKey, payload)}`;
}

export function readClickToken(signingKey: string, token: string): ClickLink | null {
  if (!token.startsWith(PREFIX)) return null;
  const [payload, given] = token.slice(PREFIX.length).split('.');
  if (!payload || !given) return null;
  const expected = Buffer.from(signature(signingKey, payload));
  if (expected.length !== given.length || !timingSafeEqual(expected, Buffer.from(given))) return null;
  try {
    const [companyId, caseId, step, channel, to] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    if (typeof companyId !== 'string' || typeof caseId !== 'string' || typeof step !== 'number' || typeof channel !== 'string' || typeof to !== 'string') return null;
    if (!/^https:\/\//.test(to)) return null;
    return { companyId, caseId, step, channel, to };
  } catch {
    return null;
  }
}

export function clickUrl(publicUrl: string, signingKey: string, link: ClickLink): string {
  return `${publicUrl.replace(/\/$/, '')}/r?t=${createClickToken(signingKey, link)}`;
}
