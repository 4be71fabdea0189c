-- Issue #12: by decline reason groups by #11's decline_code when a case has one, so the KPI
-- covering index carries it too; without it every window's pass fetched each case's heap row
-- (bench:dashboard: 29 ms → bitmap heap scan at 30 days on the 100k-case company).
CREATE INDEX recovery_cases_company_cohort_kpi2_idx ON recovery_cases (company_id, first_failure_at)
  INCLUDE (status, currency, steps_sent, amount_at_risk_cents, recovered_cents, attribution_ends_at,
           credited_method, credited_channel, credited_step, decline_category, decline_code, holdout);
DROP INDEX recovery_cases_company_cohort_kpi_idx;
