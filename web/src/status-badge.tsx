import { STATUS_LABELS } from './format.ts';

/** A case's status as a coloured pill with its words (colour is never the only signal). */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid={testId} data-status={status}>
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}

export function RiskBadge({ level }: { level: string | null }) {
  if (level === null) return null;
  return <span className={`risk risk-${level}`}>{level.charAt(0).toUpperCase() + level.slice(1)} risk</span>;
}
