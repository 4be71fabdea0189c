/**
 * The control group's arithmetic (docs/metrics.md "Control group"): the lift in recovery rate of
 * treated over held-out cases with a 95 % Newcombe hybrid score interval, the incremental
 * recovered revenue with a bootstrap interval that resamples members (a member's cases move
 * together), and the planned sample size. Pure; the bootstrap takes its random source.
 */
import { randomBinomial } from 'd3-random';

/** Two-sided 95 %. */
export const Z95 = 1.959963984540054;
/** 80 % power. */
const Z80 = 0.8416212335729143;

/** Wilson score interval of x successes in n trials; [0, 1] when n is 0. */
export function wilsonInterval(x: number, n: number, z = Z95): { lower: number; upper: number } {
  if (n === 0) return { lower: 0, upper: 1 };
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface Lift {
  /** Treated rate − control rate, as a proportion (0.05 = 5 percentage points); null without both groups. */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/**
 * Difference of two proportions (treated − control) with Newcombe's hybrid score interval
 * (Newcombe 1998, method 10): each rate's Wilson interval, combined by the square-and-add rule.
 */
export function newcombeLift(treated: { recovered: number; decided: number }, control: { recovered: number; decided: number }, z = Z95): Lift {
  if (treated.decided === 0 || control.decided === 0) return { estimate: null, lower: null, upper: null };
  const p1 = treated.recovered / treated.decided;
  const p2 = control.recovered / control.decided;
  const w1 = wilsonInterval(treated.recovered, treated.decided, z);
  const w2 = wilsonInterval(control.recovered, control.decided, z);
  const d = p1 - p2;
  return {
    estimate: d,
    lower: d - Math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2),
    upper: d + Math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2),
  };
}

/** One member's decided cases in one currency: their count and net recovered (minor units). */
export interface MemberOutcome {
  cases: number;
  /** Recovered minus incentive cost granted (treated); recovered (control). */
  netCents: number;
  /** How many members had exactly this outcome (1 when absent): the read groups alike members. */
  members?: number;
}

export interface IncrementalRevenue {
  /** Minor units won back beyond what the control group's rate would have given the treated cases. */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** Alike members merged: distinct (cases, net) outcomes with their member counts, in a fixed order. */
function distinctOutcomes(of: readonly MemberOutcome[]): { cases: number; netCents: number; members: number }[] {
  const byKey = new Map<string, { cases: number; netCents: number; members: number }>();
  for (const m of of) {
    const key = `${m.cases}:${m.netCents}`;
    const seen = byKey.get(key);
    if (seen) seen.members += m.members ?? 1;
    else byKey.set(key, { cases: m.cases, netCents: m.netCents, members: m.members ?? 1 });
  }
  return [...byKey.values()].filter((o) => o.members > 0).sort((a, b) => a.cases - b.cases || a.netCents - b.netCents);
}

/**
 * Incremental net recovered revenue of the treated cases: (net per treated case − recovered per
 * control case) × treated cases. Its 95 % interval is a percentile bootstrap that resamples
 * members with replacement inside each group (cluster bootstrap: one member's cases are not
 * independent). Drawing n members with replacement is a multinomial draw over the distinct
 * outcomes, taken here as one binomial per outcome (each conditional on the draws before it): the
 * same bootstrap distribution at a cost that grows with the distinct outcomes, not the members
 * (40,000 members drawn one by one took 2.2 s a request). `random` returns [0, 1); pass a seeded
 * one for reproducible figures.
 */
export function incrementalRevenue(treated: readonly MemberOutcome[], control: readonly MemberOutcome[], random: () => number, rounds = 1000): IncrementalRevenue {
  const t = distinctOutcomes(treated);
  const c = distinctOutcomes(control);
  const sum = (xs: typeof t) => xs.reduce((s, o) => ({ cases: s.cases + o.cases * o.members, netCents: s.netCents + o.netCents * o.members, members: s.members + o.members }), { cases: 0, netCents: 0, members: 0 });
  const tSum = sum(t);
  const cSum = sum(c);
  if (tSum.cases === 0 || cSum.cases === 0) return { estimate: null, lower: null, upper: null };
  const incremental = (tt: { cases: number; netCents: number }, cc: { cases: number; netCents: number }) => (tt.netCents / tt.cases - cc.netCents / cc.cases) * tSum.cases;
  const estimate = incremental(tSum, cSum);
  const binomial = randomBinomial.source(random);
  const resample = (xs: typeof t, members: number) => {
    let cases = 0;
    let netCents = 0;
    let left = members; // members still to draw
    let pool = members; // members of the outcomes not yet visited
    for (const o of xs) {
      if (left === 0) break;
      const drawn = o.members >= pool ? left : binomial(left, o.members / pool)();
      cases += drawn * o.cases;
      netCents += drawn * o.netCents;
      left -= drawn;
      pool -= o.members;
    }
    return { cases, netCents };
  };
  const draws: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const tt = resample(t, tSum.members);
    const cc = resample(c, cSum.members);
    if (tt.cases > 0 && cc.cases > 0) draws.push(incremental(tt, cc));
  }
  draws.sort((a, b) => a - b);
  const at = (q: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.floor(q * draws.length)))]!;
  return { estimate: Math.round(estimate), lower: Math.round(at(0.025)), upper: Math.round(at(0.975)) };
}

/**
 * Decided cases needed (both groups together) to detect a lift of `minLift` over a baseline rate
 * with 80 % power at 95 % two-sided, when `holdoutShare` of cases are held out (normal
 * approximation for two proportions with unequal groups). Infinity when no case is held out.
 */
export function plannedSampleSize(baselineRate: number, minLift: number, holdoutShare: number): number {
  if (holdoutShare <= 0 || holdoutShare >= 1) return Number.POSITIVE_INFINITY;
  const pc = Math.min(0.99, Math.max(0.01, baselineRate));
  const pt = Math.min(0.99, pc + minLift);
  const ratio = (1 - holdoutShare) / holdoutShare; // treated per control case
  const control = ((Z95 + Z80) ** 2 * ((pt * (1 - pt)) / ratio + pc * (1 - pc))) / minLift ** 2;
  return Math.ceil(control * (1 + ratio));
}

/** The lift we plan to be able to see: 10 percentage points. */
export const PLANNED_MIN_LIFT = 0.1;
/** Baseline rate assumed until the control group has decided cases of its own. */
export const ASSUMED_BASELINE_RATE = 0.3;

/** Seeded [0, 1) generator (mulberry32), so a dashboard shows the same interval on every load. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
