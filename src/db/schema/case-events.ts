import { bigint, bigserial, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const caseEvents = pgTable('case_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  companyId: text('company_id').notNull(),
  caseId: uuid('case_id').notNull(),
  fromStatus: text('from_status'),
  toStatus: text('to_status').notNull(),
  reason: text('reason').notNull(),
  webhookEventId: bigint('webhook_event_id', { mode: 'number' }),
  actor: text('actor').notNull().default('system'),
  source: text('source').$type<'lifecycle' | 'outreach' | 'action'>().notNull().default('lifecycle'),
  detail: jsonb('detail').$type<Record<string, unknown>>(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
