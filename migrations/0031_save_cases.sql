-- Issue #15 §2: the save flow for scheduled cancellations.
-- A save case is its own table, not a kind of recovery case: it has no failed payment, no amount at
-- risk and no attribution window, and every recovery figure (cohorts, lift, credit, the archive) reads
-- recovery_cases. Keeping saves apart keeps those figures exact and shows saves apart on the dashboard.
-- Cases are derived from the membership's facts (cancellation_scheduled / _unscheduled,
-- membership_deactivated, payments) by domain/save-case.ts; the columns below are what the fold and
-- the offer sender need.
CREATE TABLE save_cases (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id            text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  whop_membership_id    text NOT NULL,
  whop_user_id          text,
  -- open: cancellation scheduled, not undone; saved: undone, the 30-day hold is running;
  -- held: still active and paid 30 days after the save; reverted: cancelled, unpaid or refunded
  -- inside those 30 days; lost: the cancellation took effect.
  status                text NOT NULL CHECK (status IN ('open', 'saved', 'held', 'reverted', 'lost')),
  -- What the member picked in Whop (too_expensive, …); null when Whop recorded none.
  cancel_option         text,
  -- The offer matched to it (domain/save-offer.ts) and its size in days (free days), null otherwise.
  offer_kind            text NOT NULL CHECK (offer_kind IN ('promo_code', 'free_days', 'pause', 'message')),
  offer_days            integer CHECK (offer_days BETWEEN 1 AND 365),
  -- Control group (issue #12 §3): sticky per member across recovery and save cases; gets no offer.
  holdout               boolean NOT NULL DEFAULT false,
  scheduled_at          timestamptz NOT NULL,
  -- When the cancellation takes effect (Whop's renewal_period_end), read when the offer is sent.
  cancels_at            timestamptz,
  -- Schedule as a column: the offer is due (null once sent, or never for held-out cases).
  offer_due_at          timestamptz,
  offer_claimed_until   timestamptz,
  offer_sent_at         timestamptz,
  -- Per channel: sending | sent | outbox | failed | unknown | skipped (at most once, like deliveries).
  offer_deliveries      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The last counted click on the offer link (click redirect), for the credit.
  last_click_at         timestamptz,
  last_click_channel    text,
  -- The member accepted on our page and Whop confirmed the uncancel.
  accepted_at           timestamptz,
  incentive_applied_at  timestamptz,
  saved_at              timestamptz,
  -- Credited method of the save: offer (accepted, or undone after the offer reached the member) or own.
  saved_by              text CHECK (saved_by IN ('offer', 'own')),
  saved_channel         text,
  hold_ends_at          timestamptz,
  decided_at            timestamptz,
  reverted_reason       text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, whop_membership_id, scheduled_at)
);
-- The dashboard's cohorts (by scheduled_at) and the offer / hold sweeps.
CREATE INDEX save_cases_company_scheduled ON save_cases (company_id, scheduled_at DESC);
CREATE INDEX save_cases_offer_due ON save_cases (offer_due_at) WHERE offer_due_at IS NOT NULL;
CREATE INDEX save_cases_hold_due ON save_cases (hold_ends_at) WHERE status = 'saved';
CREATE INDEX save_cases_member ON save_cases (company_id, whop_user_id);
