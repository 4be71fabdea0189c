import { desc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { memberErasures } from '../schema/member-data.ts';
import type { MemberSubjectKind } from '../schema/member-data.ts';

export interface ErasureReceiptRow {
  id: string;
  subjectKind: MemberSubjectKind;
  requestedBy: string;
  counts: Record<string, number>;
  erasedAt: Date;
}

/** A company's erasure receipts, newest first (they hold counts and a hash, never the member). */
export async function listErasureReceipts(q: Queryable, companyId: string, limit: number): Promise<ErasureReceiptRow[]> {
  return q
    .select({ id: memberErasures.id, subjectKind: memberErasures.subjectKind, requestedBy: memberErasures.requestedBy, counts: memberErasures.counts, erasedAt: memberErasures.createdAt })
    .from(memberErasures)
    .where(eq(memberErasures.companyId, companyId))
    .orderBy(desc(memberErasures.createdAt))
    .limit(limit);
}
