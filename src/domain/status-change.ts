/** A stored membership status fact, as the merge rule needs it. */
export interface StatusFactRef {
  id: number;
  kind: 'membership_activated' | 'membership_deactivated';
  occurredAt: Date;
  /** Made by reconciliation from a REST read (its time is the read's updated_at, not the change's). */
  synthesized: boolean;
}

/**
 * Whether `incoming` is a status change already stored: its neighbour in time among the
 * membership's status facts (the one just before or just after it) has the same kind — a
 * membership cannot become inactive twice without becoming active in between — and one of the two
 * was reconciled. Two deliveries stay two facts (deliveries keep today's exact-match dedupe).
 * Returns the stored fact it duplicates, or null.
 */
export function isSameStatusChange(existing: readonly StatusFactRef[], incoming: Omit<StatusFactRef, 'id'>): StatusFactRef | null {
  const t = incoming.occurredAt.getTime();
  const before = [...existing].reverse().find((f) => f.occurredAt.getTime() <= t);
  const after = existing.find((f) => f.occurredAt.getTime() > t);
  for (const neighbour of [before, after]) {
    if (neighbour && neighbour.kind === incoming.kind && (neighbour.synthesized || incoming.synthesized)) return neighbour;
  }
  return null;
}
