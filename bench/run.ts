import { loadavg } from 'node:os';
import { measureDashboard } from './figures/dashboard.ts';
import { measureFleet } from './figures/fleet.ts';
import { measureIntake } from './figures/intake.ts';
import { measureNudges } from './figures/nudges.ts';
import { measureProcessing } from './figures/processing.ts';
import { measureStartAndMemory } from './figures/start-memory.ts';
import { printFigure, SIZE, type Figure } from './support/figures.ts';

// npm run bench: every hot path and its bare limit, measured in this one invocation, printed as a ratio
// to that limit (1.00 = the limit; for times and memory bare/ours). It asserts no timing; a figure that
// could not be measured (its own failure) is reported and makes the exit code 1.
// BENCH_SIZE=tiny runs in about a minute; full (default) uses the sizes. BENCH_ONLY=a,b picks figures.
const ALL: Record<string, () => Promise<Figure[]>> = {
  processing: measureProcessing,
  nudges: measureNudges,
  intake: measureIntake,
  dashboard: measureDashboard,
  start: measureStartAndMemory,
  fleet: measureFleet,
};
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
for (const name of only) if (!ALL[name]) throw new Error(`BENCH_ONLY: no figure ${name} (one of ${Object.keys(ALL).join(', ')})`);
console.log(`npm run bench, BENCH_SIZE=${SIZE}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (ratios hold across machines; absolute figures do not)`);
let failed = 0;
for (const [name, measure] of Object.entries(ALL)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const started = performance.now();
  try {
    for (const figure of await measure()) printFigure(figure);
  } catch (error) {
    failed++;
    console.error(`bench ${name} FAILED:`, error);
  }
  console.error(`  (${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
if (failed > 0) {
  console.error(`${failed} figure group(s) failed`);
  process.exitCode = 1;
}
