import { randomBytes } from 'node:crypto';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import { findOrCreatePromoIncentive, markPromoCodeCreated, type PromoOwnerKey } from '../../db/repositories/incentives.repository.ts';
import { appendCaseEvent, transitionIncentive, type Incentive, type StoredCase } from '../../db/repositories/outreach.repository.ts';
import { formatMinorUnits } from '../../domain/money.ts';
import { describePromoOffer, isSamePromoCode, promoCodeFrom, promoExpiresAt, whyPromoTermsDoNotApply, PROMO_CODE_SYMBOLS, type PromoTerms } from '../../domain/promo-code.ts';
import { retryDelayMs } from '../../domain/retry-backoff.ts';
import type { WhopGateway, WhopPromoCode } from '../../integrations/whop/whop-gateway.ts';
import { interruptedAfterMs, randomOf, type NudgeDeps } from './nudge-deps.ts';

type PromoCodeDeps = Pick<NudgeDeps, 'db' | 'whop' | 'random' | 'randomBytes' | 'leaseMs'>;

/** The code to show in the message (`{promo_code}`, `{promo_offer}`), or none. */
export type PromoOffer = { code: string; offer: string } | null;
export type PromoOutcome = { promo: PromoOffer } | { retryAt: Date; why: string };

/**
 * The case a code is created for: a recovery case (its timeline records the code) or a save case
 * ("too expensive", issue #15 §2; the audit log records it). Both share the one incentive record
 * and everything below.
 */
export type PromoCodeOwner = { kind: 'recovery'; case: StoredCase } | { kind: 'save'; companyId: string; saveCaseId: string; currency: string | null };

interface Owner {
  companyId: string;
  currency: string | null;
  key: PromoOwnerKey;
  recordCreated(detail: Record<string, unknown>, now: Date): Promise<void>;
}

function ownerOf(deps: PromoCodeDeps, owner: PromoCodeOwner): Owner {
  if (owner.kind === 'save')
    return {
      companyId: owner.companyId,
      currency: owner.currency,
      key: { saveCaseId: owner.saveCaseId },
      recordCreated: (detail, now) => recordAuditEvent(deps.db, { companyId: owner.companyId, actor: 'system', action: 'save.promo_code_created', target: `save:${owner.saveCaseId}`, detail, at: now }),
    };
  const c = owner.case;
  return {
    companyId: c.companyId,
    currency: c.currency,
    key: { caseId: c.id },
    recordCreated: async (detail, now) => {
      await appendCaseEvent(deps.db, { companyId: c.companyId, caseId: c.id, status: c.status, reason: 'promo_code_created', actor: 'system', source: 'outreach', detail, at: now });
    },
  };
}

/** A create call that timed out is settled by looking the code up this much later. */
const CREATE_TIMEOUT_SETTLE_MS = 10_000;
const CREATE_TIMED_OUT = 'the Whop call timed out or the connection dropped: settled by looking the code up';
/** A code cannot exist at Whop before its row: look it up among codes created since, with clock slack. */
const LOOKUP_SLACK_MS = 5 * 60_000;

/**
 * Creates the case's promo code at Whop exactly once (issue #15 §3), the way free days are granted
 * once: the code and terms are stored (pending) before any call, the row moves pending → granting
 * in a conditional update so only one worker calls Whop, and any doubt about an earlier call (a
 * worker killed mid-call, a timeout, a 5xx that may have applied) is settled by looking that same
 * code up at Whop, never by creating a second. Whop refuses a second code with the same text
 * anyway; the lookup is what turns that into "created". Returns the code to mention, or when to
 * try the step again.
 */
