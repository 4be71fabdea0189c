/** Display formatting: money from integer minor units, rates, durations and dates. */
import { currencyExponent } from '../../src/domain/money.ts';

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string, compact: boolean): Intl.NumberFormat {
  const key = `${currency}|${compact}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      const digits = currencyDigits(currency);
      format = new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency: currency.toUpperCase(),
        ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : { minimumFractionDigits: digits, maximumFractionDigits: digits }),
      });
    } catch {
      format = new Intl.NumberFormat(undefined, { maximumFractionDigits: currencyDigits(currency) });
    }
    moneyFormats.set(key, format);
  }
  return format;
}

/**
 * Digits after the decimal point in one major unit of `currency` (JPY 0, USD 2, KWD 3): the
 * server's own table (src/domain/money.ts). Intl's digits differ for a few (IQD), so conversion never asks Intl.
 */
export const currencyDigits = currencyExponent;

/** Integer minor units → major units as a number (for charts). */
export function toMajor(minorUnits: number, currency: string): number {
  return minorUnits / 10 ** currencyDigits(currency);
}

/** 161946 usd → "$1,619.46". Unknown currency codes print the number and the code. */
export function formatMoney(minorUnits: number | null | undefined, currency: string | null | undefined, options: { compact?: boolean } = {}): string {
  if (minorUnits === null || minorUnits === undefined) return '—';
  const code = currency ?? 'usd';
  const format = moneyFormat(code, options.compact === true);
  const text = format.format(toMajor(minorUnits, code));
  return format.resolvedOptions().style === 'currency' ? text : `${text} ${code.toUpperCase()}`;
}

const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const numberFormat = new Intl.NumberFormat();

/** 0.6429 → "64.3%"; null (nothing to divide) → "—". */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : percentFormat.format(rate);
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : numberFormat.format(value);
}

/** 52.5 → "2.2 days"; 5 → "5 h"; 0.4 → "24 min". */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined) return '—';
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Number(hours.toFixed(1))} h`;
  return `${Number((hours / 24).toFixed(1))} days`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const shortDateFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

function parse(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDateTime(value: string | null | undefined): string {
  const date = parse(value);
  return date ? dateTimeFormat.format(date) : '—';
}

export function formatDate(value: string | null | undefined): string {
  const date = parse(value);
  return date ? dateFormat.format(date) : '—';
}

/** Server messages carry ISO times ("allowed from 2026-11-26T04:26:53.999Z"): show them in local time. */
export function localizeTimes(message: string): string {
  return message.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (iso) => formatDateTime(iso));
}

/** "2026-11-02" (a calendar date, no zone) → "Nov 2". */
export function formatWeek(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  if (!y || !m || !d) return isoDate;
  return shortDateFormat.format(new Date(y, m - 1, d));
}

/** Bytes as "12.3 KB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** snake_case identifiers from the API → "Sentence case". */
export function humanize(identifier: string): string {
  const text = identifier.replace(/[_-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  recovered: 'Recovered',
  closed_no_recovery: 'Closed, not recovered',
};

export { CHANNEL_LABELS } from './channel-copy.ts';

export const VARIANT_LABELS: Record<string, string> = {
  insufficient_funds: 'Insufficient funds',
  card_expired: 'Card expired',
  card_declined: 'Card declined',
  generic: 'Any other reason',
  needs_authentication: 'Needs authentication (3-D Secure)',
  card_unusable: 'Card unusable (expired, lost, closed)',
  issuer_soft_decline: 'Bank declined for now',
};

export const CATEGORY_LABELS: Record<string, string> = {
  needs_authentication: 'Needs authentication (3-D Secure)',
  card_unusable: 'Card unusable (expired, lost, stolen, closed)',
  insufficient_funds: 'Insufficient funds',
  issuer_soft_decline: 'Bank declined for now',
  unknown: 'Unknown reason',
};
