-- Issue #12 §5: the median time to recover flat in the company's case count. After 0037 the median
-- still read and sorted every recovery of the window in the middle whole-day bucket (2,279 rows at
-- 365 days for a 100k-case company, about a tenth of its recoveries: ten times as many at 1M).
--
-- A second, finer histogram: recovered cases by whole hours from first failure to recovery and
-- cohort month (UTC). The median's statement (presenters/kpi-rollups.ts) finds the middle day in
-- kpi_recovery_weeks as before, then the middle hour of that day here (the window's first, partial
-- month from the live rows of that day only), then reads and sorts only the window's cases of that
-- hour: the same value (percentile_cont over every recovery), about 1/24 of the rows.
-- kpi_case_add (0037) writes the hour rows too, under the same lock.

-- Whole hours from first failure to recovery; floor(kpi_recover_hour / 24) = kpi_recover_day.
CREATE FUNCTION kpi_recover_hour(first_at timestamptz, recovered_at timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE
  AS $$ SELECT floor(extract(epoch FROM recovered_at - first_at) / 3600)::integer $$;
CREATE FUNCTION kpi_month(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$ SELECT date_trunc('month', at AT TIME ZONE 'UTC')::date $$;

-- Keyed hour first: the middle day's 24 hours over the months of the window are one index range.
CREATE TABLE kpi_recovery_hours (
  company_id    text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  recover_hour  integer NOT NULL,
  cohort_month  date NOT NULL,
  n             bigint NOT NULL,
  PRIMARY KEY (company_id, recover_hour, cohort_month) INCLUDE (n)
);

-- The median's last read: the window's recovered cases of one or two hours, index-only.
CREATE INDEX recovery_cases_company_recover_hour_kpi_idx ON recovery_cases (company_id, kpi_recover_hour(first_failure_at, recovered_at), first_failure_at)
  INCLUDE (recovered_at) WHERE status = 'recovered' AND recovered_at IS NOT NULL;

-- 0037's kpi_case_add, and the hour row of a recovered case.
CREATE OR REPLACE FUNCTION kpi_case_add(c recovery_cases, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM kpi_lock(c.company_id);
  INSERT INTO kpi_case_days AS k (company_id, cohort_day, currency, status, open_ends_day, steps_sent, credited_method, credited_channel,
                                  credited_step, decline_category, holdout, n, at_risk_cents, recovered_cents)
  VALUES (c.company_id, kpi_day(c.first_failure_at), c.currency, c.status, CASE WHEN c.status = 'open' THEN kpi_day(c.attribution_ends_at) END,
          c.steps_sent, c.credited_method, c.credited_channel, c.credited_step, coalesce(c.decline_code, c.decline_category), c.holdout,
          d, d * c.amount_at_risk_cents, d * c.recovered_cents)
  ON CONFLICT (company_id, cohort_day, currency, status, open_ends_day, steps_sent, credited_method, credited_channel, credited_step, decline_category, holdout)
  DO UPDATE SET n = k.n + EXCLUDED.n, at_risk_cents = k.at_risk_cents + EXCLUDED.at_risk_cents, recovered_cents = k.recovered_cents + EXCLUDED.recovered_cents;

  INSERT INTO kpi_case_weeks AS k (company_id, cohort_week, currency, status, open_ends_day, steps_sent, credited_method, credited_channel,
                                   credited_step, decline_category, holdout, n, at_risk_cents, recovered_cents)
  VALUES (c.company_id, kpi_week(c.first_failure_at), c.currency, c.status, CASE WHEN c.status = 'open' THEN kpi_day(c.attribution_ends_at) END,
          c.steps_sent, c.credited_method, c.credited_channel, c.credited_step, coalesce(c.decline_code, c.decline_category), c.holdout,
          d, d * c.amount_at_risk_cents, d * c.recovered_cents)
  ON CONFLICT (company_id, cohort_week, currency, status, open_ends_day, steps_sent, credited_method, credited_channel, credited_step, decline_category, holdout)
  DO UPDATE SET n = k.n + EXCLUDED.n, at_risk_cents = k.at_risk_cents + EXCLUDED.at_risk_cents, recovered_cents = k.recovered_cents + EXCLUDED.recovered_cents;

  IF c.status = 'recovered' AND c.recovered_at IS NOT NULL THEN
    INSERT INTO kpi_recovery_weeks AS k (company_id, cohort_week, recover_day, n)
    VALUES (c.company_id, kpi_week(c.first_failure_at), kpi_recover_day(c.first_failure_at, c.recovered_at), d)
    ON CONFLICT (company_id, cohort_week, recover_day) DO UPDATE SET n = k.n + EXCLUDED.n;
    INSERT INTO kpi_recovery_hours AS k (company_id, recover_hour, cohort_month, n)
    VALUES (c.company_id, kpi_recover_hour(c.first_failure_at, c.recovered_at), kpi_month(c.first_failure_at), d)
    ON CONFLICT (company_id, recover_hour, cohort_month) DO UPDATE SET n = k.n + EXCLUDED.n;
  END IF;
END $fn$;

-- Backfill from the rows already there (this migration's transaction holds them still).
INSERT INTO kpi_recovery_hours (company_id, recover_hour, cohort_month, n)
SELECT company_id, kpi_recover_hour(first_failure_at, recovered_at), kpi_month(first_failure_at), count(*)
FROM recovery_cases WHERE status = 'recovered' AND recovered_at IS NOT NULL GROUP BY 1, 2, 3;
