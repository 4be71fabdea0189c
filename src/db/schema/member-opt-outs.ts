import type { Channel } from '../../domain/channels.ts';
import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** A member opts out per channel of domain/channels.ts. */
export type OptOutChannel = Channel;

/** One row per (company, channel, member): the member gets nothing more on that channel (migration 0006). */
export const memberOptOuts = pgTable(
  'member_opt_outs',
  {
    companyId: text('company_id').notNull(),
    channel: text('channel').$type<OptOutChannel>().notNull(),
    subjectHash: text('subject_hash').notNull(),
    reason: text('reason').notNull(),
    source: text('source').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.companyId, t.channel, t.subjectHash] })],
);
