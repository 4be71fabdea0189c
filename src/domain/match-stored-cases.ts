/** The part of a case that matching reads: its attribution window. */
export interface CaseWindow {
  firstFailureAt: Date;
  attributionEndsAt: Date;
}

/** A stored case no derived case continues, and the stored case that now holds its window, if any. */
export interface UnmatchedCase<S> {
  stored: S;
  /** The stored case paired with the first derived case whose window overlaps; null when none does. */
  continuedBy: S | null;
}

export interface CaseMatching<D, S> {
  matches: Map<D, S>;
  unmatched: UnmatchedCase<S>[];
}

/** Windows overlap when each starts no later than the other ends (ends inclusive). */
export function windowsOverlap(a: CaseWindow, b: CaseWindow): boolean {
  return a.firstFailureAt.getTime() <= b.attributionEndsAt.getTime() && b.firstFailureAt.getTime() <= a.attributionEndsAt.getTime();
}

/**
 * Pairs each derived case (chronological) with the stored case it continues: the first unpaired
 * stored case whose window overlaps, so a late, earlier failure moves a case's start without making
 * it a new case. A stored case left over was merged into another case (`continuedBy`) or is no
 * longer derived at all; the caller decides what its outreach history becomes, never to drop it.
 */
export function matchStoredCases<D extends CaseWindow, S extends CaseWindow>(derived: readonly D[], stored: readonly S[]): CaseMatching<D, S> {
  const matches = new Map<D, S>();
  const free = new Set(stored);
  for (const d of derived) {
    for (const s of free) {
      if (!windowsOverlap(s, d)) continue;
      matches.set(d, s);
      free.delete(s);
      break;
    }
  }
  const unmatched = [...free].map((s) => {
    const by = derived.find((d) => matches.has(d) && windowsOverlap(s, d));
    return { stored: s, continuedBy: by === undefined ? null : matches.get(by)! };
  });
  return { matches, unmatched };
}
