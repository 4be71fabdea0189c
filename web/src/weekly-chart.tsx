import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { currencyDigits, formatCount, formatMoney, formatWeek, toMajor } from './format.ts';
import { cssVar, useTheme } from './theme.ts';
import type { Kpis } from './types.ts';

type Week = Kpis['weekly'][number];
interface Row extends Week {
  label: string;
  recovered_major: number;
  lost_major: number;
}

/**
 * Recovered vs lost money per week (recharts). Loaded lazily: the rest of the dashboard does not
 * wait for the charting code. Colours come from the theme's CSS variables.
 */
export default function WeeklyChart({ weekly, currency }: { weekly: Kpis['weekly']; currency: string }) {
  useTheme(); // re-read the colours when the theme changes
  const colors = { recovered: cssVar('--chart-recovered'), lost: cssVar('--chart-lost'), grid: cssVar('--border'), text: cssVar('--text-muted'), legend: cssVar('--text') };
  const rows: Row[] = weekly.map((week) => ({
    ...week,
    label: formatWeek(week.week_start),
    recovered_major: toMajor(week.recovered_cents, currency),
    lost_major: toMajor(week.lost_cents, currency),
  }));

  const total = (key: 'recovered_cents' | 'lost_cents') => weekly.reduce((sum, week) => sum + week[key], 0);
  // The SVG's accessible name: what it shows and its totals; the exact figures are the table below it.
  const label = `Bar chart of money recovered and lost per week, ${weekly.length} ${weekly.length === 1 ? 'week' : 'weeks'}: ${formatMoney(total('recovered_cents'), currency)} recovered, ${formatMoney(total('lost_cents'), currency)} lost. The same figures are in the table below.`;

  return (
    <div className="chart-box">
      <ResponsiveContainer width="100%" height={280}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} barGap={2} role="img" aria-label={label} title={label}>
          <CartesianGrid vertical={false} stroke={colors.grid} />
          <XAxis dataKey="label" tick={{ fill: colors.text, fontSize: 12 }} tickLine={false} axisLine={{ stroke: colors.grid }} />
          <YAxis
            tick={{ fill: colors.text, fontSize: 12 }}
            tickLine={false}
            axisLine={false}
            width={72}
            tickFormatter={(value: number) => formatMoney(Math.round(value * 10 ** currencyDigits(currency)), currency, { compact: true })}
          />
          <Tooltip cursor={{ fill: colors.grid, opacity: 0.4 }} content={(props: TooltipContentProps) => <WeekTooltip {...props} currency={currency} />} />
          {/* Legend words in the body text colour (the series colours are 3.3:1 and 4.2:1 on white: fine for bars, too faint for text). */}
          <Legend itemSorter={null} wrapperStyle={{ fontSize: 13 }} formatter={(value: string) => <span style={{ color: colors.legend }}>{value}</span>} />
          <Bar dataKey="recovered_major" name="Recovered" fill={colors.recovered} radius={[3, 3, 0, 0]} isAnimationActive={false} />
          <Bar dataKey="lost_major" name="Lost" fill={colors.lost} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function WeekTooltip({ active, payload, currency }: TooltipContentProps & { currency: string }) {
  const week = (payload?.[0]?.payload as Row | undefined) ?? null;
  if (!active || week === null) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-title">Week of {week.label}</div>
      <div>
        <span className="swatch swatch-recovered" aria-hidden="true" /> Recovered {formatMoney(week.recovered_cents, currency)} ({formatCount(week.recovered)})
      </div>
      <div>
        <span className="swatch swatch-lost" aria-hidden="true" /> Lost {formatMoney(week.lost_cents, currency)} ({formatCount(week.lost)})
      </div>
    </div>
  );
}
