import { formatCount } from './format.ts';
import type { Kpis } from './types.ts';

/** Per reminder step: how many cases got it and how many recoveries are credited to it. */
export function StepFunnel({ steps }: { steps: Kpis['by_step'] }) {
  if (steps.length === 0) return <p className="muted">No reminders sent in this window.</p>;
  const sorted = [...steps].sort((a, b) => a.step - b.step);
  const widest = Math.max(1, ...sorted.map((s) => s.nudged));
  return (
    <ol className="funnel" data-testid="step-funnel">
      {sorted.map((s) => (
        <li key={s.step} className="funnel-row" data-testid={`step-${s.step + 1}`}>
          <div className="funnel-label">
            <strong>Reminder {s.step + 1}</strong>
            <span className="muted">
              {formatCount(s.nudged)} {s.nudged === 1 ? 'case' : 'cases'} reached · {formatCount(s.recovered)} {s.recovered === 1 ? 'recovery' : 'recoveries'} credited
            </span>
          </div>
          <div className="funnel-track" aria-hidden="true">
            <div className="funnel-bar" style={{ width: `${(s.nudged / widest) * 100}%` }}>
              <div className="funnel-bar-recovered" style={{ width: `${s.nudged === 0 ? 0 : Math.min(1, s.recovered / s.nudged) * 100}%` }} />
            </div>
          </div>
        </li>
      ))}
    </ol>
  );
}
