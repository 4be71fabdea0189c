import type { Channel } from '../../domain/channels.ts';
import { encryptedText } from '../encrypted-text.ts';
import { integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A delivery is one channel's attempt of one step: the channel list is domain/channels.ts. */
export type DeliveryChannel = Channel;
/** `sending`: the provider is being called (set just before); `unknown`: a worker died during that call (never resent). */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped' | 'outbox' | 'dead' | 'unknown';

export const deliveries = pgTable('deliveries', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: text('company_id').notNull(),
  caseId: uuid('case_id').notNull(),
  step: integer('step').notNull(),
  channel: text('channel').$type<DeliveryChannel>().notNull(),
  status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
  providerMessageId: text('provider_message_id'),
  error: encryptedText('error'),
  renderedSubject: encryptedText('rendered_subject'),
  renderedBody: encryptedText('rendered_body'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  sentAt: timestamp('sent_at', { withTimezone: true }),
});
