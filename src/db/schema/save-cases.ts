import { boolean, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { encryptedText } from '../encrypted-text.ts';
import type { SaveCaseStatus, SaveCredit, SaveOfferKind } from '../../domain/save-case.ts';

/** A save case: one scheduled cancellation and the offer that answers it (migrations/0031_save_cases.sql). */
export const saveCases = pgTable('save_cases', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: text('company_id').notNull(),
  whopMembershipId: text('whop_membership_id').notNull(),
  whopUserId: text('whop_user_id'),
  status: text('status').$type<SaveCaseStatus>().notNull(),
  cancelOption: text('cancel_option'),
  offerKind: text('offer_kind').$type<SaveOfferKind>().notNull(),
  offerDays: integer('offer_days'),
  holdout: boolean('holdout').notNull().default(false),
  scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull(),
  cancelsAt: timestamp('cancels_at', { withTimezone: true }),
  offerDueAt: timestamp('offer_due_at', { withTimezone: true }),
  offerClaimedUntil: timestamp('offer_claimed_until', { withTimezone: true }),
  offerSentAt: timestamp('offer_sent_at', { withTimezone: true }),
  offerDeliveries: jsonb('offer_deliveries').$type<Record<string, string>>().notNull().default({}),
  /** The offer's text per channel, as sent or kept in the outbox (0043): JSON, encrypted; null before the offer goes out. */
  offerMessages: encryptedText('offer_messages'),
  lastClickAt: timestamp('last_click_at', { withTimezone: true }),
  lastClickChannel: text('last_click_channel'),
  acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  incentiveAppliedAt: timestamp('incentive_applied_at', { withTimezone: true }),
  /** A pause offer once Whop paused the billing: when it resumes (0036); the hold starts there. */
  pauseResumesAt: timestamp('pause_resumes_at', { withTimezone: true }),
  savedAt: timestamp('saved_at', { withTimezone: true }),
  savedBy: text('saved_by').$type<SaveCredit>(),
  savedChannel: text('saved_channel'),
  holdEndsAt: timestamp('hold_ends_at', { withTimezone: true }),
  decidedAt: timestamp('decided_at', { withTimezone: true }),
  revertedReason: text('reverted_reason'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
