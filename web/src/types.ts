/** Shapes of the dashboard JSON API (docs/api.md). */
import { CHANNELS, type Channel, type ChannelToggle } from '../../src/domain/channels.ts';

/** The server's one channel list (src/domain/channels.ts). */
export { CHANNELS, type Channel };
export type CaseStatus = 'open' | 'recovered' | 'closed_no_recovery';
export type DeclineVariant = 'insufficient_funds' | 'card_expired' | 'card_declined' | 'generic';

export const DECLINE_VARIANTS: readonly DeclineVariant[] = ['insufficient_funds', 'card_expired', 'card_declined', 'generic'];
export const CASE_STATUSES: readonly CaseStatus[] = ['open', 'recovered', 'closed_no_recovery'];

export type Me = { kind: 'operator'; email: string; csrf_token: string } | { kind: 'creator'; user_id: string };

/** GET /api/companies/:id: the company's display name (null until Whop named it). */
export interface CompanyInfo {
  company: { id: string; name: string | null };
}

export interface CompanySummary {
  company_id: string;
  title: string | null;
  open_cases: number;
  /** Same definition as the overview's 30-day recovered, one line per currency. */
  recovered_30d: { currency: string; recovered_cents: number }[];
}

export interface AdminOverview {
  companies: number;
  webhooks: { pending: number; failed: number; processed_24h: number; oldest_pending_at: string | null };
  queue: { lag_seconds: number | null; queued: number };
  deliveries: { dead: number; pending: number };
  dead_letters: { company_id: string; case_id: string; channel: Channel; step: number; error: string | null; updated_at: string }[];
}

/** A rate over decided cases (docs/metrics.md): null when nothing is decided yet. */
export interface Rate {
  value: number | null;
  decided: number;
  deciding: number;
  provisional: boolean;
}

export interface CurrencyAmount {
  currency: string;
  recovered_cents: number;
}

export interface MoneyLine {
  currency: string;
  cases: number;
  recovered_cents: number;
  recovered_failed_cents: number;
  lost_cents: number;
  deciding_cents: number;
  at_risk_cents: number;
  incentive_cost_cents: number;
  net_recovered_cents: number;
  rate_amount: Rate;
}

export interface CohortCounts {
  from: string;
  to: string;
  cases: number;
  recovered: number;
  lost: number;
  deciding: number;
  rate_count: Rate;
}

export interface Kpis {
  window_days: number;
  window: CohortCounts;
  headline: CohortCounts & { attribution_window_days: number; rate_amount: (Rate & { currency: string })[] };
  cases_opened: number;
  recovered: number;
  lost: number;
  deciding: number;
  money: MoneyLine[];
  median_hours_to_recover: number | null;
  by_method: { method: 'whop_retry' | 'nudge' | 'manual' | 'churn_saver_retry' | 'unattributed'; recovered: number; amounts: CurrencyAmount[] }[];
  by_step: { step: number; nudged: number; recovered: number }[];
  by_channel: { channel: Channel; sent: number; outbox: number; clicks: number; recovered: number }[];
  by_decline: { category: string; cases: number; recovered: number; lost: number; deciding: number; rate_count: Rate; amounts: CurrencyAmount[] }[];
  at_risk_cases: { id: string; member_name: string | null; whop_membership_id: string; amount_at_risk_cents: number; currency: string; steps_sent: number; next_step: number | null; next_nudge_at: string | null; attribution_ends_at: string; holdout: boolean }[];
  weekly: { week_start: string; recovered: number; lost: number; deciding: number; amounts: { currency: string; recovered_cents: number; lost_cents: number; deciding_cents: number }[] }[];
  control_group: ControlGroup;
  formulas: Record<string, string>;
  formulas_url: string;
}

export interface ControlGroupSide {
  cases: number;
  recovered: number;
  lost: number;
  deciding: number;
  decided: number;
  rate: Rate;
}

