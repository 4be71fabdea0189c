import { ASSUMED_BASELINE_RATE, newcombeLift, PLANNED_MIN_LIFT, plannedSampleSize, wilsonInterval, type Lift } from './lift.ts';

/**
 * The dashboard's figures, one definition each (docs/metrics.md explains them in plain words).
 * Pure: the presenters bring SQL aggregates, these turn them into the numbers shown.
 *
 * Cases are grouped into cohorts by their first failure. A case is decided when it is recovered or
 * lost (closed without recovery, or still open after its attribution window ended); until then it
 * is still deciding and no rate counts it, because a young case can be recovered but not lost yet.
 */

export type CaseOutcome = 'recovered' | 'lost' | 'deciding';

/** The one definition of "decided" (the SQL in presenters/kpi-sql.ts says the same). */
export function outcomeOf(c: { status: 'open' | 'recovered' | 'closed_no_recovery'; attributionEndsAt: Date }, now: Date): CaseOutcome {
  if (c.status === 'recovered') return 'recovered';
  if (c.status === 'closed_no_recovery' || c.attributionEndsAt.getTime() <= now.getTime()) return 'lost';
  return 'deciding';
}

/** Counts of one set of cases by outcome. */
export interface OutcomeCounts {
  recovered: number;
  lost: number;
  deciding: number;
}

export interface Rate {
  /** recovered / decided, 0–1 (4 decimals); null when nothing is decided yet. */
  value: number | null;
  decided: number;
  deciding: number;
  /**
   * True when the rate cannot be trusted yet: most of the cases are still deciding, or every
   * decided case was recovered while others are still open (young cases cannot be lost yet, so a
   * "100%" would only say that nothing had time to fail).
   */
  provisional: boolean;
}

/** Recovery rate by count: recovered cases / decided cases. */
export function recoveryRateByCount(k: OutcomeCounts): Rate {
  return rateOf(k.recovered, k.recovered + k.lost, k.deciding);
}

/** Amounts (minor units, one currency) of one set of cases by outcome. */
export interface OutcomeAmounts {
  /** Amount at risk of the recovered cases (what failed and was won back). */
  recoveredFailedCents: number;
  /** Amount at risk of the lost cases. */
  lostCents: number;
  /** Amount at risk of the cases still deciding. */
  decidingCents: number;
  /** Cases still deciding (for provisional). */
  decidingCases: number;
  decidedCases: number;
}

/**
 * Recovery rate by amount (dollar-weighted, as Churn Buster and Baremetrics publish theirs): the
 * failed amount of decided cases that was won back / the failed amount of decided cases.
 */
export function recoveryRateByAmount(k: OutcomeAmounts): Rate {
  const rate = rateOf(k.recoveredFailedCents, k.recoveredFailedCents + k.lostCents, k.decidingCases, k.decidedCases);
  return rate;
}

function rateOf(hits: number, decided: number, deciding: number, decidedCases = decided): Rate {
  const value = decided === 0 ? null : round4(hits / decided);
  const provisional = deciding > 0 && (deciding > decidedCases || value === 1 || value === null);
  return { value, decided: decidedCases, deciding, provisional };
}

/** Net recovered: money won back minus the estimated cost of the incentives granted (same currency). */
export function netRecoveredCents(k: { recoveredCents: number; incentiveCostCents: number }): number {
  return k.recoveredCents - k.incentiveCostCents;
}

/** The rule lives with the incentives (incentive-cost.ts); net recovered subtracts it. */
export { incentiveCostCents } from './incentive-cost.ts';

/** Median of a list (null when empty); hours to recover use it. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Days before `now` the headline cohort ends: the attribution window, so every case in it is decided. */
export function headlineCohort(now: Date, windowDays: number, attributionWindowDays: number): { from: Date; to: Date } {
  const to = new Date(now.getTime() - attributionWindowDays * DAY_MS);
  return { from: new Date(to.getTime() - windowDays * DAY_MS), to };
}

const DAY_MS = 86_400_000;

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** One arm of a variant test: its cases by outcome, the rate over decided cases and its 95 % Wilson interval. */
export interface TestVariantFigures extends OutcomeCounts {
  cases: number;
  decided: number;
  rate: Rate;
  /** 95 % Wilson score interval of the rate (4 decimals); null until a case is decided. */
  interval: { lower: number; upper: number } | null;
}

export type VariantTestState = 'measuring' | 'b_better' | 'a_better' | 'no_clear_difference';

export interface VariantComparison {
  a: TestVariantFigures;
  b: TestVariantFigures;
  /** B's rate − A's rate with a 95 % Newcombe hybrid score interval (4 decimals). */
  difference: Lift;
  /** Decided cases (both variants) the fixed-horizon plan needs to see a 10-point difference. */
  planned_decided: number;
  more_decided_needed: number;
  /**
   * `measuring` until the planned decided cases are reached; then the winner when the interval of
   * the difference excludes 0, else no clear difference. Never a winner before the plan is met.
   */
  state: VariantTestState;
}

/**
 * Variant A vs variant B of a variant test, over decided cases (docs/metrics.md "Variant tests"):
 * each rate with its Wilson interval, the difference B − A with Newcombe's interval (lift.ts, the
 * control group's method), and the fixed-horizon sample: members are split half and half, so the
 * plan is plannedSampleSize at a 50 % share, from A's rate once 10 A cases are decided (else the
 * assumed 30 %).
 */
