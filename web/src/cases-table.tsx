import type { MouseEvent } from 'react';
import { formatDate, formatDateTime, formatMoney, humanize } from './format.ts';
import { Link } from './link.tsx';
import { navigate, paths } from './router.ts';
import { RiskBadge, StatusBadge } from './status-badge.tsx';
import type { RecoveryCase } from './types.ts';

export type SortKey = 'first_failure_at' | 'amount' | 'status';
export const SORT_KEYS: readonly SortKey[] = ['first_failure_at', 'amount', 'status'];

/** `-first_failure_at` → { key, descending }. Unknown values fall back to the API's default. */
export function parseSort(value: string | null): { key: SortKey; descending: boolean } {
  const descending = value?.startsWith('-') ?? true;
  const key = (value ?? '').replace(/^-/, '') as SortKey;
  return SORT_KEYS.includes(key) ? { key, descending } : { key: 'first_failure_at', descending: true };
}

function SortHeader({ label, sortKey, sort, onSort, className }: { label: string; sortKey: SortKey; sort: string; onSort: (sort: string) => void; className?: string }) {
  const current = parseSort(sort);
  const active = current.key === sortKey;
  // First click on a column sorts it the useful way: newest / largest first, statuses A→Z.
  const firstDescending = sortKey !== 'status';
  const nextDescending = active ? !current.descending : firstDescending;
  return (
    <th scope="col" className={className} aria-sort={active ? (current.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" data-testid={`sort-${sortKey}`} onClick={() => onSort(`${nextDescending ? '-' : ''}${sortKey}`)}>
        {label}
        <span className="sort-arrow" aria-hidden="true">
          {active ? (current.descending ? '▼' : '▲') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** What happens next for a case, in words: the reminder due, or why nothing will. */
export function nextStepText(c: RecoveryCase): string {
  if (c.status === 'recovered') return 'Nothing: recovered';
  if (c.status !== 'open') return 'Nothing: closed';
  return c.next_nudge_at ? `Reminder ${c.steps_sent + 1} on ${formatDateTime(c.next_nudge_at)}` : 'No reminder scheduled';
}

const SORT_CHOICES: { value: string; label: string }[] = [
  { value: '-first_failure_at', label: 'Newest first' },
  { value: 'first_failure_at', label: 'Oldest first' },
  { value: '-amount', label: 'Largest amount first' },
  { value: 'amount', label: 'Smallest amount first' },
  { value: 'status', label: 'Status' },
];

/**
 * On a phone the column headers are hidden (each row is a card), so sorting is this select,
 * shown only there.
 */
function PhoneSort({ sort, onSort }: { sort: string; onSort: (sort: string) => void }) {
  return (
    <div className="field phone-only cases-sort">
      <label htmlFor="cases-sort">Sort</label>
      <select id="cases-sort" data-testid="cases-sort" value={SORT_CHOICES.some((c) => c.value === sort) ? sort : '-first_failure_at'} onChange={(event) => onSort(event.target.value)}>
        {SORT_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The cases as a table; below 720 px wide each row becomes a card (styles.css) showing who, the
 * status, the amount at risk and the next step without scrolling sideways. `data-label` names each
 * cell on a card.
 */
export function CasesTable({ companyId, cases, sort, onSort }: { companyId: string; cases: RecoveryCase[]; sort: string; onSort: (sort: string) => void }) {
  function openRow(event: MouseEvent<HTMLTableRowElement>, c: RecoveryCase) {
    // Links and text selection keep their own behaviour.
    if ((event.target as HTMLElement).closest('a, button') || window.getSelection()?.toString()) return;
    navigate(paths.case(companyId, c.id));
  }

  return (
    <>
    <PhoneSort sort={sort} onSort={onSort} />
    <div className="table-wrap cases-wrap">
      <table className="table table-rows cases-table" data-testid="cases-table">
        <caption className="visually-hidden">Recovery cases. Sortable by first failure, amount and status.</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <SortHeader label="Status" sortKey="status" sort={sort} onSort={onSort} />
            <SortHeader label="At risk" sortKey="amount" sort={sort} onSort={onSort} className="num" />
            <th scope="col" className="num">
              Recovered
            </th>
            <th scope="col">Failure</th>
            <th scope="col" className="num">
              Reminders
            </th>
            <SortHeader label="First failure" sortKey="first_failure_at" sort={sort} onSort={onSort} />
            <th scope="col">Next step</th>
          </tr>
        </thead>
        <tbody>
          {cases.map((c) => (
            <tr key={c.id} data-testid="case-row" data-case-id={c.id} className="clickable" onClick={(event) => openRow(event, c)}>
              <td className="cell-member">
                <Link to={paths.case(companyId, c.id)} className="row-link">
                  {c.member_name || c.member_email || c.whop_user_id || c.whop_membership_id}
                </Link>
                <div className="muted small">{c.member_name && c.member_email ? c.member_email : c.whop_membership_id}</div>
              </td>
              <td className="cell-status" data-label="Status">
                <StatusBadge status={c.status} />
              </td>
              <td className="num cell-amount" data-label="At risk" data-testid="case-amount">
                {formatMoney(c.amount_at_risk_cents, c.currency)}
              </td>
              <td className="num cell-secondary" data-label="Recovered">
                {c.recovered_cents > 0 ? formatMoney(c.recovered_cents, c.currency) : '—'}
              </td>
              <td className="cell-secondary" data-label="Failure">
                <div>{c.failure_reason ? humanize(c.failure_reason) : '—'}</div>
                <div className="small">
                  {c.failure_count > 1 && <span className="muted">{c.failure_count} failures · </span>}
                  <RiskBadge level={c.risk_level} />
                </div>
              </td>
              <td className="num cell-secondary" data-label="Reminders">
                {c.steps_sent}
              </td>
              <td className="nowrap cell-first-failure" data-label="First failure">
                {formatDate(c.first_failure_at)}
              </td>
              <td className="cell-next" data-label="Next step" data-testid="case-next-step">
                {nextStepText(c)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
    </>
  );
}
