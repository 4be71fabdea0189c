-- Issue #12: the KPI pass reads credit, decline category and the control group per case, so the
-- window index carries them too (index-only scans stay possible on large tenants).
ALTER TABLE recovery_cases ADD COLUMN holdout boolean NOT NULL DEFAULT false;
ALTER TABLE archive.recovery_cases ADD COLUMN holdout boolean NOT NULL DEFAULT false;

CREATE INDEX recovery_cases_company_cohort_kpi_idx ON recovery_cases (company_id, first_failure_at)
  INCLUDE (status, currency, steps_sent, amount_at_risk_cents, recovered_cents, attribution_ends_at,
           credited_method, credited_channel, credited_step, decline_category, holdout);

-- Counted and uncounted clicks of a company (the KPI join starts from these, not from every case).
CREATE INDEX case_events_company_clicks_idx ON case_events (company_id, at) INCLUDE (case_id) WHERE reason = 'link_clicked';

-- A member's earlier case (sticky control-group assignment) uses recovery_cases_company_user_idx (0006).
