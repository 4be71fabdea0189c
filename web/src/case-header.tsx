import { formatDateTime, formatMoney, humanize } from './format.ts';
import { RiskBadge, StatusBadge } from './status-badge.tsx';
import type { RecoveryCase } from './types.ts';

/** Who, how much, and when, for one case. */
export function CaseHeader({ recoveryCase: c }: { recoveryCase: RecoveryCase }) {
  const title = c.member_name || c.member_email || c.whop_user_id || c.whop_membership_id;
  return (
    <section className="card case-header" aria-labelledby="case-title">
      <div className="case-header-top">
        <div>
          <h1 id="case-title">{title}</h1>
          <p className="muted">
            {[c.member_name ? c.member_email : null, c.whop_user_id, c.whop_membership_id].filter(Boolean).map((part, i) => (
              <span key={i} className="mono-inline">
                {i > 0 && ' · '}
                {part}
              </span>
            ))}
          </p>
        </div>
        <div className="case-badges">
          <StatusBadge status={c.status} testId="case-status" />
          <RiskBadge level={c.risk_level} />
        </div>
      </div>
      <dl className="facts">
        <Fact label="Amount at risk" value={formatMoney(c.amount_at_risk_cents, c.currency)} />
        <Fact label="Recovered" value={c.recovered_cents > 0 ? formatMoney(c.recovered_cents, c.currency) : '—'} />
        <Fact label="Failure" value={`${c.failure_reason ? humanize(c.failure_reason) : 'Unknown reason'}${c.failure_count > 1 ? ` (${c.failure_count} times)` : ''}`} />
        {c.decline_code && <Fact label="Decline code" value={c.decline_code} />}
        {c.needs_authentication && <Fact label="Needs authentication" value="The bank asks the member to confirm this payment (3-D Secure)" />}
        {c.next_payment_attempt_at && <Fact label="Whop retries the card" value={formatDateTime(c.next_payment_attempt_at)} />}
        {c.card_exp_month && c.card_exp_year && <Fact label="Card expires" value={`${String(c.card_exp_month).padStart(2, '0')}/${c.card_exp_year}`} />}
        <Fact label="First failure" value={formatDateTime(c.first_failure_at)} />
        <Fact label="Attribution window ends" value={formatDateTime(c.attribution_ends_at)} />
        {c.recovered_at && <Fact label="Recovered at" value={formatDateTime(c.recovered_at)} />}
        {c.closed_at && <Fact label="Closed at" value={formatDateTime(c.closed_at)} />}
        <Fact label="Reminders sent" value={String(c.steps_sent)} />
        {c.status === 'open' && <Fact label="Next reminder" value={c.next_nudge_at ? formatDateTime(c.next_nudge_at) : 'None scheduled'} />}
      </dl>
    </section>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
