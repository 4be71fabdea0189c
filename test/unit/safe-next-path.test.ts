import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../../web/src/next-path.ts';

const ORIGIN = 'https://recover.example.test';

describe('sign-in sends people back only to a page of this site', () => {
  it.each<[title: string, next: string | null, expected: string | null]>([
    ['a dashboard deep link with its query comes back whole', '/dashboard/biz_x/cases?status=open&q=dana', '/dashboard/biz_x/cases?status=open&q=dana'],
    ['a case page comes back', '/dashboard/biz_x/cases/9f1c', '/dashboard/biz_x/cases/9f1c'],
    ['no next: nothing', null, null],
    ['another origin is refused', 'https://evil.test/dashboard', null],
    ['a protocol-relative address is refused', '//evil.test/dashboard', null],
    ['a backslash (read as a slash by browsers) is refused', '/\\evil.test', null],
    ['a tab or newline inside the path is refused', '/\t/evil.test', null],
    ['javascript: is refused', 'javascript:alert(1)', null],
    ['a relative path is refused', 'dashboard/biz_x', null],
    ['the sign-in page itself is refused (no loop)', '/login?next=/admin', null],
    ['dot segments stay on this site', '/dashboard/../admin', '/admin'],
  ])('%s', (_title, next, expected) => {
    expect(safeNextPath(next, ORIGIN)).toBe(expected);
  });
});
