import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Queryable } from '../db/client.ts';
import { formatMinorUnits } from '../domain/money.ts';
import { iterateCases, type CaseFilters } from './cases.presenter.ts';

export const CSV_COLUMNS = [
  'id', 'status', 'membership', 'user', 'email', 'failure_reason', 'failure_count',
  'amount_at_risk', 'recovered', 'currency', 'first_failure_at', 'recovered_at', 'closed_at',
  'decline_code',
] as const;

/**
 * A spreadsheet would run a cell that starts with = + - @, tab or CR as a formula (CSV injection):
 * such cells get a leading apostrophe. Member names and failure messages come from outside.
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The company's cases as a streamed CSV: money in major units with the currency, ISO dates. */
export function presentCasesCsv(companyId: string, q: Queryable, filters: CaseFilters): Readable {
  const iso = (d: Date | null) => (d ? d.toISOString() : '');
  const rows = Readable.from(
    (async function* () {
      for await (const c of iterateCases(companyId, q, filters)) {
        const currency = c.currency ?? 'usd';
        yield [
          c.id, c.status, c.whop_membership_id, c.whop_user_id ?? '', c.member_email ?? '', c.failure_reason ?? '', String(c.failure_count),
          formatMinorUnits(c.amount_at_risk_cents, currency), formatMinorUnits(c.recovered_cents, currency), currency,
          iso(c.first_failure_at), iso(c.recovered_at), iso(c.closed_at),
          c.decline_code ?? '',
        ].map(neutralizeCell);
      }
    })(),
  );
  return rows.pipe(stringify({ header: true, columns: [...CSV_COLUMNS] }));
}
