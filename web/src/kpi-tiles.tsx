import { formatCount, formatHours, formatMoney, formatRate } from './format.ts';
import type { Kpis } from './types.ts';

/** The headline numbers of the window. Money is in the company's main currency. */
export function KpiTiles({ kpis }: { kpis: Kpis }) {
  const money = (cents: number) => formatMoney(cents, kpis.currency);
  return (
    <div className="tiles kpi-tiles">
      <div className="tile tile-hero" data-testid="kpi-recovered">
        <div className="tile-label">Recovered revenue</div>
        <div className="tile-value">{money(kpis.recovered_cents)}</div>
        <div className="tile-note">
          {formatCount(kpis.recovered)} {kpis.recovered === 1 ? 'case' : 'cases'} won back · {money(kpis.lost_cents)} lost
        </div>
      </div>
      <div className="tile" data-testid="kpi-recovery-rate">
        <div className="tile-label">Recovery rate</div>
        <div className="tile-value">{formatRate(kpis.recovery_rate_count)}</div>
        <div className="tile-note">
          of cases · <strong>{formatRate(kpis.recovery_rate_amount)}</strong> of the amount
        </div>
      </div>
      <div className="tile" data-testid="kpi-at-risk">
        <div className="tile-label">Revenue at risk now</div>
        <div className="tile-value">{money(kpis.at_risk_cents)}</div>
        <div className="tile-note">
          {formatCount(kpis.open)} open {kpis.open === 1 ? 'case' : 'cases'}
          {kpis.open_past_window > 0 && ` · ${formatCount(kpis.open_past_window)} past their window`}
        </div>
      </div>
      <div className="tile" data-testid="kpi-cases-opened">
        <div className="tile-label">Cases opened</div>
        <div className="tile-value">{formatCount(kpis.cases_opened)}</div>
        <div className="tile-note">{formatCount(kpis.closed_no_recovery)} closed without recovery</div>
      </div>
      <div className="tile" data-testid="kpi-net-recovered">
        <div className="tile-label">Net recovered</div>
        <div className="tile-value">{money(kpis.net_recovered_cents)}</div>
        <div className="tile-note">after {money(kpis.incentive_cost_cents)} of incentives</div>
      </div>
      <div className="tile" data-testid="kpi-incentive-cost">
        <div className="tile-label">Incentive cost</div>
        <div className="tile-value">{money(kpis.incentive_cost_cents)}</div>
        <div className="tile-note">free days given, estimated</div>
      </div>
      <div className="tile" data-testid="kpi-median-time">
        <div className="tile-label">Median time to recover</div>
        <div className="tile-value">{formatHours(kpis.median_hours_to_recover)}</div>
        <div className="tile-note">from first failure to payment</div>
      </div>
    </div>
  );
}

const FORMULA_LABELS: Record<string, string> = {
  recovery_rate_count: 'Recovery rate (cases)',
  recovery_rate_amount: 'Recovery rate (amount)',
  recovered_cents: 'Recovered revenue',
  at_risk_cents: 'Revenue at risk',
  lost_cents: 'Lost',
  incentive_cost_cents: 'Incentive cost',
  net_recovered_cents: 'Net recovered',
  median_hours_to_recover: 'Median time to recover',
  cases_opened: 'Cases opened',
  by_step: 'By reminder',
  by_channel: 'By channel',
};

/** The server's own definitions of each number, so nobody has to guess. */
export function HowWeCount({ formulas }: { formulas: Record<string, string> }) {
  const entries = Object.entries(formulas).filter(([key, text]) => key !== '...' && typeof text === 'string');
  if (entries.length === 0) return null;
  return (
    <section className="how-we-count" aria-labelledby="how-we-count-heading" data-testid="how-we-count">
      <h2 id="how-we-count-heading">How we count</h2>
      <dl>
        {entries.map(([key, text]) => (
          <div key={key} className="formula">
            <dt>{FORMULA_LABELS[key] ?? key.replace(/_cents$/, '').replace(/_/g, ' ')}</dt>
            <dd>
              <code>{text}</code>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
