import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Unsubscribe tokens name the company, the address and (when known) the Whop user id, so a member
 * can stop email alone or every channel. They are AES-256-GCM sealed under a key derived from the
 * link signing key: an address never appears in a URL (access logs, proxies), and a token cannot
 * be forged or altered. They name no case and never expire (an old email's link must keep
 * working). Tokens of the earlier signed-plaintext form are still accepted.
 */
export interface UnsubscribeSubject {
  companyId: string;
  email: string;
  whopUserId: string | null;
}

const SEALED = 'u2.';

export function createUnsubscribeToken(signingKey: string, subject: UnsubscribeSubject): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', tokenKey(signingKey), iv);
  const plain = JSON.stringify({ c: subject.companyId, e: subject.email.toLowerCase(), u: subject.whopUserId });
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return SEALED + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

export function readUnsubscribeToken(signingKey: string, token: string): UnsubscribeSubject | null {
  if (token.startsWith(SEALED)) return openSealed(signingKey, token.slice(SEALED.length));
  return readLegacy(signingKey, token);
}

export function unsubscribeUrl(publicUrl: string, signingKey: string, subject: UnsubscribeSubject): string {
  return `${publicUrl.replace(/\/$/, '')}/api/unsubscribe?token=${createUnsubscribeToken(signingKey, subject)}`;
}

function openSealed(signingKey: string, payload: string): UnsubscribeSubject | null {
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length < 29) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', tokenKey(signingKey), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    const { c, e, u } = JSON.parse(plain) as { c?: unknown; e?: unknown; u?: unknown };
    if (typeof c !== 'string' || typeof e !== 'string' || !c || !e) return null;
    return { companyId: c, email: e, whopUserId: typeof u === 'string' && u ? u : null };
  } catch {
    return null; // tampered, truncated or sealed under another key
  }
}

/** base64url(companyId \n email) + "." + HMAC: links in emails sent before sealed tokens. */
function readLegacy(signingKey: string, token: string): UnsubscribeSubject | null {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) return null;
  const expected = Buffer.from(createHmac('sha256', `unsubscribe:${signingKey}`).update(payload).digest('base64url'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const [companyId, email] = Buffer.from(payload, 'base64url').toString('utf8').split('\n');
  return companyId && email ? { companyId, email, whopUserId: null } : null;
}

function tokenKey(signingKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', signingKey, Buffer.alloc(0), 'churn-saver unsubscribe token v2', 32));
}
