import { useState } from 'react';
import { api, companyPath, queryString } from './api.ts';
import { CaseFilters, type CaseFilterValues } from './case-filters.tsx';
import { CasesTable, parseSort } from './cases-table.tsx';
import { ErrorView, Loading, plainError } from './error-view.tsx';
import { ExportCsvButton } from './export-csv-button.tsx';
import { formatCount } from './format.ts';
import { setQuery, useLocation } from './router.ts';
import type { CaseList, RecoveryCase } from './types.ts';
import { useResource } from './use-resource.ts';

const PAGE_SIZE = 50;
const DEFAULT_SORT = '-first_failure_at';

interface MorePages {
  /** The query these pages belong to; a new filter or sort drops them. */
  key: string;
  cases: RecoveryCase[];
  nextCursor: string | null;
}

/** `/dashboard/:companyId/cases`: every case, filtered, sorted and paged with the API's cursor. */
export function CasesPage({ companyId }: { companyId: string }) {
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const filters: CaseFilterValues = { status: params.get('status') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '', q: params.get('q') ?? '' };
  const sortParam = params.get('sort');
  const sort = sortParam !== null && parseSort(sortParam).key === sortParam.replace(/^-/, '') ? sortParam : DEFAULT_SORT;

  const query = queryString({ ...filters, sort: sort === DEFAULT_SORT ? null : sort, limit: PAGE_SIZE });
  const first = useResource<CaseList>(companyPath(companyId, `/cases${query}`));
  const [more, setMore] = useState<MorePages | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);

  const extra = more !== null && more.key === query ? more : null;
  const cases = first.data ? [...first.data.cases, ...(extra?.cases ?? [])] : [];
  const nextCursor = extra ? extra.nextCursor : (first.data?.next_cursor ?? null);

  async function loadMore() {
    if (nextCursor === null) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await api.get<CaseList>(companyPath(companyId, `/cases${queryString({ ...filters, sort: sort === DEFAULT_SORT ? null : sort, limit: PAGE_SIZE, cursor: nextCursor })}`));
      setMore({ key: query, cases: [...(extra?.cases ?? []), ...page.cases], nextCursor: page.next_cursor });
    } catch (error) {
      setMoreError(plainError(error).message);
    } finally {
      setLoadingMore(false);
    }
  }

  function changeFilters(next: Partial<CaseFilterValues>) {
    setQuery(next);
  }

  if (first.error !== undefined && first.data === undefined) return <ErrorView error={first.error} title="Could not load cases" onRetry={first.reload} />;

  const total = first.data?.total;
  const filtered = Object.values(filters).some((value) => value !== '');
  return (
    <div className="stack-lg">
      <div className="page-head">
        <div>
          <h1>Cases</h1>
          <p className="muted" aria-live="polite">
            {total === undefined ? 'Loading…' : filtered ? `${formatCount(total)} ${total === 1 ? 'case matches' : 'cases match'} these filters` : `${formatCount(total)} ${total === 1 ? 'case' : 'cases'}`}
          </p>
        </div>
        <ExportCsvButton companyId={companyId} filters={filters} expectedRows={total} />
      </div>
      <CaseFilters values={filters} onChange={changeFilters} />
      {first.error !== undefined && <ErrorView error={first.error} title="Could not refresh the cases" onRetry={first.reload} />}
      {first.data === undefined ? (
        <Loading label="Loading cases…" />
      ) : cases.length === 0 ? (
        <div className="card empty-inline" data-testid="cases-empty">
          <p>{filtered ? 'No case matches these filters.' : 'No recovery cases yet. A case opens when Whop reports a failed payment.'}</p>
        </div>
      ) : (
        <div aria-busy={first.loading} className={first.loading ? 'is-refreshing' : undefined}>
          <CasesTable companyId={companyId} cases={cases} sort={sort} onSort={(next) => setQuery({ sort: next === DEFAULT_SORT ? null : next })} />
          <div className="pager">
            <span className="muted small">
              Showing {formatCount(cases.length)}
              {total !== undefined ? ` of ${formatCount(total)}` : ''}
            </span>
            {nextCursor !== null && (
              <button type="button" className="button" data-testid="load-more" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            )}
            {moreError !== null && (
              <span className="text-bad small" role="alert">
                {moreError}
              </span>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
