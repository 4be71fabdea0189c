/** Counts and sums over a company's cases that first failed inside the KPI window. */
export interface KpiInputs {
  casesOpened: number;
  recovered: number;
  closedNoRecovery: number;
  open: number;
  /** Open cases whose attribution window has passed but the sweep has not closed yet: lost. */
  openPastWindow: number;
  /** Minor units. Amount at risk of the recovered cases (for the rate by amount). */
  recoveredAtRiskCents: number;
  /** Minor units. Amount at risk of closed and past-window cases. */
  lostCents: number;
  /** Minor units actually won back (sum of attributed payments). */
  recoveredCents: number;
  incentiveCostCents: number;
}

export const KPI_FORMULAS = {
  recovery_rate_count: 'recovered / (recovered + closed_no_recovery + open past window)',
  recovery_rate_amount: 'amount at risk of recovered cases / amount at risk of (recovered + closed_no_recovery + open past window) cases',
  recovered_cents: 'sum of payments attributed to recovered cases inside their attribution window',
  lost_cents: 'amount at risk of closed_no_recovery and open-past-window cases',
  at_risk_cents: 'amount at risk of cases open now and still inside their window (not limited to the KPI window)',
  incentive_cost_cents: 'estimated cost of granted incentives: amount at risk x free days / 30',
  net_recovered_cents: 'recovered_cents - incentive_cost_cents',
  median_hours_to_recover: 'median of (recovered_at - first_failure_at) over recovered cases',
  by_step: 'nudged: cases that received step k; recovered_after: cases recovered after exactly k+1 steps',
  by_channel: 'sent: deliveries sent (or outbox) on the channel; recovered_cases: recovered cases with such a delivery',
} as const;

/** Share of decided cases (recovered or lost) that were recovered; null when none is decided yet. */
export function recoveryRates(k: KpiInputs): { byCount: number | null; byAmount: number | null } {
  const decided = k.recovered + k.closedNoRecovery + k.openPastWindow;
  const decidedAmount = k.recoveredAtRiskCents + k.lostCents;
  return {
    byCount: decided === 0 ? null : round4(k.recovered / decided),
    byAmount: decidedAmount === 0 ? null : round4(k.recoveredAtRiskCents / decidedAmount),
  };
}

export function netRecoveredCents(k: Pick<KpiInputs, 'recoveredCents' | 'incentiveCostCents'>): number {
  return k.recoveredCents - k.incentiveCostCents;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
