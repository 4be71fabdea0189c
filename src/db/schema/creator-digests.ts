import { date, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** One row per company and UTC day a digest was claimed (migration 0034): the digest's at-most-once key. */
export const creatorDigests = pgTable(
  'creator_digests',
  {
    companyId: text('company_id').notNull(),
    digestDate: date('digest_date').notNull(),
    status: text('status').$type<'sending' | 'sent' | 'failed' | 'empty'>().notNull().default('sending'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.digestDate] })],
);
