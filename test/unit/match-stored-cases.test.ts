import { describe, expect, it } from 'vitest';
import { matchStoredCases, windowsOverlap } from '../../src/domain/match-stored-cases.ts';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const w = (id: string, from: number, to: number) => ({ id, firstFailureAt: day(from), attributionEndsAt: day(to) });

describe('windowsOverlap', () => {
  it.each([
    [[0, 7], [7, 14], true, 'touching ends overlap (inclusive)'],
    [[0, 7], [8, 14], false, 'a day apart'],
    [[8, 14], [0, 7], false, 'a day apart, other order'],
    [[7, 14], [0, 7], true, 'touching ends, other order'],
    [[0, 30], [5, 6], true, 'one inside the other'],
    [[5, 6], [0, 30], true, 'inside, other order'],
  ] as const)('%j and %j: %s (%s)', (a, b, expected, _why) => {
    expect(windowsOverlap(w('a', a[0], a[1]), w('b', b[0], b[1]))).toBe(expected);
  });
});

describe('matchStoredCases', () => {
  it('pairs each derived case with the first free stored case it overlaps; a moved start keeps the case', () => {
    const stored = [w('s1', 5, 12), w('s2', 20, 27)];
    const derived = [w('d1', 1, 8), w('d2', 20, 27)];
    const { matches, unmatched } = matchStoredCases(derived, stored);
    expect([...matches].map(([d, s]) => `${d.id}->${s.id}`)).toEqual(['d1->s1', 'd2->s2']);
    expect(unmatched).toEqual([]);
  });

  it('a stored case merged into a longer derived case is continued by the stored case that took it', () => {
    const stored = [w('s1', 5, 12), w('s2', 13, 20), w('s3', 40, 47)];
    const { matches, unmatched } = matchStoredCases([w('d1', 1, 31)], stored);
    expect([...matches.values()].map((s) => s.id)).toEqual(['s1']);
    expect(unmatched.map((u) => [u.stored.id, u.continuedBy?.id ?? null])).toEqual([['s2', 's1'], ['s3', null]]);
  });

  it('with no derived case every stored case is unmatched and continued by none', () => {
    const { matches, unmatched } = matchStoredCases([], [w('s1', 0, 7)]);
    expect(matches.size).toBe(0);
    expect(unmatched).toEqual([{ stored: w('s1', 0, 7), continuedBy: null }]);
  });

  it('a new derived case that overlaps nothing stays unmatched (it will be inserted)', () => {
    const { matches } = matchStoredCases([w('d1', 0, 7), w('d2', 30, 37)], [w('s1', 0, 7)]);
    expect([...matches.keys()].map((d) => d.id)).toEqual(['d1']);
  });

  it('a stored case is never paired with a derived case whose window it does not overlap', () => {
    const { matches, unmatched } = matchStoredCases([w('d1', 0, 7), w('d2', 30, 37)], [w('s1', 30, 37)]);
    expect([...matches].map(([d, s]) => `${d.id}->${s.id}`)).toEqual(['d2->s1']);
    expect(unmatched).toEqual([]);
  });
});
