import type { DeclineCategory } from './decline-variant.ts';
import { escapeHtml } from './message-template.ts';
import { formatMinorUnits } from './money.ts';

/**
 * The creator's daily digest (issue #15 §1): one email a day with the last day's new failures and
 * recoveries, instead of a message per failure. Figures only: no member's name, email or id is in
 * it (the dashboard, behind the creator's login, has them).
 */

export interface DigestFigures {
  /** Cases opened in the day, per currency, with the amount at risk (minor units). */
  opened: { currency: string; cases: number; atRiskCents: number }[];
  /** Cases opened in the day by decline category. */
  openedByCategory: Partial<Record<DeclineCategory, number>>;
  /** Cases recovered in the day, per currency, with the amount recovered (minor units). */
  recovered: { currency: string; cases: number; recoveredCents: number }[];
  /** Cases still open at the end of the day. */
  stillOpen: number;
}

/** The UTC day a digest covers and is keyed by: the 24 hours before `at`'s hour, named by `at`'s date. */
export function digestDateOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** True when a company's digest hour (UTC) has come on `now`'s day. */
export function isDigestHour(hourUtc: number, now: Date): boolean {
  return now.getUTCHours() >= hourUtc;
}

const CATEGORY_NAMES: Record<DeclineCategory, string> = {
  needs_authentication: 'needs authentication (3-D Secure)',
  card_unusable: 'card unusable (expired, lost, closed)',
  insufficient_funds: 'insufficient funds',
  issuer_soft_decline: 'bank declined for now',
  unknown: 'reason unknown',
};

export function composeDigest(input: { companyName: string | null; date: string; figures: DigestFigures; dashboardUrl: string }): { subject: string; text: string; html: string } {
  const f = input.figures;
  const openedCases = f.opened.reduce((n, o) => n + o.cases, 0);
  const recoveredCases = f.recovered.reduce((n, r) => n + r.cases, 0);
  const money = (lines: { currency: string; cents: number }[]) => (lines.length === 0 ? '' : ` (${lines.map((l) => displayAmount(l.cents, l.currency)).join(' + ')})`);
  const lines = [
    `Churn Saver, ${input.companyName ?? 'your company'}: the day to ${input.date} 00:00 UTC`,
    '',
    `New failed payments: ${openedCases}${money(f.opened.map((o) => ({ currency: o.currency, cents: o.atRiskCents })))} at risk`,
    ...Object.entries(f.openedByCategory)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([c, n]) => `  - ${CATEGORY_NAMES[c as DeclineCategory]}: ${n}`),
    `Recovered: ${recoveredCases}${money(f.recovered.map((r) => ({ currency: r.currency, cents: r.recoveredCents })))}`,
    `Cases still open: ${f.stillOpen}`,
    '',
    `The cases and their timelines: ${input.dashboardUrl}`,
  ];
  const text = lines.join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5"><pre style="font-family:inherit">${escapeHtml(text)}</pre></body></html>`;
  return { subject: `Churn Saver daily digest: ${openedCases} new, ${recoveredCases} recovered`, text, html };
}

/** "$40.00", "€12.50"; a currency Intl does not know reads "40.00 XYZ". */
function displayAmount(cents: number, currency: string): string {
  const decimal = formatMinorUnits(cents, currency);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase(), minimumFractionDigits: decimal.split('.')[1]?.length ?? 0 }).format(Number(decimal));
  } catch {
    return `${decimal} ${currency.toUpperCase()}`;
  }
}
