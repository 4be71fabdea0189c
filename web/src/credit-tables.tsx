import { formatCount, formatDateTime, formatMoney, VARIANT_LABELS } from './format.ts';
import { rateNote, rateText } from './kpi-tiles.tsx';
import { Link } from './link.tsx';
import type { CurrencyAmount, Kpis } from './types.ts';

const METHOD_LABELS: Record<string, string> = {
  whop_retry: "Whop's own retry (before any reminder reached the member)",
  nudge: 'After a reminder (the last clicked, else the last delivered)',
  manual: 'After a reminder sent by hand ("Nudge now")',
  churn_saver_retry: 'Our payment retry before a reminder',
  unattributed: 'Unattributed (recovered before credit was recorded, or no time to order by)',
};

function Amounts({ amounts }: { amounts: CurrencyAmount[] }) {
  if (amounts.length === 0) return <>—</>;
  return (
    <>
      {amounts.map((a) => (
        <div key={a.currency}>{formatMoney(a.recovered_cents, a.currency)}</div>
      ))}
    </>
  );
}

/** Each recovery counted once, for the one thing it is credited to. */
export function MethodTable({ methods }: { methods: Kpis['by_method'] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="method-table">
        <thead>
          <tr>
            <th scope="col">What it is credited to</th>
            <th scope="col" className="num">Recoveries</th>
            <th scope="col" className="num">Recovered</th>
          </tr>
        </thead>
        <tbody>
          {methods.map((m) => (
            <tr key={m.method} data-testid={`method-${m.method}`}>
              <th scope="row">{METHOD_LABELS[m.method] ?? m.method}</th>
              <td className="num">{formatCount(m.recovered)}</td>
              <td className="num">
                <Amounts amounts={m.amounts} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Recovery by the reason the payment failed. */
export function DeclineTable({ declines }: { declines: Kpis['by_decline'] }) {
  if (declines.length === 0) return <p className="muted">No case in this window.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="decline-table">
        <thead>
          <tr>
            <th scope="col">Why the payment failed</th>
            <th scope="col" className="num">Cases</th>
            <th scope="col" className="num">Recovery rate</th>
            <th scope="col" className="num">Recovered</th>
          </tr>
        </thead>
        <tbody>
          {declines.map((d) => (
            <tr key={d.category} data-testid={`decline-${d.category}`}>
              <th scope="row">{d.category === 'not_recorded' ? 'Not recorded (older cases)' : (VARIANT_LABELS[d.category] ?? d.category)}</th>
              <td className="num">{formatCount(d.cases)}</td>
              <td className="num">
                {rateText(d.rate_count)}
                <div className="muted small">{rateNote(d.rate_count)}</div>
              </td>
              <td className="num">
                <Amounts amounts={d.amounts} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Open cases with the most at stake, and what happens next. */
export function AtRiskList({ companyId, cases }: { companyId: string; cases: Kpis['at_risk_cases'] }) {
  if (cases.length === 0) return <p className="muted">No open case is at risk right now.</p>;
  return (
    <ol className="at-risk-list" data-testid="at-risk-list">
      {cases.map((c) => (
        <li key={c.id} data-testid="at-risk-case">
          <Link to={`/dashboard/${encodeURIComponent(companyId)}/cases/${encodeURIComponent(c.id)}`}>{c.member_name || c.whop_membership_id}</Link>{' '}
          <strong>{formatMoney(c.amount_at_risk_cents, c.currency)}</strong>
          <span className="muted">
            {' · '}
            {c.holdout
              ? 'control group: no reminders'
              : c.next_step !== null && c.next_nudge_at
                ? `reminder ${c.next_step} ${formatDateTime(c.next_nudge_at)}`
                : 'no reminder scheduled'}
            {' · window ends '}
            {formatDateTime(c.attribution_ends_at)}
          </span>
        </li>
      ))}
    </ol>
  );
}
