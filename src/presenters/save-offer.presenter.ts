import type { AppDb } from '../db/client.ts';
import { findCompanyName, findOrCreateCurrentSettings } from '../db/repositories/companies.repository.ts';
import { findSavePromoCode } from '../db/repositories/incentives.repository.ts';
import { describePromoOffer } from '../domain/promo-code.ts';
import { findSaveCase } from '../db/repositories/save-cases.repository.ts';
import type { SaveCaseStatus } from '../domain/save-case.ts';
import { composeSaveOffer, type SaveOfferCopy } from '../domain/save-offer.ts';
import { readSaveToken } from '../services/saves/save-links.ts';

export type SaveOfferPage =
  | { ok: true; companyName: string | null; status: SaveCaseStatus; accepted: boolean; cancelsAt: Date | null; copy: SaveOfferCopy['page']; promo: { code: string; offer: string; expiresAt: Date | null } | null }
  | { ok: false; reason: 'invalid_token' | 'not_found' | 'held_out' };

/**
 * What the offer page shows for a token: the creator's name, the offer's words, and whether it
 * can still be accepted. Reads only: opening the link (a mail scanner does) changes nothing.
 */
export async function presentSaveOffer(deps: { db: AppDb; signingKey: string }, token: unknown): Promise<SaveOfferPage> {
  const link = readSaveToken(deps.signingKey, token);
  if (!link) return { ok: false, reason: 'invalid_token' };
  const c = await findSaveCase(deps.db, link.companyId, link.saveCaseId);
  if (!c) return { ok: false, reason: 'not_found' };
  if (c.holdout) return { ok: false, reason: 'held_out' };
  const companyName = await findCompanyName(deps.db, c.companyId);
  // Only a code Whop has is shown: the same one the message named.
  const row = c.offerKind === 'promo_code' ? await findSavePromoCode(deps.db, c.id) : null;
  const promo = row?.status === 'granted' && row.code && row.terms ? { code: row.code, offer: describePromoOffer(row.terms), expiresAt: row.expiresAt } : null;
  const { message, templates } = (await findOrCreateCurrentSettings(deps.db, c.companyId)).nudge.save_offers;
  const copy = composeSaveOffer({ offer: { kind: c.offerKind, days: c.offerDays }, promo, message, templates, companyName, productTitle: null, linkFor: () => '', unsubscribeUrl: null });
  return { ok: true, companyName, status: c.status, accepted: c.acceptedAt !== null, cancelsAt: c.cancelsAt, copy: copy.page, promo };
}