export async function createPromoCodeOnce(deps: PromoCodeDeps, owner: PromoCodeOwner, settingsTerms: PromoTerms, now: Date, member: { productId: string | null }): Promise<PromoOutcome> {
  const c = ownerOf(deps, owner);
  const bytes = (deps.randomBytes ?? randomBytes)(PROMO_CODE_SYMBOLS);
  const row = await findOrCreatePromoIncentive(deps.db, { ...c.key, companyId: c.companyId, code: promoCodeFrom(bytes), terms: settingsTerms, currency: c.currency, now });
  // The stored row is the truth: a retry or a second worker uses the code chosen first.
  const code = row.code!;
  const terms = row.terms!;
  const offerOf = (): PromoOffer => ({ code, offer: describePromoOffer(terms) });
  const wait = (ms: number, why: string): PromoOutcome => ({ retryAt: new Date(now.getTime() + ms), why });
  const backoff = (retryAfterMs: number | null) => retryDelayMs(1, retryAfterMs, randomOf(deps));

  if (row.status === 'granted') return { promo: offerOf() };
  if (row.status === 'failed' || row.status === 'unknown') return { promo: null };

  if (row.status === 'pending') {
    const notApplicable = whyPromoTermsDoNotApply(terms, c.currency);
    if (notApplicable || !deps.whop) {
      await transitionIncentive(deps.db, row.id, 'pending', 'failed', { error: notApplicable ? `not created: ${notApplicable}` : 'not created: no Whop API key (outbox mode)', now });
      return { promo: null };
    }
  }
  const whop = deps.whop!;

  let lookedUp = false;
  if (row.status === 'granting') {
    const settleAfter = row.error === CREATE_TIMED_OUT ? CREATE_TIMEOUT_SETTLE_MS : interruptedAfterMs(deps);
    if (now.getTime() - row.updatedAt.getTime() < settleAfter)
      return { retryAt: new Date(row.updatedAt.getTime() + settleAfter), why: 'promo code creation in progress; settled by looking the code up shortly' };
    const found = await lookUp(whop, c, row);
    if (!found.ok) {
      if (found.retryable) return wait(backoff(found.retryAfterMs), `looking up an interrupted promo code: ${found.message}`);
      await transitionIncentive(deps.db, row.id, 'granting', 'unknown', { error: `interrupted during the Whop call and the code could not be looked up (${found.message}); check Whop's promo codes before offering one by hand`, now });
      return { promo: null };
    }
    if (found.value) return (await recordCreated(deps, c, row, found.value, 'interrupted during the Whop call; Whop shows the code', now)) ? { promo: offerOf() } : wait(60_000, 'promo code settled by another worker');
    // Whop never made it: create it now, as if the call had never been made.
    if (!(await transitionIncentive(deps.db, row.id, 'granting', 'pending', { error: 'interrupted before Whop created it; creating again', now }))) return wait(60_000, 'promo code settled by another worker');
    lookedUp = true;
  }

  // An earlier attempt failed in a way that may have reached Whop: look before creating again.
  if (row.error !== null && !lookedUp) {
    const found = await lookUp(whop, c, row);
    if (!found.ok) return wait(backoff(found.retryAfterMs), `looking up the promo code before creating it again: ${found.message}`);
    if (found.value) {
      if (!(await transitionIncentive(deps.db, row.id, 'pending', 'granting', { now }))) return wait(60_000, 'promo code claimed by another worker');
      return (await recordCreated(deps, c, row, found.value, 'an earlier call had created it', now)) ? { promo: offerOf() } : wait(60_000, 'promo code settled by another worker');
    }
  }

  if (!(await transitionIncentive(deps.db, row.id, 'pending', 'granting', { now }))) return wait(60_000, 'promo code claimed by another worker');
  const expiresAt = promoExpiresAt(terms, now);
  const created = await whop.createPromoCode({
    companyId: c.companyId,
    code,
    promoType: terms.promo_type,
    amountOff: terms.promo_type === 'percentage' ? terms.percent_off : Number(formatMinorUnits(terms.amount_off_cents, terms.currency)),
    baseCurrency: terms.promo_type === 'flat_amount' ? terms.currency : (c.currency ?? 'usd'),
    durationMonths: terms.duration_months,
    productId: member.productId,
    expiresAt,
  });
  if (created.ok) return (await recordCreated(deps, c, row, created.value, null, now, expiresAt)) ? { promo: offerOf() } : wait(60_000, 'promo code settled by another worker');
  if (created.maybeApplied) {
    await transitionIncentive(deps.db, row.id, 'granting', 'granting', { error: CREATE_TIMED_OUT, now });
    return wait(CREATE_TIMEOUT_SETTLE_MS, `promo code call ${created.message}; looking the code up before anything else`);
  }
  if (created.retryable) {
    // The error stays on the row, so the next attempt looks the code up first (a 5xx may have applied).
    await transitionIncentive(deps.db, row.id, 'granting', 'pending', { error: created.message, now });
    return wait(backoff(created.retryAfterMs), `promo code not created yet: ${created.message}`);
  }
  // A refusal may be Whop saying the code is taken, by our own earlier call: one look settles it.
  const found = await lookUp(whop, c, row);
  if (found.ok && found.value) return (await recordCreated(deps, c, row, found.value, 'an earlier call had created it', now)) ? { promo: offerOf() } : wait(60_000, 'promo code settled by another worker');
  await transitionIncentive(deps.db, row.id, 'granting', 'failed', { error: created.message, now });
  return { promo: null };
}

function lookUp(whop: WhopGateway, c: Owner, row: Incentive) {
  return whop.findPromoCode({ companyId: c.companyId, code: row.code!, createdAfter: new Date(row.createdAt.getTime() - LOOKUP_SLACK_MS) });
}

/** granting → granted with Whop's id, and a timeline event; false when another worker got there first. */
async function recordCreated(deps: PromoCodeDeps, c: Owner, row: Incentive, promo: WhopPromoCode, note: string | null, now: Date, expiresAt?: Date): Promise<boolean> {
  if (promo.code !== null && !isSamePromoCode(promo.code, row.code)) throw new Error(`Whop returned promo code ${promo.code} for ${row.code}`);
  const expires = promo.expiresAt ? new Date(promo.expiresAt) : (expiresAt ?? promoExpiresAt(row.terms!, now));
  if (!(await markPromoCodeCreated(deps.db, row.id, 'granting', { whopPromoCodeId: promo.id, expiresAt: expires, note, now }))) return false;
  await c.recordCreated({ code: row.code, offer: describePromoOffer(row.terms!), expires_at: expires.toISOString(), ...(note ? { note } : {}) }, now);
  return true;
}
