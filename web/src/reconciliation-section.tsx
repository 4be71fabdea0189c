import { useEffect, useState } from 'react';
import { ApiError, request } from './api.ts';
import { ErrorView, Loading } from './error-view.tsx';
import { formatCount, formatDateTime } from './format.ts';
import { useResource } from './use-resource.ts';
import type { ReconciliationRunView } from '../../src/presenters/reconciliation.presenter.ts';

const TRIGGER_LABELS: Record<ReconciliationRunView['trigger'], string> = { start: 'At start', schedule: 'Scheduled', operator: 'By an operator' };

/** Operators: reconciliation with Whop (what no webhook brought), its last runs, and "reconcile now". */
export function ReconciliationSection() {
  const runs = useResource<{ runs: ReconciliationRunView[] }>('/api/admin/reconciliations');
  const [asking, setAsking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const active = runs.data?.runs.some((r) => r.status === 'queued' || r.status === 'running') ?? false;

  // While a run is queued or running, follow its progress.
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(runs.reload, 2000);
    return () => clearInterval(timer);
  }, [active, runs.reload]);

  const reconcileNow = async () => {
    setAsking(true);
    setProblem(null);
    try {
      await request('POST', '/api/admin/reconciliations', { body: {} });
      runs.reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : 'Could not ask for a reconciliation.');
    } finally {
      setAsking(false);
    }
  };

  return (
    <section className="card" aria-labelledby="reconciliation-heading" data-testid="reconciliation">
      <div className="page-head">
        <h2 id="reconciliation-heading">Reconciliation with Whop</h2>
        <button type="button" className="button" onClick={reconcileNow} disabled={asking || active}>
          {active ? 'Reconciling…' : 'Reconcile now'}
        </button>
      </div>
      <p className="muted">
        Reads Whop's payments and memberships changed since each company's last reconciliation and stores what no webhook brought, once. Runs at start, on a schedule and on demand.
      </p>
      {problem && <p role="alert">{problem}</p>}
      {runs.data ? <RunTable runs={runs.data.runs} /> : runs.error !== undefined ? <ErrorView error={runs.error} /> : <Loading />}
    </section>
  );
}

function RunTable({ runs }: { runs: ReconciliationRunView[] }) {
  if (runs.length === 0) return <p>No reconciliation has run yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="reconciliation-runs">
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Companies</th>
            <th scope="col" className="num">Read (payments / memberships)</th>
            <th scope="col" className="num">Missed events stored</th>
            <th scope="col" className="num">Already known</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-testid="reconciliation-run">
              <td className="nowrap">{formatDateTime(run.requested_at)}</td>
              <td>
                {TRIGGER_LABELS[run.trigger]}
                {run.requested_by && <div className="muted small">{run.requested_by}</div>}
              </td>
              <td>{run.status}</td>
              <td className="num">
                {formatCount(run.companies_done)} / {formatCount(run.companies_total)}
              </td>
              <td className="num">
                {formatCount(run.payments_read)} / {formatCount(run.memberships_read)}
              </td>
              <td className="num">{formatCount(run.events_stored)}</td>
              <td className="num">{formatCount(run.events_known)}</td>
              <td className="wrap-anywhere">{run.error ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
