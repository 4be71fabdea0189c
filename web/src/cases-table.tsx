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

export function CasesTable({ companyId, cases, sort, onSort }: { companyId: string; cases: RecoveryCase[]; sort: string; onSort: (sort: string) => void }) {
  function openRow(event: MouseEvent<HTMLTableRowElement>, c: RecoveryCase) {
    // Links and text selection keep their own behaviour.
    if ((event.target as HTMLElement).closest('a, button') || window.getSelection()?.toString()) return;
    navigate(paths.case(companyId, c.id));
  }

  return (
    <div className="table-wrap">
      <table className="table table-rows" data-testid="cases-table">
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
            <th scope="col">Next reminder</th>
          </tr>
        </thead>
        <tbody>
          {cases.map((c) => (
            <tr key={c.id} data-testid="case-row" data-case-id={c.id} className="clickable" onClick={(event) => openRow(event, c)}>
              <td>
                <Link to={paths.case(companyId, c.id)} className="row-link">
                  {c.member_name || c.member_email || c.whop_user_id || c.whop_membership_id}
                </Link>
                <div className="muted small">{c.member_name && c.member_email ? c.member_email : c.whop_membership_id}</div>
              </td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td className="num">{formatMoney(c.amount_at_risk_cents, c.currency)}</td>
              <td className="num">{c.recovered_cents > 0 ? formatMoney(c.recovered_cents, c.currency) : '—'}</td>
              <td>
                <div>{c.failure_reason ? humanize(c.failure_reason) : '—'}</div>
                <div className="small">
                  {c.failure_count > 1 && <span className="muted">{c.failure_count} failures · </span>}
                  <RiskBadge level={c.risk_level} />
                </div>
              </td>
              <td className="num">{c.steps_sent}</td>
              <td className="nowrap">{formatDate(c.first_failure_at)}</td>
              <td className="nowrap">{c.status === 'open' ? formatDateTime(c.next_nudge_at) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
