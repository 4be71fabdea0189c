import { encryptedText } from '../encrypted-text.ts';
import { bigint, bigserial, boolean, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import type { FactKind, WithheldField } from '../../domain/membership-fact.ts';

export const membershipFacts = pgTable('membership_facts', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  companyId: text('company_id').notNull(),
  whopMembershipId: text('whop_membership_id').notNull(),
  kind: text('kind').$type<FactKind>().notNull(),
  whopPaymentId: text('whop_payment_id'),
  whopUserId: text('whop_user_id'),
  memberEmail: encryptedText('member_email'),
  memberEmailHash: text('member_email_hash'),
  amountCents: bigint('amount_cents', { mode: 'number' }),
  currency: text('currency'),
  reason: encryptedText('reason'),
  occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  webhookEventId: bigint('webhook_event_id', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  declineCode: text('decline_code'),
  nextPaymentAttemptAt: timestamp('next_payment_attempt_at', { withTimezone: true }),
  cardExpMonth: smallint('card_exp_month'),
  cardExpYear: smallint('card_exp_year'),
  retryable: boolean('retryable'),
  recoveryUrl: encryptedText('recovery_url'),
  cancelOption: text('cancel_option'),
  cancelationStatus: text('cancelation_status'),
  /** The promo code the payment used (0033) and its subtotal before the discount. */
  whopPromoCodeId: text('whop_promo_code_id'),
  subtotalCents: bigint('subtotal_cents', { mode: 'number' }),
  withheldFields: text('withheld_fields').array().$type<WithheldField[]>().notNull().default([]),
});
