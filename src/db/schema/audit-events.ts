import { bigserial, jsonb, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';

export const auditSchema = pgSchema('audit');

/** audit.events: one row per creator or operator action (migration 0005). */
export const auditEvents = auditSchema.table('events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  companyId: text('company_id'),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  target: text('target'),
  ip: text('ip'),
  detail: jsonb('detail').$type<Record<string, unknown>>(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});
