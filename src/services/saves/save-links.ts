import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The link to a save offer's page (`/save?t=<token>`): the company and the save case, signed with
 * a key derived from the link signing key, so a token can neither be forged nor pointed at another
 * company's case. It holds no member data. Offers are sent through the click redirect
 * (services/nudges/click-links.ts), which forwards here.
 */
export interface SaveLink {
  companyId: string;
  saveCaseId: string;
}

const PREFIX = 's1.';
/** Longest token we read: ours are ~120 characters. */
export const MAX_SAVE_TOKEN_LENGTH = 500;

function signature(signingKey: string, payload: string): string {
  return createHmac('sha256', `save:${signingKey}`).update(payload).digest('base64url');
}

export function createSaveToken(signingKey: string, link: SaveLink): string {
  const payload = Buffer.from(JSON.stringify([link.companyId, link.saveCaseId])).toString('base64url');
  return `${PREFIX}${payload}.${signature(signingKey, payload)}`;
}

/** The link a token names, or null for anything that is not a whole, untampered token of ours. */
export function readSaveToken(signingKey: string, token: unknown): SaveLink | null {
  if (typeof token !== 'string' || token.length > MAX_SAVE_TOKEN_LENGTH || !token.startsWith(PREFIX)) return null;
  const [payload, given, extra] = token.slice(PREFIX.length).split('.');
  if (!payload || !given || extra !== undefined) return null;
  const expected = Buffer.from(signature(signingKey, payload));
  if (expected.length !== given.length || !timingSafeEqual(expected, Buffer.from(given))) return null;
  try {
    const [companyId, saveCaseId] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    if (typeof companyId !== 'string' || typeof saveCaseId !== 'string' || !/^[0-9a-f-]{36}$/.test(saveCaseId)) return null;
    return { companyId, saveCaseId };
  } catch {
    return null;
  }
}

export function saveOfferUrl(publicUrl: string, signingKey: string, link: SaveLink): string {
  return `${publicUrl.replace(/\/$/, '')}/save?t=${createSaveToken(signingKey, link)}`;
}
