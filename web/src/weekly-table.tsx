import { formatCount, formatMoney, formatWeek } from './format.ts';
import type { Kpis } from './types.ts';

/** The weekly chart's numbers as a table, for screen readers and exact figures. */
export function WeeklyTable({ weekly, currency }: { weekly: Kpis['weekly']; currency: string }) {
  if (weekly.length === 0) return <p className="muted">No weeks in this window.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-compact">
        <thead>
          <tr>
            <th scope="col">Week of</th>
            <th scope="col" className="num">
              Recovered
            </th>
            <th scope="col" className="num">
              Lost
            </th>
          </tr>
        </thead>
        <tbody>
          {weekly.map((week) => (
            <tr key={week.week_start}>
              <th scope="row">{formatWeek(week.week_start)}</th>
              <td className="num">
                {formatMoney(week.recovered_cents, currency)} ({formatCount(week.recovered)})
              </td>
              <td className="num">
                {formatMoney(week.lost_cents, currency)} ({formatCount(week.lost)})
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
