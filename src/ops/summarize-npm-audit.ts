import { execFile } from 'node:child_process';

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AuditRow {
  name: string;
  severity: Severity;
  /** A dependency package.json names (not only pulled in by one). */
  isDirect: boolean;
  /** Advisory titles, or the packages this one is vulnerable through. */
  via: string[];
  /** The version range affected. */
  range: string;
  /** true, false, or the package@version npm would move to (possibly a breaking major). */
  fix: string;
}

export type AuditSummary =
  | { ok: true; counts: Record<Severity, number>; rows: AuditRow[]; dependencies: number | null }
  | { ok: false; problem: string };

/** npm audit --json (report version 2) as counts per severity and one row per vulnerable package, worst first. Pure. */
export function summarizeNpmAudit(json: string): AuditSummary {
  let report: any;
  try {
    report = JSON.parse(json);
  } catch {
    return { ok: false, problem: `npm audit did not answer JSON: ${json.trim().slice(0, 200) || '(nothing)'}` };
  }
  if (report?.error) return { ok: false, problem: `npm audit could not run: ${report.error.summary || report.message || report.error.code || 'unknown error'}` };
  if (report?.message && !report.vulnerabilities) return { ok: false, problem: `npm audit could not run: ${report.message}` };
  if (!report?.vulnerabilities || !report?.metadata?.vulnerabilities) return { ok: false, problem: 'npm audit answered an unknown format (expected auditReportVersion 2)' };
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, Number(report.metadata.vulnerabilities[s] ?? 0)])) as Record<Severity, number>;
  const rows: AuditRow[] = Object.values<any>(report.vulnerabilities).map((v) => ({
    name: String(v.name),
    severity: (SEVERITIES as readonly string[]).includes(v.severity) ? v.severity : 'info',
    isDirect: Boolean(v.isDirect),
    via: (v.via ?? []).map((x: any) => (typeof x === 'string' ? x : String(x.title ?? x.name ?? x.source))),
    range: String(v.range ?? ''),
    fix: typeof v.fixAvailable === 'object' && v.fixAvailable ? `${v.fixAvailable.name}@${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (major)' : ''}` : String(Boolean(v.fixAvailable)),
  }));
  rows.sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.name.localeCompare(b.name));
  return { ok: true, counts, rows, dependencies: report.metadata.dependencies?.total ?? null };
}

/** How many vulnerabilities are at `threshold` or worse. */
export function countAtOrAbove(counts: Record<Severity, number>, threshold: Severity): number {
  return SEVERITIES.slice(SEVERITIES.indexOf(threshold)).reduce((n, s) => n + counts[s], 0);
}

/** Runs `npm audit --json` (plus `args`) in `cwd`. npm exits non-zero when it finds something; the JSON is what counts. */
export function runNpmAudit(cwd: string, args: string[] = []): Promise<AuditSummary> {
  return new Promise((resolve) => {
    execFile('npm', ['audit', '--json', ...args], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout) => {
      if (!stdout && error) resolve({ ok: false, problem: `npm audit could not run: ${error.message}` });
      else resolve(summarizeNpmAudit(stdout));
    });
  });
}

/** A plain-text table of the rows, for a terminal. */
export function formatAuditTable(rows: AuditRow[]): string {
  const header = ['package', 'severity', 'direct', 'fix', 'via'];
  const lines = rows.map((r) => [r.name, r.severity, r.isDirect ? 'yes' : 'no', r.fix, r.via.join('; ').slice(0, 80)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}
