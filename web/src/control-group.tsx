import { formatCount, formatDateTime, formatMoney } from './format.ts';
import { rateNote, rateText } from './kpi-tiles.tsx';
import type { ControlGroup } from './types.ts';

const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pts`;

/** Treated vs control: what Churn Saver adds over doing nothing, with its uncertainty. */
export function ControlGroupCard({ group }: { group: ControlGroup }) {
  const { treated, control, lift } = group;
  const none = control.cases === 0;
  return (
    <section className="card" aria-labelledby="control-heading" data-testid="control-group">
      <h2 id="control-heading">What Churn Saver adds (control group)</h2>
      {none ? (
        <p className="muted" data-testid="control-none">
          No control group yet{group.holdout_percent === 0 ? ': hold out a share of members in Settings to measure what the reminders add.' : ': held-out cases will appear as they open.'}
        </p>
      ) : (
        <>
          <div className="tiles">
            <div className="tile" data-testid="control-treated">
              <div className="tile-label">With Churn Saver</div>
              <div className="tile-value">{rateText(treated.rate)}</div>
              <div className="tile-note">{rateNote(treated.rate)}</div>
            </div>
            <div className="tile" data-testid="control-held-out">
              <div className="tile-label">Control group (nothing sent)</div>
              <div className="tile-value">{rateText(control.rate)}</div>
              <div className="tile-note">{rateNote(control.rate)}</div>
            </div>
            <div className="tile" data-testid="control-lift">
              <div className="tile-label">Lift</div>
              <div className="tile-value">{lift.estimate === null ? '—' : points(lift.estimate)}</div>
              <div className="tile-note">
                {lift.lower === null || lift.upper === null ? 'needs decided cases in both groups' : `95 % interval ${points(lift.lower)} to ${points(lift.upper)}`}
              </div>
            </div>
            <div className="tile" data-testid="control-incremental">
              <div className="tile-label">Extra revenue, net of incentives</div>
              {group.incremental.length === 0 ? (
                <div className="tile-value">—</div>
              ) : (
                group.incremental.map((r) => (
                  <div key={r.currency} data-testid={`control-incremental-${r.currency}`}>
                    <div className="tile-value">{formatMoney(r.estimate, r.currency)}</div>
                    <div className="tile-note">
                      95 % interval {formatMoney(r.lower, r.currency)} to {formatMoney(r.upper, r.currency)}
                    </div>
                  </div>
                ))
              )}
              {group.incremental_updating && (
                <div className="tile-note" data-testid="control-incremental-updating">
                  As of {formatDateTime(group.incremental_as_of)}; updating with the latest cases (reload to see it).
                </div>
              )}
            </div>
          </div>
          {group.measuring && (
            <p className="message" data-testid="control-measuring">
              Measuring:{' '}
              {group.more_decided_needed === null
                ? 'hold out a share of members to plan the measurement.'
                : `about ${formatCount(group.more_decided_needed)} more decided cases needed before the result is final (planned ${formatCount(group.planned_decided)}). Until then the figures above are interim.`}
            </p>
          )}
        </>
      )}
    </section>
  );
}
