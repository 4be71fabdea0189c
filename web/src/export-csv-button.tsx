import { useEffect, useRef, useState } from 'react';
import { companyPath, queryString } from './api.ts';
import type { CaseFilterValues } from './case-filters.tsx';
import { downloadCsv, saveBlob, type CsvProgress } from './csv-download.ts';
import { plainError } from './error-view.tsx';
import { formatBytes, formatCount } from './format.ts';

type State = { phase: 'idle' } | { phase: 'running'; progress: CsvProgress } | { phase: 'done'; progress: CsvProgress } | { phase: 'error'; message: string };

/** Downloads the filtered cases as CSV, streaming so large exports show their progress. */
export function ExportCsvButton({ companyId, filters, expectedRows }: { companyId: string; filters: CaseFilterValues; expectedRows: number | undefined }) {
  const [state, setState] = useState<State>({ phase: 'idle' });
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  async function start() {
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setState({ phase: 'running', progress: { bytes: 0, rows: 0 } });
    const url = companyPath(companyId, `/cases.csv${queryString({ status: filters.status, from: filters.from, to: filters.to, q: filters.q })}`);
    try {
      const { blob, filename, progress } = await downloadCsv(url, (p) => setState({ phase: 'running', progress: p }), abort.signal);
      saveBlob(blob, filename ?? `churn-saver-cases-${companyId}-${new Date().toISOString().slice(0, 10)}.csv`);
      setState({ phase: 'done', progress });
    } catch (error) {
      if (abort.signal.aborted) setState({ phase: 'idle' });
      else setState({ phase: 'error', message: plainError(error).message });
    } finally {
      if (controller.current === abort) controller.current = null;
    }
  }

  const running = state.phase === 'running';
  return (
    <div className="export">
      <div className="export-buttons">
        <button type="button" className="button" data-testid="export-csv" onClick={start} disabled={running} aria-describedby="export-status">
          {running ? 'Exporting…' : 'Export CSV'}
        </button>
        {running && (
          <button type="button" className="button button-quiet" onClick={() => controller.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      <div id="export-status" className="export-status small" role="status" aria-live="polite" data-testid="export-progress">
        {state.phase === 'running' && (
          <>
            {expectedRows !== undefined && expectedRows > 0 ? (
              <progress max={expectedRows} value={Math.min(state.progress.rows, expectedRows)} aria-label="Export progress" />
            ) : (
              <progress aria-label="Export progress" />
            )}
            <span>
              {formatCount(state.progress.rows)}
              {expectedRows !== undefined ? ` of ${formatCount(expectedRows)}` : ''} rows · {formatBytes(state.progress.bytes)}
            </span>
          </>
        )}
        {state.phase === 'done' && (
          <span className="text-good">
            Saved {formatCount(state.progress.rows)} {state.progress.rows === 1 ? 'row' : 'rows'} ({formatBytes(state.progress.bytes)}).
          </span>
        )}
        {state.phase === 'error' && <span className="text-bad">Export failed: {state.message}</span>}
      </div>
    </div>
  );
}
