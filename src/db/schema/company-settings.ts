import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const companySettings = pgTable(
  'company_settings',
  {
    companyId: text('company_id').notNull(),
    version: integer('version').notNull(),
    attributionWindowDays: integer('attribution_window_days').notNull().default(14),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by'),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.version] })],
);
