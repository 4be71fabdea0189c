/**
 * The numeric limits of a company's settings, in one place: the settings schema
 * (nudge-settings.ts) enforces them and the dashboard's form (web/src/settings-model.ts)
 * checks them before asking the server. No zod here, so the dashboard bundles only these numbers.
 */

/** Free days a creator may offer; 0 means no incentive. */
export const INCENTIVE_DAYS_CHOICES = [0, 1, 3, 7, 14, 30] as const;
export type IncentiveDays = (typeof INCENTIVE_DAYS_CHOICES)[number];

export const MAX_NUDGES = 10;
export const MAX_OFFSET_DAYS = 30;

/** Inclusive whole-number ranges of the scalar settings. */
export const SETTING_RANGES = {
  /** Days after a case's first failure in which a payment counts as recovered. */
  attribution_window_days: { min: 1, max: 60 },
  /** Least time between two nudges of one case, in hours. */
  min_gap_hours: { min: 0, max: 168 },
  /** Share of members held out as the control group, in percent. */
  holdout_percent: { min: 0, max: 50 },
  /** A quiet-hours bound, as a local hour. */
  quiet_hour: { min: 0, max: 23 },
  /** A playbook's last step goes this many hours before Whop's cancel. */
  playbook_lead_hours: { min: 0, max: 72 },
  /** The per-member cap across cases: nudges, and the sliding window in hours. */
  member_cap_nudges: { min: 1, max: 20 },
  member_cap_window_hours: { min: 1, max: 24 * 14 },
  /** The hour (UTC) the creator's digest goes out. */
  digest_hour: { min: 0, max: 23 },
} as const;
