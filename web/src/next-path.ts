/**
 * `next` when it is a path of this very site ("/dashboard/biz_x/cases?status=open"), else null:
 * where sign-in may send someone back to. Refused: other origins ("https://evil.test"),
 * protocol-relative "//evil.test", "/\evil.test" (browsers read a backslash as a slash), control
 * characters, and the sign-in page itself. Pure (the origin is an argument), so unit-testable.
 */
export function safeNextPath(next: string | null, origin: string): string | null {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(next)) return null;
  try {
    const url = new URL(next, origin);
    if (url.origin !== origin || url.pathname === '/login') return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}
