/**
 * Estimated cost of granting free days, in the case's minor units: the days' share of a 30-day
 * period at the amount at risk. Stored on the incentive when it is created; net recovered subtracts it.
 */
export function incentiveCostCents(amountAtRiskCents: number, days: number): number {
  return Math.round((amountAtRiskCents * days) / 30);
}
