import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const emailSuppressions = pgTable(
  'email_suppressions',
  {
    companyId: text('company_id').notNull(),
    email: text('email').notNull(),
    reason: text('reason').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.email] })],
);
