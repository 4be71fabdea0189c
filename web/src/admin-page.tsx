import { ApiError } from './api.ts';
import { ErrorView, Loading, SignInState } from './error-view.tsx';
import { formatCount, formatDateTime, formatMoney, CHANNEL_LABELS } from './format.ts';
import { Link } from './link.tsx';
import { paths } from './router.ts';
import type { AdminOverview, CompanySummary } from './types.ts';
import { useResource } from './use-resource.ts';
import { ReconciliationSection } from './reconciliation-section.tsx';

/** Operators: intake health, queue lag, dead letters, and every company with a link to its dashboard. */
export function AdminPage() {
  const overview = useResource<AdminOverview>('/api/admin/overview');
  const companies = useResource<{ companies: CompanySummary[] }>('/api/companies');

  const error = overview.error ?? companies.error;
  // A creator's Whop session is not an operator session: the operator API answers 404 to it.
  if (error instanceof ApiError && !overview.data && (error.status === 401 || error.status === 403 || error.status === 404)) return <SignInState operatorsOnly />;
  if (error !== undefined && !overview.data && !companies.data)
    return (
      <ErrorView
        error={error}
        title="Could not load the operator overview"
        onRetry={() => {
          overview.reload();
          companies.reload();
        }}
      />
    );

  return (
    <div className="stack-lg">
      <div className="page-head">
        <h1>Operations</h1>
        <button
          type="button"
          className="button"
          onClick={() => {
            overview.reload();
            companies.reload();
          }}
        >
          Refresh
        </button>
      </div>
      {overview.data ? <Health overview={overview.data} /> : overview.error !== undefined ? <ErrorView error={overview.error} /> : <Loading />}
      <section className="card" aria-labelledby="companies-heading">
        <h2 id="companies-heading">Companies</h2>
        {companies.data ? <CompanyTable companies={companies.data.companies} /> : companies.error !== undefined ? <ErrorView error={companies.error} /> : <Loading />}
      </section>
      {overview.data && <DeadLetters overview={overview.data} />}
      <ReconciliationSection />
    </div>
  );
}

function Health({ overview }: { overview: AdminOverview }) {
  const lag = overview.queue.lag_seconds;
  const lagging = lag !== null && lag > 120;
  return (
    <section aria-labelledby="health-heading" className="stack">
      <h2 id="health-heading" className="visually-hidden">
        Health
      </h2>
      <div className="tiles health-tiles" data-testid="admin-health">
        <Tile label="Companies" value={formatCount(overview.companies)} />
        <Tile
          label="Webhooks pending"
          value={formatCount(overview.webhooks.pending)}
          note={overview.webhooks.oldest_pending_at ? `oldest ${formatDateTime(overview.webhooks.oldest_pending_at)}` : 'none waiting'}
          tone={overview.webhooks.pending > 0 && overview.webhooks.oldest_pending_at !== null ? 'warn' : undefined}
        />
        <Tile label="Webhooks failed" value={formatCount(overview.webhooks.failed)} tone={overview.webhooks.failed > 0 ? 'bad' : undefined} />
        <Tile label="Processed (24 h)" value={formatCount(overview.webhooks.processed_24h)} />
        <Tile
          label="Queue lag"
          value={lag === null ? '—' : lag < 90 ? `${Math.round(lag)} s` : `${Math.round(lag / 60)} min`}
          note={`${formatCount(overview.queue.queued)} jobs queued`}
          tone={lagging ? 'warn' : undefined}
        />
        <Tile
          label="Dead deliveries"
          value={formatCount(overview.deliveries.dead)}
          note={`${formatCount(overview.deliveries.pending)} retrying`}
          tone={overview.deliveries.dead > 0 ? 'bad' : undefined}
        />
      </div>
    </section>
  );
}

function Tile({ label, value, note, tone }: { label: string; value: string; note?: string; tone?: 'warn' | 'bad' | undefined }) {
  return (
    <div className={`tile${tone ? ` tile-${tone}` : ''}`}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {note && <div className="tile-note">{note}</div>}
    </div>
  );
}

function CompanyTable({ companies }: { companies: CompanySummary[] }) {
  if (companies.length === 0) return <p className="muted">No company has sent a webhook yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="companies-table">
        <thead>
          <tr>
            <th scope="col">Company</th>
            <th scope="col" className="num">
              Open cases
            </th>
            <th scope="col" className="num">
              Recovered (30 days)
            </th>
          </tr>
        </thead>
        <tbody>
          {companies.map((company) => (
            <tr key={company.company_id} data-testid="company-row">
              <td>
                <Link to={paths.overview(company.company_id)}>{company.title || company.company_id}</Link>
                {company.title && <div className="muted small mono">{company.company_id}</div>}
              </td>
              <td className="num">{formatCount(company.open_cases)}</td>
              <td className="num">{formatMoney(company.recovered_cents_30d, company.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeadLetters({ overview }: { overview: AdminOverview }) {
  return (
    <section className="card" aria-labelledby="dead-heading">
      <h2 id="dead-heading">Dead letters</h2>
      <p className="muted">Deliveries that failed 5 times and will not be retried.</p>
      {overview.dead_letters.length === 0 ? (
        <p>None. Every delivery went out or is still retrying.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="dead-letters">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Company</th>
                <th scope="col">Case</th>
                <th scope="col">Channel</th>
                <th scope="col">Reminder</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {overview.dead_letters.map((letter) => (
                <tr key={`${letter.case_id}-${letter.step}-${letter.channel}`}>
                  <td className="nowrap">{formatDateTime(letter.updated_at)}</td>
                  <td className="mono">{letter.company_id}</td>
                  <td>
                    <Link to={paths.case(letter.company_id, letter.case_id)} className="mono">
                      {letter.case_id.slice(0, 8)}
                    </Link>
                  </td>
                  <td>{CHANNEL_LABELS[letter.channel] ?? letter.channel}</td>
                  <td>{letter.step + 1}</td>
                  <td className="wrap-anywhere">{letter.error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
