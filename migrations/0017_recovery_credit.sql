-- Issue #12 §2: what a recovery is credited to, and the failure's category for "by decline reason".
-- Credit (services/credit-recovery.ts, domain/recovery-credit.ts) is stored on the case when it is
-- recovered, so the dashboard groups by columns instead of joining deliveries and clicks per case.
-- Clicks are case_events rows (reason 'link_clicked', source 'outreach'): they are archived and
-- erased with the case's timeline and show on it.
ALTER TABLE recovery_cases
  ADD COLUMN credited_method text,
  ADD COLUMN credited_channel text,
  ADD COLUMN credited_step integer,
  -- domain/decline-variant.ts of the failure message (which is encrypted, so SQL cannot group it).
  ADD COLUMN decline_category text;
ALTER TABLE archive.recovery_cases
  ADD COLUMN credited_method text,
  ADD COLUMN credited_channel text,
  ADD COLUMN credited_step integer,
  ADD COLUMN decline_category text;

-- The overview's at-risk list: a company's open cases with the most at stake first.
CREATE INDEX recovery_cases_company_open_amount_idx ON recovery_cases (company_id, amount_at_risk_cents DESC, id)
  INCLUDE (attribution_ends_at, next_nudge_at, steps_sent, currency) WHERE status = 'open';

-- Clicks of a case, for its credit.
CREATE INDEX case_events_case_reason_idx ON case_events (case_id, reason, at);