export function compareTestVariants(a: OutcomeCounts, b: OutcomeCounts): VariantComparison {
  const figures = (k: OutcomeCounts): TestVariantFigures => {
    const decided = k.recovered + k.lost;
    const w = decided === 0 ? null : wilsonInterval(k.recovered, decided);
    return { ...k, cases: decided + k.deciding, decided, rate: recoveryRateByCount(k), interval: w === null ? null : { lower: round4(w.lower), upper: round4(w.upper) } };
  };
  const fa = figures(a);
  const fb = figures(b);
  const lift = newcombeLift(fb, fa);
  const difference: Lift = { estimate: roundOrNull(lift.estimate), lower: roundOrNull(lift.lower), upper: roundOrNull(lift.upper) };
  const baseline = fa.decided >= 10 ? fa.recovered / fa.decided : ASSUMED_BASELINE_RATE;
  const planned = plannedSampleSize(baseline, PLANNED_MIN_LIFT, 0.5);
  const more = Math.max(0, planned - fa.decided - fb.decided);
  const state: VariantTestState =
    more > 0 || lift.lower === null || lift.upper === null ? 'measuring' : lift.lower > 0 ? 'b_better' : lift.upper < 0 ? 'a_better' : 'no_clear_difference';
  return { a: fa, b: fb, difference, planned_decided: planned, more_decided_needed: more, state };
}

function roundOrNull(x: number | null): number | null {
  return x === null ? null : round4(x);
}

/**
 * Saves (issue #15 §2): a save case is decided when its save held 30 days, was reverted, or the
 * cancellation took effect (lost); open cases and saves still inside their 30 days are deciding.
 */
export type SaveOutcome = 'held' | 'reverted' | 'lost' | 'deciding';

export function saveOutcomeOf(status: 'open' | 'saved' | 'held' | 'reverted' | 'lost'): SaveOutcome {
  return status === 'open' || status === 'saved' ? 'deciding' : status;
}

export interface SaveOutcomeCounts {
  held: number;
  reverted: number;
  lost: number;
  deciding: number;
}

/** Save rate: saves that held 30 days ÷ decided save cases (held + reverted + lost). */
export function saveRate(k: SaveOutcomeCounts): Rate {
  return rateOf(k.held, k.held + k.reverted + k.lost, k.deciding);
}

/** Accept rate: offers accepted ÷ offers sent (an offer sent is final; no cohort waits on it). */
export function acceptRate(k: { accepted: number; offersSent: number }): number | null {
  return k.offersSent === 0 ? null : round4(k.accepted / k.offersSent);
}

/** Plain-language definitions the dashboard shows under "How we count" (docs/metrics.md has the detail). */
export const KPI_FORMULAS = {
  cohort: 'Cases are counted in the window of their first failed payment, whatever happened later.',
  decided: 'A case is decided once it is recovered, or lost: closed without a payment, or its attribution window ended. Cases still inside their window are "still deciding" and no rate counts them.',
  recovery_rate_count: 'Recovered cases ÷ decided cases.',
  recovery_rate_amount: 'Failed amount of recovered cases ÷ failed amount of decided cases (dollar-weighted), per currency.',
  headline: 'The headline rate uses the most recent cases whose attribution windows have all ended, so young cases cannot make it look better than it is.',
  provisional: 'A rate is provisional while most cases are still deciding, or while every decided case was recovered but others are still open.',
  recovered_cents: 'Payments counted towards recovered cases inside their attribution window, per currency.',
  lost_cents: 'Failed amount of lost cases, per currency.',
  at_risk_cents: 'Failed amount of cases open now and still inside their window (any first failure date), per currency.',
  incentive_cost_cents: 'Estimated cost of free days granted (failed amount × days ÷ 30), plus the discount of each promo code a payment redeemed (that payment\'s discount × the months it lasts); a code nobody used costs nothing.',
  net_recovered_cents: 'Recovered − incentive cost, per currency.',
  median_hours_to_recover: 'Middle value of the time from first failure to the recovering payment.',
  currencies: 'Amounts are never added across currencies: each currency has its own line.',
  credited_method: "Each recovery counts once: for the last reminder link the member clicked, else the last reminder delivered before the payment (a reminder sent by hand counts as a manual action), else our payment retry, else Whop's own retry.",
  by_decline: 'Cases grouped by why the payment failed; the rate is over decided cases, as above.',
  at_risk_cases: 'Open cases still inside their window, largest amount first, with their next reminder.',
  lift: 'Recovery rate with Churn Saver minus the rate of the control group (members we send nothing), over decided cases, with a 95 % interval.',
  incremental_revenue: 'What the treated cases recovered, net of incentives, beyond what the control group rate would have given them; per currency, with a 95 % interval.',
  save_rate: 'Save cases whose save held: the membership still active and paid 30 days after the cancellation was undone ÷ decided save cases (held, reverted or lost). Cases still open, or saved less than 30 days ago, are still deciding.',
  save_accept_rate: 'Offers accepted on the offer page ÷ offers sent.',
  save_reverted: 'Saves that did not hold: within 30 days the membership ended, a cancellation was scheduled again, a renewal stayed unpaid, or a payment was refunded or disputed.',
  measuring: 'The result is final once the planned number of decided cases is reached; until then it is marked interim.',
  variant_test: 'Two texts of one reminder side by side: members are split at random, half and half, and each text\'s recovery rate is counted over its decided cases, with a 95 % interval. A winner is named only once the planned number of decided cases is reached and the interval of the difference excludes 0.',
} as const;
