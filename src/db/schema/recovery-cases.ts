import { encryptedText } from '../encrypted-text.ts';
import { bigint, boolean, integer, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { CaseStatus, RiskLevel } from '../../domain/recovery-case.ts';
import type { TestVariant } from '../../domain/variant-test.ts';

export const recoveryCases = pgTable('recovery_cases', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: text('company_id').notNull(),
  whopMembershipId: text('whop_membership_id').notNull(),
  whopUserId: text('whop_user_id'),
  memberEmail: encryptedText('member_email'),
  memberEmailHash: text('member_email_hash'),
  whopPaymentId: text('whop_payment_id'),
  status: text('status').$type<CaseStatus>().notNull(),
  failureReason: encryptedText('failure_reason'),
  failureCount: integer('failure_count').notNull().default(0),
  amountAtRiskCents: bigint('amount_at_risk_cents', { mode: 'number' }).notNull().default(0),
  recoveredCents: bigint('recovered_cents', { mode: 'number' }).notNull().default(0),
  currency: text('currency'),
  riskLevel: text('risk_level').$type<RiskLevel>().notNull().default('medium'),
  firstFailureAt: timestamp('first_failure_at', { withTimezone: true }).notNull(),
  lastFailureAt: timestamp('last_failure_at', { withTimezone: true }).notNull(),
  recoveredAt: timestamp('recovered_at', { withTimezone: true }),
  closedAt: timestamp('closed_at', { withTimezone: true }),
  attributionWindowDays: integer('attribution_window_days').notNull(),
  attributionEndsAt: timestamp('attribution_ends_at', { withTimezone: true }).notNull(),
  settingsVersion: integer('settings_version').notNull(),
  nextNudgeAt: timestamp('next_nudge_at', { withTimezone: true }),
  stepsSent: integer('steps_sent').notNull().default(0),
  lastNudgeAt: timestamp('last_nudge_at', { withTimezone: true }),
  nudgeClaimedUntil: timestamp('nudge_claimed_until', { withTimezone: true }),
  memberName: encryptedText('member_name'),
  whopProductId: text('whop_product_id'),
  /** Whop's manage_url for the membership (stable), cached after the first lookup. */
  manageUrl: text('manage_url'),
  whopProductTitle: text('whop_product_title'),
  paymentRetryable: boolean('payment_retryable').notNull().default(false),
  declineCode: text('decline_code'),
  nextPaymentAttemptAt: timestamp('next_payment_attempt_at', { withTimezone: true }),
  cardExpMonth: smallint('card_exp_month'),
  cardExpYear: smallint('card_exp_year'),
  needsAuthentication: boolean('needs_authentication').notNull().default(false),
  recoveryUrl: encryptedText('recovery_url'),
  /** What the recovery is credited to (domain/recovery-credit.ts); null unless recovered. */
  creditedMethod: text('credited_method'),
  creditedChannel: text('credited_channel'),
  creditedStep: integer('credited_step'),
  /** domain/decline-variant.ts of the failure reason, kept in clear for grouping. */
  declineCategory: text('decline_category'),
  /** In the control group: gets nothing from us (issue #12 §3); decided when the case opens. */
  holdout: boolean('holdout').notNull().default(false),
  /** The variant test the case is in (the settings version that started it) and its variant (#15 §5). */
  variantTestVersion: integer('variant_test_version'),
  testVariant: text('test_variant').$type<TestVariant>(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
