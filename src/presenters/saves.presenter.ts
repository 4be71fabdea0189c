import { sql } from 'drizzle-orm';
import { queryRows, type Queryable } from '../db/client.ts';
import { decryptRow } from '../db/encrypted-text.ts';
import { acceptRate, KPI_FORMULAS, saveOutcomeOf, saveRate, type Rate, type SaveOutcomeCounts } from '../domain/kpi-formulas.ts';
import { describePromoCodeState, type PromoCodeState, type PromoTerms } from '../domain/promo-code.ts';
import type { SaveCaseStatus, SaveOfferKind } from '../domain/save-case.ts';

const DAY_MS = 86_400_000;

export interface SaveGroupFigures extends SaveOutcomeCounts {
  cases: number;
  /** Offers delivered on at least one channel (kept in the outbox is not sent). */
  offers_sent: number;
  /** Offers recorded but not sent because no provider is configured. */
  offers_in_outbox: number;
  accepted: number;
  /** Cancellations undone (by the offer or on the member's own), held or not yet. */
  saved: number;
  save_rate: Rate;
  /** accepted ÷ offers sent, 0–1; null with no offer sent. */
  accept_rate: number | null;
}

export interface SavesView {
  window_days: number;
  from: string;
  to: string;
  treated: SaveGroupFigures;
  /** Held-out members (the control group): no offer; their own undos show what offers add. */
  control: SaveGroupFigures;
  /** Treated cases by the offer they were matched to. */
  by_offer: Array<{ offer_kind: SaveOfferKind } & SaveGroupFigures>;
  /**
   * What the offers cost, per currency: promo codes count once a payment redeemed them (the
   * discount times its months, as for recovery cases), never when created. Free days and pauses
   * cost no money up front and are not priced here.
   */
  offer_cost: Array<{ currency: string | null; codes_redeemed: number; cost_cents: number }>;
  /** Saves (treated and control) by what they are credited to. */
  saved_by: { offer: number; own: number };
  recent: Array<{
    id: string;
    whop_membership_id: string;
    status: SaveCaseStatus;
    holdout: boolean;
    cancel_option: string | null;
    offer_kind: SaveOfferKind;
    offer_days: number | null;
    /** The "too expensive" offer's code and one truthful sentence on its state; null for other offers or before it is chosen. */
    promo: { code: string; status: PromoCodeState['status']; description: string; redeemed_at: string | null; cost_cents: number; currency: string | null } | null;
    /** An accepted pause: when Whop resumes the billing (the 30-day hold starts there). */
    pause_resumes_at: string | null;
    scheduled_at: string;
    offer_sent_at: string | null;
    accepted_at: string | null;
    saved_at: string | null;
    saved_by: string | null;
    saved_channel: string | null;
    hold_ends_at: string | null;
    decided_at: string | null;
    reverted_reason: string | null;
    /** Per channel the offer went to: its delivery state (sent, outbox, skipped…) and its text as the member got it or as it was kept. */
    messages: Array<{ channel: string; delivery: string; subject: string | null; body: string | null }>;
  }>;
  formulas: Pick<typeof KPI_FORMULAS, 'save_rate' | 'save_accept_rate' | 'save_reverted' | 'cohort'>;
}

type Row = { holdout: boolean; offer_kind: SaveOfferKind; status: SaveCaseStatus; cases: number; sent: number; outbox: number; accepted: number; saved: number; by_offer: number; by_own: number };

/**
 * The dashboard's "Saves" section: save cases whose cancellation was scheduled in the last
 * `windowDays` (the cohort), of `companyId` only. Rates divide over decided cases (held, reverted,
 * lost); open cases and saves inside their 30 days are counted as still deciding.
 */
