import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { PromoTerms } from '../../domain/promo-code.ts';
import type { Queryable } from '../client.ts';
import { incentives } from '../schema/incentives.ts';
import type { Incentive } from './outreach.repository.ts';

/** Whose promo code: a recovery case's (case_id) or a save case's (save_case_id, 0036). */
export type PromoOwnerKey = { caseId: string; saveCaseId?: undefined } | { saveCaseId: string; caseId?: undefined };

/**
 * Creates the case's promo-code incentive once, with the code and terms chosen now; later calls
 * (a second worker, a retry) return the stored row, so every attempt creates and looks up the
 * same code. `value` is the percent or the flat minor units off. `now` (the injected clock) is the
 * row's created_at: the code cannot exist at Whop before it, which bounds the lookup. The case is
 * a recovery case (`caseId`) or a save case (`saveCaseId`); one code per case either way.
 */
export async function findOrCreatePromoIncentive(
  q: Queryable,
  row: PromoOwnerKey & { companyId: string; code: string; terms: PromoTerms; currency: string | null; now: Date },
): Promise<Incentive> {
  const value = row.terms.promo_type === 'percentage' ? row.terms.percent_off : row.terms.amount_off_cents;
  const owner = row.saveCaseId ? { saveCaseId: row.saveCaseId } : { caseId: row.caseId! };
  await q
    .insert(incentives)
    .values({ companyId: row.companyId, ...owner, type: 'promo_code', value, costCents: 0, currency: row.currency, code: row.code, terms: row.terms, status: 'pending', createdAt: row.now, updatedAt: row.now })
    .onConflictDoNothing();
  const ownedBy = row.saveCaseId ? eq(incentives.saveCaseId, row.saveCaseId) : eq(incentives.caseId, row.caseId!);
  const rows = await q.select().from(incentives).where(and(ownedBy, eq(incentives.type, 'promo_code')));
  return rows[0]!;
}

/** Records Whop's promo id and expiry on a code that now exists (status granted). */
export async function markPromoCodeCreated(
  q: Queryable,
  id: string,
  from: 'granting',
  created: { whopPromoCodeId: string; expiresAt: Date | null; note: string | null; now: Date },
): Promise<boolean> {
  const rows = await q
    .update(incentives)
    .set({ status: 'granted', providerRef: created.whopPromoCodeId, expiresAt: created.expiresAt, grantedAt: created.now, error: created.note, updatedAt: created.now })
    .where(and(eq(incentives.id, id), eq(incentives.status, from)))
    .returning({ id: incentives.id });
  return rows.length > 0;
}

/**
 * The first payment that used the company's code redeems it, once: sets when, which payment and
 * the cost (0 until then). Returns the case it belongs to (a recovery case or a save case), or
 * null when the code is not one of ours or was already redeemed.
 */
export async function markPromoCodeRedeemed(
  q: Queryable,
  input: { companyId: string; whopPromoCodeId: string; whopPaymentId: string; redeemedAt: Date; cost: (terms: PromoTerms) => number; currency: string | null; now: Date },
): Promise<{ caseId: string | null; saveCaseId: string | null; code: string; costCents: number } | null> {
  const [found] = await q
    .select({ id: incentives.id, caseId: incentives.caseId, saveCaseId: incentives.saveCaseId, code: incentives.code, terms: incentives.terms })
    .from(incentives)
    .where(
      and(
        eq(incentives.companyId, input.companyId),
        eq(incentives.type, 'promo_code'),
        eq(incentives.providerRef, input.whopPromoCodeId),
        eq(incentives.status, 'granted'),
        isNull(incentives.redeemedAt),
      ),
    );
  if (!found || !found.terms || !found.code) return null;
  const costCents = input.cost(found.terms);
  const rows = await q
    .update(incentives)
    .set({
      redeemedAt: input.redeemedAt,
      whopRedeemedPaymentId: input.whopPaymentId,
      costCents,
      currency: sql`coalesce(${input.currency}, ${incentives.currency})`,
      updatedAt: input.now,
    })
    .where(and(eq(incentives.id, found.id), isNull(incentives.redeemedAt)))
    .returning({ id: incentives.id });
  return rows.length > 0 ? { caseId: found.caseId, saveCaseId: found.saveCaseId, code: found.code, costCents } : null;
}

/** The case's promo code Whop has, not redeemed and not expired at `now`; null when none. */
export async function findActivePromoCode(q: Queryable, caseId: string, now: Date): Promise<{ code: string; terms: PromoTerms } | null> {
  const [row] = await q
    .select({ code: incentives.code, terms: incentives.terms })
    .from(incentives)
    .where(
      and(
        eq(incentives.caseId, caseId),
        eq(incentives.type, 'promo_code'),
        eq(incentives.status, 'granted'),
        isNull(incentives.redeemedAt),
        or(isNull(incentives.expiresAt), gt(incentives.expiresAt, now)),
      ),
    );
  return row?.code && row.terms ? { code: row.code, terms: row.terms } : null;
}

/** A save case's promo-code row (any status), or null when its offer has none yet. */
export async function findSavePromoCode(q: Queryable, saveCaseId: string): Promise<Incentive | null> {
  const [row] = await q
    .select()
    .from(incentives)
    .where(and(eq(incentives.saveCaseId, saveCaseId), eq(incentives.type, 'promo_code')));
  return row ?? null;
}
