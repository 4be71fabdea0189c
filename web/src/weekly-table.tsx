import { formatCount, formatMoney, formatWeek } from './format.ts';
import type { Kpis } from './types.ts';

type Week = Kpis['weekly'][number];

/** The weekly chart's numbers as a table: cases by cohort week, amounts per currency. */
export function WeeklyTable({ weekly }: { weekly: Kpis['weekly'] }) {
  if (weekly.length === 0) return <p className="muted">No weeks in this window.</p>;
  const cell = (week: Week, count: number, of: (a: Week['amounts'][number]) => number) => (
    <td className="num">
      {formatCount(count)}
      {week.amounts.map((a) => (
        <div key={a.currency} className="muted small">
          {formatMoney(of(a), a.currency)}
        </div>
      ))}
    </td>
  );
  return (
    <div className="table-wrap">
      <table className="table table-compact" data-testid="weekly-table">
        <thead>
          <tr>
            <th scope="col">First failed in the week of</th>
            <th scope="col" className="num">
              Recovered
            </th>
            <th scope="col" className="num">
              Lost
            </th>
            <th scope="col" className="num">
              Still deciding
            </th>
          </tr>
        </thead>
        <tbody>
          {weekly.map((week) => (
            <tr key={week.week_start} data-testid={`week-${week.week_start}`}>
              <th scope="row">{formatWeek(week.week_start)}</th>
              {cell(week, week.recovered, (a) => a.recovered_cents)}
              {cell(week, week.lost, (a) => a.lost_cents)}
              {cell(week, week.deciding, (a) => a.deciding_cents)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
