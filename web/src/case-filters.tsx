import { useEffect, useRef, useState } from 'react';
import { STATUS_LABELS } from './format.ts';
import { CASE_STATUSES } from './types.ts';
import { useDebounced } from './use-resource.ts';

export interface CaseFilterValues {
  status: string;
  from: string;
  to: string;
  q: string;
}

/** Status, first-failure date range and a search box; the search applies once typing pauses. */
export function CaseFilters({ values, onChange }: { values: CaseFilterValues; onChange: (next: Partial<CaseFilterValues>) => void }) {
  const [search, setSearch] = useState(values.q);
  const settled = useDebounced(search, 300);
  // The q this box last put in the URL: a different q in the URL came from elsewhere (Back, Clear).
  const pushed = useRef(values.q);

  useEffect(() => {
    const q = settled.trim();
    if (q === pushed.current) return;
    pushed.current = q;
    onChange({ q });
    // Only the typed text drives this.
  }, [settled]);

  useEffect(() => {
    if (values.q === pushed.current) return;
    pushed.current = values.q;
    setSearch(values.q);
  }, [values.q]);

  const active = values.status !== '' || values.from !== '' || values.to !== '' || values.q !== '';

  return (
    <form className="filters" role="search" aria-label="Filter cases" onSubmit={(event) => {
      event.preventDefault();
      pushed.current = search.trim();
      onChange({ q: search.trim() });
    }}>
      <div className="field">
        <label htmlFor="filter-search">Search</label>
        <input
          id="filter-search"
          data-testid="filter-search"
          type="search"
          placeholder="Exact email, or the start of a user or membership id"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" data-testid="filter-status" value={values.status} onChange={(event) => onChange({ status: event.target.value })}>
          <option value="">All statuses</option>
          {CASE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-from">First failure from</label>
        <input id="filter-from" data-testid="filter-from" type="date" value={values.from} max={values.to || undefined} onChange={(event) => onChange({ from: event.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="filter-to">to</label>
        <input id="filter-to" data-testid="filter-to" type="date" value={values.to} min={values.from || undefined} onChange={(event) => onChange({ to: event.target.value })} />
      </div>
      {active && (
        <button
          type="button"
          className="button button-quiet filters-clear"
          onClick={() => {
            setSearch('');
            pushed.current = '';
            onChange({ status: '', from: '', to: '', q: '' });
          }}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}