export async function presentSaves(q: Queryable, companyId: string, options: { windowDays: number; now: Date }): Promise<SavesView> {
  const to = options.now;
  const from = new Date(to.getTime() - options.windowDays * DAY_MS);
  const rows = await queryRows<Row>(
    q,
    sql`SELECT holdout, offer_kind, status, count(*)::int AS cases,
          count(*) FILTER (WHERE EXISTS (SELECT 1 FROM jsonb_each_text(offer_deliveries) d WHERE d.value = 'sent'))::int AS sent,
          count(*) FILTER (WHERE offer_sent_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(offer_deliveries) d WHERE d.value = 'sent')
                                                          AND EXISTS (SELECT 1 FROM jsonb_each_text(offer_deliveries) d WHERE d.value = 'outbox'))::int AS outbox,
          count(accepted_at)::int AS accepted,
          count(saved_at)::int AS saved,
          count(*) FILTER (WHERE saved_by = 'offer')::int AS by_offer,
          count(*) FILTER (WHERE saved_by = 'own')::int AS by_own
        FROM save_cases
        WHERE company_id = ${companyId} AND scheduled_at > ${from} AND scheduled_at <= ${to}
        GROUP BY holdout, offer_kind, status`,
  );
  const recent = await queryRows<Record<string, unknown>>(
    q,
    sql`SELECT s.id, s.whop_membership_id, s.status, s.holdout, s.cancel_option, s.offer_kind, s.offer_days, s.pause_resumes_at, s.scheduled_at, s.offer_sent_at, s.accepted_at, s.saved_at, s.saved_by, s.saved_channel, s.hold_ends_at, s.decided_at, s.reverted_reason, s.offer_deliveries, s.offer_messages,
               x.code AS promo_code, x.terms AS promo_terms, x.status AS promo_status, x.expires_at AS promo_expires_at, x.redeemed_at AS promo_redeemed_at, x.error AS promo_error, x.cost_cents AS promo_cost_cents, x.currency AS promo_currency
        FROM save_cases s LEFT JOIN incentives x ON x.save_case_id = s.id AND x.company_id = s.company_id AND x.type = 'promo_code'
        WHERE s.company_id = ${companyId} AND s.scheduled_at > ${from} AND s.scheduled_at <= ${to}
        ORDER BY s.scheduled_at DESC LIMIT 20`,
  );
  const cost = await queryRows<{ currency: string | null; codes_redeemed: number; cost_cents: string | number }>(
    q,
    sql`SELECT x.currency, count(*)::int AS codes_redeemed, coalesce(sum(x.cost_cents), 0) AS cost_cents
        FROM incentives x JOIN save_cases s ON s.id = x.save_case_id AND s.company_id = x.company_id
        WHERE x.company_id = ${companyId} AND x.redeemed_at IS NOT NULL AND s.scheduled_at > ${from} AND s.scheduled_at <= ${to}
        GROUP BY x.currency ORDER BY x.currency`,
  );
  const kinds = [...new Set(rows.filter((r) => !r.holdout).map((r) => r.offer_kind))].sort();
  return {
    window_days: options.windowDays,
    from: from.toISOString(),
    to: to.toISOString(),
    treated: figuresOf(rows.filter((r) => !r.holdout)),
    control: figuresOf(rows.filter((r) => r.holdout)),
    by_offer: kinds.map((offer_kind) => ({ offer_kind, ...figuresOf(rows.filter((r) => !r.holdout && r.offer_kind === offer_kind)) })),
    offer_cost: cost.map((c) => ({ currency: c.currency, codes_redeemed: Number(c.codes_redeemed), cost_cents: Number(c.cost_cents) })),
    saved_by: { offer: sum(rows, 'by_offer'), own: sum(rows, 'by_own') },
    recent: recent.map((r) => ({
      id: String(r.id),
      whop_membership_id: String(r.whop_membership_id),
      status: r.status as SaveCaseStatus,
      holdout: r.holdout === true,
      cancel_option: (r.cancel_option as string | null) ?? null,
      offer_kind: r.offer_kind as SaveOfferKind,
      offer_days: r.offer_days === null ? null : Number(r.offer_days),
      promo: promoOf(r, to),
      pause_resumes_at: iso(r.pause_resumes_at),
      scheduled_at: iso(r.scheduled_at)!,
      offer_sent_at: iso(r.offer_sent_at),
      accepted_at: iso(r.accepted_at),
      saved_at: iso(r.saved_at),
      saved_by: (r.saved_by as string | null) ?? null,
      saved_channel: (r.saved_channel as string | null) ?? null,
      hold_ends_at: iso(r.hold_ends_at),
      decided_at: iso(r.decided_at),
      reverted_reason: (r.reverted_reason as string | null) ?? null,
      messages: messagesOf(r),
    })),
    formulas: { save_rate: KPI_FORMULAS.save_rate, save_accept_rate: KPI_FORMULAS.save_accept_rate, save_reverted: KPI_FORMULAS.save_reverted, cohort: KPI_FORMULAS.cohort },
  };
}

/** The offer's deliveries with their stored text (offer_messages, encrypted; decrypted here as raw SQL reads it). */
function messagesOf(r: Record<string, unknown>): SavesView['recent'][number]['messages'] {
  const deliveries = (typeof r.offer_deliveries === 'string' ? JSON.parse(r.offer_deliveries) : (r.offer_deliveries ?? {})) as Record<string, string>;
  const stored = typeof r.offer_messages === 'string' ? decryptRow({ text: r.offer_messages }).text : null;
  const texts = (stored ? JSON.parse(stored) : {}) as Record<string, { subject: string | null; body: string }>;
  return Object.entries(deliveries)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([channel, delivery]) => ({ channel, delivery, subject: texts[channel]?.subject ?? null, body: texts[channel]?.body ?? null }));
}

function promoOf(r: Record<string, unknown>, now: Date): SavesView['recent'][number]['promo'] {
  if (typeof r.promo_code !== 'string' || !r.promo_terms) return null;
  const terms = (typeof r.promo_terms === 'string' ? JSON.parse(r.promo_terms) : r.promo_terms) as PromoTerms;
  const expires = iso(r.promo_expires_at);
  const redeemed = iso(r.promo_redeemed_at);
  const state: PromoCodeState = { code: r.promo_code, terms, status: r.promo_status as PromoCodeState['status'], expiresAt: expires ? new Date(expires) : null, redeemedAt: redeemed ? new Date(redeemed) : null, error: (r.promo_error as string | null) ?? null };
  return { code: state.code, status: state.status, description: describePromoCodeState(state, now), redeemed_at: redeemed, cost_cents: Number(r.promo_cost_cents ?? 0), currency: (r.promo_currency as string | null) ?? null };
}

function figuresOf(rows: Row[]): SaveGroupFigures {
  const outcomes: SaveOutcomeCounts = { held: 0, reverted: 0, lost: 0, deciding: 0 };
  for (const r of rows) outcomes[saveOutcomeOf(r.status)] += r.cases;
  const offersSent = sum(rows, 'sent');
  const accepted = sum(rows, 'accepted');
  return {
    cases: sum(rows, 'cases'),
    offers_sent: offersSent,
    offers_in_outbox: sum(rows, 'outbox'),
    accepted,
    saved: sum(rows, 'saved'),
    ...outcomes,
    save_rate: saveRate(outcomes),
    accept_rate: acceptRate({ accepted, offersSent }),
  };
}

function sum(rows: Row[], key: 'cases' | 'sent' | 'outbox' | 'accepted' | 'saved' | 'by_offer' | 'by_own'): number {
  return rows.reduce((total, r) => total + Number(r[key]), 0);
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value as string | Date).toISOString();
}
