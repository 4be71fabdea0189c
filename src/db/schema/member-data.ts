import { integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { encryptedText } from '../encrypted-text.ts';

export type MemberSubjectKind = 'user_id' | 'email';

/** A member's data export, downloadable until expires_at (migration 0007). */
export const memberDataExports = pgTable('member_data_exports', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: text('company_id').notNull(),
  subjectKind: text('subject_kind').$type<MemberSubjectKind>().notNull(),
  subjectHash: text('subject_hash').notNull(),
  requestedBy: text('requested_by').notNull(),
  document: encryptedText('document'),
  sizeBytes: integer('size_bytes').notNull(),
  downloads: integer('downloads').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** A deletion receipt (migration 0007). */
export const memberErasures = pgTable('member_erasures', {
  id: uuid('id').primaryKey().defaultRandom(),
  companyId: text('company_id').notNull(),
  subjectKind: text('subject_kind').$type<MemberSubjectKind>().notNull(),
  subjectHash: text('subject_hash').notNull(),
  requestedBy: text('requested_by').notNull(),
  counts: jsonb('counts').$type<Record<string, number>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
