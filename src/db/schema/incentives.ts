import { bigint, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { PromoTerms } from '../../domain/promo-code.ts';

export type IncentiveStatus = 'pending' | 'granting' | 'granted' | 'failed' | 'unknown';

export const incentives = pgTable('incentives', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: text('company_id').notNull(),
  /** The recovery case it belongs to; null for a save case's (0036: exactly one of the two is set). */
  caseId: uuid('case_id'),
  /** The save case it belongs to (a "too expensive" promo code, 0036); null for a recovery case's. */
  saveCaseId: uuid('save_case_id'),
  type: text('type').$type<'free_days' | 'promo_code'>().notNull(),
  value: integer('value').notNull(),
  status: text('status').$type<IncentiveStatus>().notNull(),
  costCents: bigint('cost_cents', { mode: 'number' }).notNull().default(0),
  currency: text('currency'),
  providerRef: text('provider_ref'),
  error: text('error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  grantedAt: timestamp('granted_at', { withTimezone: true }),
  /** The membership's renewal_period_end just before the grant call: the evidence an interrupted grant is settled by. */
  periodEndBefore: timestamp('period_end_before', { withTimezone: true }),
  /** promo_code only (0033): the code chosen before Whop is called, its terms and Whop's expiry. */
  code: text('code'),
  terms: jsonb('terms').$type<PromoTerms>(),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  /** When a payment first used the code; cost_cents is set then (a code costs nothing unredeemed). */
  redeemedAt: timestamp('redeemed_at', { withTimezone: true }),
  whopRedeemedPaymentId: text('whop_redeemed_payment_id'),
});
