import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// #13 §3: "record a fact, then re-derive the membership's cases" is one service. A use case that
// stored a fact itself, or re-derived without the membership's lock, would bring the copies back.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const WRITER = 'src/services/cases/record-membership-fact.ts';
const BATCH = 'src/services/cases/reconcile-membership-batch.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Files of src/ (but `except`) whose text matches `pattern`. */
function filesMatching(pattern: RegExp, except: string[]): string[] {
  return sourceFiles(SRC)
    .map((path) => relative(ROOT, path).split(sep).join('/'))
    .filter((path) => !except.includes(path) && pattern.test(readFileSync(join(ROOT, path), 'utf8')));
}

describe('one writer of derived case state', () => {
  it('only record-membership-fact.ts re-derives cases or stores facts', () => {
    // The batch path's set-by-set re-derivation is part of the writer: only the writer calls it.
    expect(filesMatching(/from '[./]*(cases\/)?reconcile-membership-cases\.ts'/, [WRITER, BATCH])).toEqual([]);
    expect(filesMatching(/from '[./]*(cases\/)?reconcile-membership-batch\.ts'/, [WRITER])).toEqual([]);
    expect(filesMatching(/from '[./]*(cases\/)?store-membership-fact\.ts'/, [WRITER])).toEqual([]);
    expect(filesMatching(/\binsertMembershipFacts?\b/, [WRITER, 'src/services/cases/store-membership-fact.ts', 'src/db/repositories/membership-facts.repository.ts'])).toEqual([]);
  });

  it('the membership lock is taken in the repository only', () => {
    expect(filesMatching(/pg_advisory_xact_lock\(hashtextextended\(\$\{`\$\{(fact\.)?companyId\}:|unnest\(\$\{sql\.param\(memberships\)\}/, [])).toEqual([]);
  });
});
