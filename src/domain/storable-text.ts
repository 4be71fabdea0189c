/**
 * What PostgreSQL can hold in a text column: no NUL character (it ends C strings, and `text`
 * refuses it), and bounded where the column is indexed (a btree entry over ~2.7 KB is refused).
 */
export const MAX_ID_LENGTH = 200;

export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

/** An id or type we index: non-empty, no NUL, at most MAX_ID_LENGTH characters. Null when fine, else the problem. */
export function idProblem(value: string): string | null {
  if (hasNul(value)) return 'contains a NUL character';
  if (value.length > MAX_ID_LENGTH) return `is ${value.length} characters long, over ${MAX_ID_LENGTH}`;
  return null;
}

/** Free text (an error, a reason) made storable: NULs replaced, cut to `max` characters. */
export function storableText(value: string, max = 2000): string {
  const clean = value.replaceAll('\u0000', '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
