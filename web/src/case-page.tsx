import { companyPath } from './api.ts';
import { CaseActions } from './case-actions.tsx';
import { CaseHeader } from './case-header.tsx';
import { ErrorView, Loading } from './error-view.tsx';
import { Link } from './link.tsx';
import { paths } from './router.ts';
import { Timeline } from './timeline.tsx';
import type { CaseDetail } from './types.ts';
import { useResource } from './use-resource.ts';

/** `/dashboard/:companyId/cases/:caseId`: one case, its history and what can be done about it. */
export function CasePage({ companyId, caseId }: { companyId: string; caseId: string }) {
  const detail = useResource<CaseDetail>(companyPath(companyId, `/cases/${encodeURIComponent(caseId)}`));

  const back = (
    <p className="back-link">
      <Link to={paths.cases(companyId)}>← All cases</Link>
    </p>
  );

  if (detail.error !== undefined && detail.data === undefined)
    return (
      <>
        {back}
        <ErrorView error={detail.error} title="Could not load the case" notFoundTitle="Case not found" onRetry={detail.reload} />
      </>
    );
  if (detail.data === undefined) return <Loading label="Loading case…" />;
  const data = detail.data;

  return (
    <div className="stack-lg">
      {back}
      <CaseHeader recoveryCase={data.case} />
      <CaseActions companyId={companyId} recoveryCase={data.case} onDone={detail.reload} />
      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <Timeline detail={data} />
      </section>
    </div>
  );
}
