import { encryptedText } from '../encrypted-text.ts';
import { bigserial, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type WebhookEventStatus = 'pending' | 'processed' | 'ignored' | 'failed';

export const webhookEvents = pgTable('webhook_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  webhookId: text('webhook_id').notNull().unique(),
  companyId: text('company_id'),
  type: text('type').notNull(),
  apiVersion: text('api_version').notNull().default('v1'),
  /** null once purged (retention) or erased (member request): see body_purged_at. */
  rawBody: encryptedText('raw_body'),
  bodyPurgedAt: timestamp('body_purged_at', { withTimezone: true }),
  status: text('status').$type<WebhookEventStatus>().notNull().default('pending'),
  error: text('error'),
  attempts: integer('attempts').notNull().default(0),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  processedAt: timestamp('processed_at', { withTimezone: true }),
});
