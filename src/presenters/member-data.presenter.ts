import type { Queryable } from '../db/client.ts';
import { listErasureReceipts } from '../db/repositories/member-erasures.repository.ts';
import type { MemberSubjectKind } from '../db/schema/member-data.ts';
import type { OptOutChannel } from '../db/schema/member-opt-outs.ts';
import type { EraseResult } from '../services/members/erase-member-data.ts';
import type { ExportResult } from '../services/members/export-member-data.ts';

/** POST …/member-data/exports (201): where and until when the export can be downloaded. */
export interface MemberExportView {
  export: { id: string; expires_at: string; size_bytes: number; counts: Record<string, number>; download_url: string };
}

/** POST …/member-data/erasures: the receipt (counts of what was erased, never what it was). */
export interface ErasureReceiptView {
  receipt: { id: string; erased_at: string; counts: Record<string, number> };
}

/** GET …/member-data/erasures: the company's last 200 receipts, newest first. */
export interface ErasureReceiptListView {
  receipts: { id: string; subject_kind: MemberSubjectKind; requested_by: string; counts: Record<string, number>; erased_at: Date }[];
}

/** POST …/member-data/opt-outs: the channels asked for, and those not already opted out. */
export interface OptOutView {
  opted_out: OptOutChannel[];
  newly_opted_out: OptOutChannel[];
}

export function presentMemberExport(companyId: string, created: Extract<ExportResult, { ok: true }>): MemberExportView {
  return {
    export: {
      id: created.id,
      expires_at: created.expiresAt.toISOString(),
      size_bytes: created.sizeBytes,
      counts: created.counts,
      download_url: `/api/companies/${companyId}/member-data/exports/${created.id}`,
    },
  };
}

export function presentErasureReceipt(erased: Extract<EraseResult, { ok: true }>): ErasureReceiptView {
  return { receipt: { id: erased.receiptId, erased_at: erased.at.toISOString(), counts: erased.counts } };
}

export async function presentErasureReceipts(companyId: string, q: Queryable): Promise<ErasureReceiptListView> {
  const rows = await listErasureReceipts(q, companyId, 200);
  return { receipts: rows.map((r) => ({ id: r.id, subject_kind: r.subjectKind, requested_by: r.requestedBy, counts: r.counts, erased_at: r.erasedAt })) };
}
