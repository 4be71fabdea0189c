import { formatCount, formatDate, formatHours, formatMoney, formatRate } from './format.ts';
import type { Kpis, MoneyLine, Rate } from './types.ts';

/** A rate as a creator should read it: a percentage only when it can be trusted (docs/metrics.md). */
export function rateText(rate: Rate): string {
  if (rate.value === null) return rate.deciding > 0 ? 'Too early to tell' : '—';
  return rate.provisional ? 'Too early to tell' : formatRate(rate.value);
}

/** "62.5% of 8 decided · 5 still deciding", or the provisional wording with the counts. */
export function rateNote(rate: Rate): string {
  const deciding = rate.deciding > 0 ? ` · ${formatCount(rate.deciding)} still deciding` : '';
  if (rate.value === null) return rate.deciding > 0 ? `nothing decided yet${deciding}` : 'no cases';
  if (rate.provisional) return `provisional: ${formatRate(rate.value)} of ${formatCount(rate.decided)} decided${deciding}`;
  return `of ${formatCount(rate.decided)} decided${deciding}`;
}

/** One line per currency: amounts are never added across currencies. */
function PerCurrency({ money, of, testId }: { money: MoneyLine[]; of: (m: MoneyLine) => number; testId: string }) {
  if (money.length === 0) return <div className="tile-value">{formatMoney(0, 'usd')}</div>;
  return (
    <div className="tile-value tile-values">
      {money.map((m) => (
        <div key={m.currency} data-testid={`${testId}-${m.currency}`}>
          {formatMoney(of(m), m.currency)}
        </div>
      ))}
    </div>
  );
}

/** The headline numbers: the window's cohort (cases by first failure), money per currency. */
export function KpiTiles({ kpis }: { kpis: Kpis }) {
  const { headline, window, money } = kpis;
  return (
    <div className="tiles kpi-tiles">
      <div className="tile tile-hero" data-testid="kpi-recovered">
        <div className="tile-label">Recovered revenue</div>
        <PerCurrency money={money} of={(m) => m.recovered_cents} testId="kpi-recovered" />
        <div className="tile-note">
          {formatCount(kpis.recovered)} {kpis.recovered === 1 ? 'case' : 'cases'} won back of {formatCount(kpis.cases_opened)} that first failed in these {kpis.window_days} days
        </div>
      </div>
      <div className="tile" data-testid="kpi-recovery-rate">
        <div className="tile-label">Recovery rate</div>
        <div className="tile-value">{rateText(headline.rate_count)}</div>
        <div className="tile-note">
          Cases that first failed {formatDate(headline.from)} – {formatDate(headline.to)}, their {headline.attribution_window_days}-day windows ended · {rateNote(headline.rate_count)}
        </div>
        {headline.rate_amount.length > 0 && (
          <div className="tile-note" data-testid="kpi-rate-amount">
            By amount:{' '}
            {headline.rate_amount.map((r, i) => (
              <span key={r.currency}>
                {i > 0 && ' · '}
                <strong>{rateText(r)}</strong> of {r.currency.toUpperCase()}
              </span>
            ))}
          </div>
        )}
      </div>
      <div className="tile" data-testid="kpi-window-rate">
        <div className="tile-label">This window so far</div>
        <div className="tile-value">{rateText(window.rate_count)}</div>
        <div className="tile-note">{rateNote(window.rate_count)}</div>
      </div>
      <div className="tile" data-testid="kpi-lost">
        <div className="tile-label">Lost</div>
        <PerCurrency money={money} of={(m) => m.lost_cents} testId="kpi-lost" />
        <div className="tile-note">
          {formatCount(kpis.lost)} {kpis.lost === 1 ? 'case' : 'cases'} closed or past their window without a payment
        </div>
      </div>
      <div className="tile" data-testid="kpi-at-risk">
        <div className="tile-label">Revenue at risk now</div>
        <PerCurrency money={money} of={(m) => m.at_risk_cents} testId="kpi-at-risk" />
        <div className="tile-note">open cases still inside their window</div>
      </div>
      <div className="tile" data-testid="kpi-cases-opened">
        <div className="tile-label">Cases opened</div>
        <div className="tile-value">{formatCount(kpis.cases_opened)}</div>
        <div className="tile-note">
          {formatCount(kpis.recovered)} recovered · {formatCount(kpis.lost)} lost · {formatCount(kpis.deciding)} still deciding
        </div>
      </div>
      <div className="tile" data-testid="kpi-net-recovered">
        <div className="tile-label">Net recovered</div>
        <PerCurrency money={money} of={(m) => m.net_recovered_cents} testId="kpi-net-recovered" />
        <div className="tile-note">recovered minus the estimated cost of free days granted</div>
      </div>
      <div className="tile" data-testid="kpi-incentive-cost">
        <div className="tile-label">Incentive cost</div>
        <PerCurrency money={money} of={(m) => m.incentive_cost_cents} testId="kpi-incentive-cost" />
        <div className="tile-note">free days granted, estimated</div>
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
  cohort: 'Which cases a window counts',
  decided: 'Decided or still deciding',
  recovery_rate_count: 'Recovery rate (cases)',
  recovery_rate_amount: 'Recovery rate (amount)',
  headline: 'The headline rate',
  provisional: '"Too early to tell"',
  recovered_cents: 'Recovered revenue',
  at_risk_cents: 'Revenue at risk',
  lost_cents: 'Lost',
  incentive_cost_cents: 'Incentive cost',
  net_recovered_cents: 'Net recovered',
  median_hours_to_recover: 'Median time to recover',
  currencies: 'Currencies',
  credited_method: 'What recovered the money',
  by_decline: 'By decline reason',
  at_risk_cases: 'Most at stake now',
  lift: 'Lift',
  incremental_revenue: 'Extra revenue',
  measuring: 'Measuring',
};

/** The server's own plain-language definitions, and a link to the full ones with formulas. */
export function HowWeCount({ formulas, url }: { formulas: Record<string, string>; url: string }) {
  const entries = Object.entries(formulas).filter(([, text]) => typeof text === 'string');
  if (entries.length === 0) return null;
  return (
    <section className="how-we-count" aria-labelledby="how-we-count-heading" data-testid="how-we-count">
      <h2 id="how-we-count-heading">How we count</h2>
      <dl>
        {entries.map(([key, text]) => (
          <div key={key} className="formula">
            <dt>{FORMULA_LABELS[key] ?? key.replace(/_cents$/, '').replace(/_/g, ' ')}</dt>
            <dd>{text}</dd>
          </div>
        ))}
      </dl>
      <p>
        <a href={url} target="_blank" rel="noreferrer" data-testid="metrics-doc-link">
          Every figure with its formula
        </a>
      </p>
    </section>
  );
}
