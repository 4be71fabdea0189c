import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { formatCount, formatMoney, formatWeek } from './format.ts';
import { cssVar, useTheme } from './theme.ts';
import type { Kpis } from './types.ts';

type Week = Kpis['weekly'][number];
interface Row extends Week {
  label: string;
}

/**
 * Cases by cohort week (the week of their first failure), stacked: recovered, lost, still deciding.
 * Counts, not money, so every currency is in it without adding amounts across currencies (the
 * table below has the amounts per currency). Loaded lazily; colours come from the theme.
 */
export default function WeeklyChart({ weekly }: { weekly: Kpis['weekly'] }) {
  useTheme(); // re-read the colours when the theme changes
  const colors = { recovered: cssVar('--chart-recovered'), lost: cssVar('--chart-lost'), deciding: cssVar('--chart-deciding') || '#94a3b8', grid: cssVar('--border'), text: cssVar('--text-muted'), legend: cssVar('--text') };
  const rows: Row[] = weekly.map((week) => ({ ...week, label: formatWeek(week.week_start) }));
  const total = (key: 'recovered' | 'lost' | 'deciding') => weekly.reduce((sum, week) => sum + week[key], 0);
  // The SVG's accessible name: what it shows and its totals; the exact figures are the table below it.
  const label = `Stacked bar chart of cases per week of first failed payment, ${weekly.length} ${weekly.length === 1 ? 'week' : 'weeks'}: ${formatCount(total('recovered'))} recovered, ${formatCount(total('lost'))} lost, ${formatCount(total('deciding'))} still deciding. The same figures, with amounts per currency, are in the table below.`;

  return (
    <>
      {/* Axis titles as text around the SVG: .chart-box is exactly the chart's 280 px. */}
      <div className="muted small" data-testid="chart-y-title">
        Cases
      </div>
      <div className="chart-box">
      <ResponsiveContainer width="100%" height={280}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} role="img" aria-label={label} title={label}>
          <CartesianGrid vertical={false} stroke={colors.grid} />
          <XAxis dataKey="label" tick={{ fill: colors.text, fontSize: 12 }} tickLine={false} axisLine={{ stroke: colors.grid }} />
          <YAxis tick={{ fill: colors.text, fontSize: 12 }} tickLine={false} axisLine={false} width={48} allowDecimals={false} />
          <Tooltip cursor={{ fill: colors.grid, opacity: 0.4 }} content={(props: TooltipContentProps) => <WeekTooltip {...props} />} />
          {/* Legend words in the body text colour (the series colours are 3.3:1 and 4.2:1 on white: fine for bars, too faint for text). */}
          <Legend itemSorter={null} wrapperStyle={{ fontSize: 13, paddingTop: 16 }} formatter={(value: string) => <span style={{ color: colors.legend }}>{value}</span>} />
          <Bar dataKey="recovered" name="Recovered" stackId="cases" fill={colors.recovered} isAnimationActive={false} />
          <Bar dataKey="lost" name="Lost" stackId="cases" fill={colors.lost} isAnimationActive={false} />
          <Bar dataKey="deciding" name="Still deciding" stackId="cases" fill={colors.deciding} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      </div>
      <div className="muted small chart-x-title" data-testid="chart-x-title">
        Week of first failed payment
      </div>
    </>
  );
}

function WeekTooltip({ active, payload }: TooltipContentProps) {
  const week = (payload?.[0]?.payload as Row | undefined) ?? null;
  if (!active || week === null) return null;
  const money = (of: (a: Week['amounts'][number]) => number) => week.amounts.map((a) => formatMoney(of(a), a.currency)).join(' · ');
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-title">First failed in the week of {week.label}</div>
      <div>
        <span className="swatch swatch-recovered" aria-hidden="true" /> Recovered {formatCount(week.recovered)} ({money((a) => a.recovered_cents)})
      </div>
      <div>
        <span className="swatch swatch-lost" aria-hidden="true" /> Lost {formatCount(week.lost)} ({money((a) => a.lost_cents)})
      </div>
      <div>Still deciding {formatCount(week.deciding)} ({money((a) => a.deciding_cents)})</div>
    </div>
  );
}
