import { lazy, Suspense } from 'react';
import { companyPath } from './api.ts';
import { ChannelTable } from './channel-table.tsx';
import { ControlGroupCard } from './control-group.tsx';
import { VariantTestCard } from './variants-section.tsx';
import { AtRiskList, DeclineTable, MethodTable } from './credit-tables.tsx';
import { ErrorView, Loading } from './error-view.tsx';
import { HowWeCount, KpiTiles } from './kpi-tiles.tsx';
import { setQuery, useLocation } from './router.ts';
import { SavesSection } from './saves-section.tsx';
import { SetupEmptyState } from './setup-empty-state.tsx';
import { StepFunnel } from './step-funnel.tsx';
import type { CaseList, Kpis, SettingsResponse } from './types.ts';
import { useResource } from './use-resource.ts';
import { WeeklyTable } from './weekly-table.tsx';
import { parseWindow, WindowSelect } from './window-select.tsx';

const WeeklyChart = lazy(() => import('./weekly-chart.tsx'));

/** `/dashboard/:companyId`: what Churn Saver won back, and how. */
export function OverviewPage({ companyId }: { companyId: string }) {
  const { search } = useLocation();
  const windowDays = parseWindow(new URLSearchParams(search).get('window'));
  const kpis = useResource<Kpis>(companyPath(companyId, `/kpis?window=${windowDays}`));
  // Any case at all, in any window? If not, the company still has to connect Whop.
  const anyCase = useResource<CaseList>(companyPath(companyId, '/cases?limit=1'));
  const noCasesYet = anyCase.data !== undefined && anyCase.data.total === 0 && anyCase.data.cases.length === 0;
  const settings = useResource<SettingsResponse>(noCasesYet ? companyPath(companyId, '/settings') : null);

  if (kpis.error !== undefined && kpis.data === undefined) return <ErrorView error={kpis.error} title="Could not load the overview" onRetry={kpis.reload} />;
  if (kpis.data === undefined) return <Loading label="Loading your numbers…" />;
  const data = kpis.data;

  return (
    <div className="stack-lg">
      <div className="page-head">
        <div>
          <h1>Overview</h1>
          <p className="muted">
            Cases whose first payment failed in the last {data.window_days} days
            {data.money.length > 0 && ` · amounts in ${data.money.map((m) => m.currency.toUpperCase()).join(', ')}`}
          </p>
        </div>
        <WindowSelect value={windowDays} onChange={(days) => setQuery({ window: days === 30 ? null : days })} />
      </div>
      {kpis.error !== undefined && <ErrorView error={kpis.error} title="Could not refresh the numbers" onRetry={kpis.reload} />}

      {noCasesYet && <SetupEmptyState
          companyId={companyId}
          webhookUrl={settings.data?.webhook_url}
          webhookError={settings.error instanceof Error ? settings.error.message : settings.error !== undefined ? 'unknown error' : undefined}
        />}

      <section aria-label="Key numbers" aria-busy={kpis.loading}>
        <KpiTiles kpis={data} />
      </section>
      <HowWeCount formulas={data.formulas} url={data.formulas_url} />
      <SavesSection companyId={companyId} windowDays={windowDays} />

      {!noCasesYet && (
        <>
          <section className="card" aria-labelledby="weekly-heading">
            <h2 id="weekly-heading">Cases by week of first failure</h2>
            <figure className="chart" data-testid="weekly-chart">
              {data.weekly.length === 0 ? (
                <p className="muted">No case first failed in this window.</p>
              ) : (
                <Suspense fallback={<div className="chart-placeholder"><Loading label="Loading chart…" /></div>}>
                  <WeeklyChart weekly={data.weekly} />
                </Suspense>
              )}
              <figcaption>
                <details>
                  <summary>Show as a table</summary>
                  <WeeklyTable weekly={data.weekly} />
                </details>
              </figcaption>
            </figure>
          </section>
          <ControlGroupCard group={data.control_group} />
          <VariantTestCard companyId={companyId} />
          <section className="card" aria-labelledby="at-risk-heading">
            <h2 id="at-risk-heading">Most at stake now</h2>
            <AtRiskList companyId={companyId} cases={data.at_risk_cases} />
          </section>
          <section className="card" aria-labelledby="method-heading">
            <h2 id="method-heading">What recovered the money</h2>
            <p className="muted small">Each recovery counts once, for the one thing it is credited to.</p>
            <MethodTable methods={data.by_method} />
          </section>
          <div className="grid-2">
            <section className="card" aria-labelledby="funnel-heading">
              <h2 id="funnel-heading">By reminder</h2>
              <StepFunnel steps={data.by_step} />
            </section>
            <section className="card" aria-labelledby="channel-heading">
              <h2 id="channel-heading">By channel</h2>
              <ChannelTable channels={data.by_channel} />
            </section>
          </div>
          <section className="card" aria-labelledby="decline-heading">
            <h2 id="decline-heading">By decline reason</h2>
            <DeclineTable declines={data.by_decline} />
          </section>
        </>
      )}
    </div>
  );
}