export interface ControlGroup {
  holdout_percent: number;
  treated: ControlGroupSide;
  control: ControlGroupSide;
  /** Proportions (0.05 = 5 percentage points). */
  lift: { estimate: number | null; lower: number | null; upper: number | null };
  planned_decided: number | null;
  more_decided_needed: number | null;
  measuring: boolean;
  incremental: { currency: string; estimate: number | null; lower: number | null; upper: number | null }[];
}

export interface RecoveryCase {
  id: string;
  status: CaseStatus;
  whop_membership_id: string;
  whop_user_id: string | null;
  member_email: string | null;
  member_name: string | null;
  failure_reason: string | null;
  failure_count: number;
  /** Whop's decline code of the latest failure. */
  decline_code?: string | null;
  /** Case detail only: the latest charge waits for the member to authenticate (3-D Secure). */
  needs_authentication?: boolean;
  next_payment_attempt_at?: string | null;
  card_exp_month?: number | null;
  card_exp_year?: number | null;
  amount_at_risk_cents: number;
  recovered_cents: number;
  currency: string;
  risk_level: 'low' | 'medium' | 'high' | null;
  first_failure_at: string;
  recovered_at: string | null;
  closed_at: string | null;
  attribution_ends_at: string | null;
  steps_sent: number;
  next_nudge_at: string | null;
}

export interface CaseList {
  cases: RecoveryCase[];
  next_cursor: string | null;
  total: number;
}

export interface CaseEvent {
  at: string;
  from_status: CaseStatus | null;
  to_status: CaseStatus;
  reason: string;
  actor: string | null;
  source: 'lifecycle' | 'outreach' | 'action' | string;
  detail: Record<string, unknown> | null;
}

export interface Delivery {
  step: number;
  channel: Channel;
  status: 'pending' | 'sent' | 'failed' | 'skipped' | 'outbox' | 'dead';
  attempts: number;
  error: string | null;
  rendered_subject: string | null;
  rendered_body: string | null;
  sent_at: string | null;
  updated_at: string | null;
}

export interface Incentive {
  type: 'free_days' | 'promo_code' | string;
  value: number;
  status: 'pending' | 'granting' | 'granted' | 'failed' | 'unknown' | string;
  cost_cents: number;
  currency: string | null;
  granted_at: string | null;
  error: string | null;
}

export interface CaseDetail {
  case: RecoveryCase & { holdout?: boolean; credited_method?: string | null; credited_channel?: string | null; credited_step?: number | null };
  timeline: CaseEvent[];
  deliveries: Delivery[];
  incentives: Incentive[];
}

export type VariantTexts = Partial<Record<DeclineVariant, string>>;
/** One channel's parts (push: title/body, dm: body, email: subject/body), each per variant. */
export type TemplateParts = Partial<Record<string, VariantTexts>>;
export type ChannelTemplates = TemplateParts & { steps?: Record<string, TemplateParts> };

export interface QuietHours {
  start_hour: number;
  end_hour: number;
  timezone: string;
}

/** `enable_<channel>` for every channel, then the rest. */
export interface Settings extends Record<ChannelToggle, boolean> {
  reminder_offsets_days: number[];
  incentive_type?: string;
  incentive_days: number;
  attribution_window_days: number;
  min_gap_hours: number;
  quiet_hours: QuietHours | null;
  retry_payment_first: boolean;
  /** Percent of members held out as the control group (0–50). */
  holdout_percent?: number;
  templates: Partial<Record<Channel, ChannelTemplates>>;
  /** Anything the server adds later is kept as it came and sent back unchanged. */
  [other: string]: unknown;
}

export interface SettingsResponse {
  version: number;
  settings: Settings;
  placeholders: string[];
  smtp_configured: boolean;
  whop_configured: boolean;
  webhook_url: string;
  /** Permission-gated Whop fields: `off` says which permission turns the capability on. */
  whop_capabilities?: { field: string; capability: string; status: 'on' | 'off' | 'unknown'; permission: string; observed_at: string | null }[];
}

export interface SettingsProblem {
  field: string;
  message: string;
}

export interface PreviewResult {
  subject?: string;
  title?: string;
  body: string;
}

export interface ActionResponse {
  ok: true;
  result?: unknown;
}
