-- Issue #12 §5: the dashboard KPIs within p95 < 20 ms at 1M cases for 30/90/365-day windows.
-- bench:dashboard (EXPLAIN ANALYZE, 365 days, 100k-case company) showed where 0029 still grew with
-- the window: the day rollup's rows (6,409) each on their own heap page (7,000 pages read), and the
-- median time to recover sorting each of the window's recoveries (22,608 rows).
--
-- 1. A cohort-week level of kpi_case_days (weeks start on Monday, UTC, as the weekly chart does):
--    a window's whole weeks are read here, its partial weeks from the days, its cut days live.
-- 2. A histogram of the time to recover by cohort week and whole day after the first failure: the
--    median's two middle recoveries are located by bucket counts, then only the window's cases of
--    that bucket are read (exactly the same value as sorting every recovery; docs/metrics.md).
-- 3. The rollups' unique indexes carry their sums (INCLUDE), so reads are index-only scans over
--    one company's contiguous index range instead of heap pages scattered by years of upserts.
-- Triggers of 0029 keep all of them exact; kpi_case_add writes the week and histogram rows too.

CREATE FUNCTION kpi_week(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$ SELECT date_trunc('week', at AT TIME ZONE 'UTC')::date $$;
-- Whole days from first failure to recovery (negative when recovered_at is before it).
CREATE FUNCTION kpi_recover_day(first_at timestamptz, recovered_at timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE
  AS $$ SELECT floor(extract(epoch FROM recovered_at - first_at) / 86400)::integer $$;

CREATE TABLE kpi_case_weeks (
  company_id        text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_week       date NOT NULL,
  currency          text,
  status            text NOT NULL,
  open_ends_day     date,
  steps_sent        integer NOT NULL,
  credited_method   text,
  credited_channel  text,
  credited_step     integer,
  decline_category  text,
  holdout           boolean NOT NULL,
  n                 bigint NOT NULL,
  at_risk_cents     bigint NOT NULL,
  recovered_cents   bigint NOT NULL
);
CREATE UNIQUE INDEX kpi_case_weeks_key_idx ON kpi_case_weeks (company_id, cohort_week, currency, status, open_ends_day, steps_sent,
  credited_method, credited_channel, credited_step, decline_category, holdout) INCLUDE (n, at_risk_cents, recovered_cents) NULLS NOT DISTINCT;

-- Recovered cases (status recovered, recovered_at set) by cohort week and kpi_recover_day.
CREATE TABLE kpi_recovery_weeks (
  company_id   text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_week  date NOT NULL,
  recover_day  integer NOT NULL,
  n            bigint NOT NULL,
  PRIMARY KEY (company_id, cohort_week, recover_day) INCLUDE (n)
);

-- Covering indexes for the day rollups (same keys; the sums ride along for index-only scans).
CREATE UNIQUE INDEX kpi_case_days_covering_idx ON kpi_case_days (company_id, cohort_day, currency, status, open_ends_day, steps_sent,
  credited_method, credited_channel, credited_step, decline_category, holdout) INCLUDE (n, at_risk_cents, recovered_cents) NULLS NOT DISTINCT;
DROP INDEX kpi_case_days_key_idx;
ALTER TABLE kpi_delivery_days DROP CONSTRAINT kpi_delivery_days_pkey,
  ADD CONSTRAINT kpi_delivery_days_pkey PRIMARY KEY (company_id, cohort_day, channel, status) INCLUDE (n);
CREATE UNIQUE INDEX kpi_incentive_days_covering_idx ON kpi_incentive_days (company_id, cohort_day, currency) INCLUDE (n, cost_cents) NULLS NOT DISTINCT;
DROP INDEX kpi_incentive_days_key_idx;

-- The median's second read: the window's recovered cases of one or two buckets, index-only.
CREATE INDEX recovery_cases_company_recover_day_kpi_idx ON recovery_cases (company_id, kpi_recover_day(first_failure_at, recovered_at), first_failure_at)
  INCLUDE (recovered_at) WHERE status = 'recovered' AND recovered_at IS NOT NULL;

-- ±1 case in its day, week and (when recovered) histogram rows; one lock for all three.
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
  END IF;
END $fn$;

-- The update trigger also fires when only recovered_at changes (the histogram follows it).
DROP TRIGGER kpi_cases_update ON recovery_cases;
CREATE TRIGGER kpi_cases_update AFTER UPDATE ON recovery_cases FOR EACH ROW
  WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.id IS DISTINCT FROM NEW.id
        OR OLD.first_failure_at IS DISTINCT FROM NEW.first_failure_at OR OLD.currency IS DISTINCT FROM NEW.currency
        OR OLD.status IS DISTINCT FROM NEW.status OR OLD.attribution_ends_at IS DISTINCT FROM NEW.attribution_ends_at
        OR OLD.steps_sent IS DISTINCT FROM NEW.steps_sent OR OLD.credited_method IS DISTINCT FROM NEW.credited_method
        OR OLD.credited_channel IS DISTINCT FROM NEW.credited_channel OR OLD.credited_step IS DISTINCT FROM NEW.credited_step
        OR OLD.decline_code IS DISTINCT FROM NEW.decline_code OR OLD.decline_category IS DISTINCT FROM NEW.decline_category
        OR OLD.holdout IS DISTINCT FROM NEW.holdout OR OLD.amount_at_risk_cents IS DISTINCT FROM NEW.amount_at_risk_cents
        OR OLD.recovered_cents IS DISTINCT FROM NEW.recovered_cents OR OLD.recovered_at IS DISTINCT FROM NEW.recovered_at)
  EXECUTE FUNCTION kpi_cases_trigger();

-- Backfill from the rows already there (this migration's transaction holds them still).
INSERT INTO kpi_case_weeks (company_id, cohort_week, currency, status, open_ends_day, steps_sent, credited_method, credited_channel, credited_step, decline_category, holdout, n, at_risk_cents, recovered_cents)
SELECT company_id, kpi_week(first_failure_at), currency, status, CASE WHEN status = 'open' THEN kpi_day(attribution_ends_at) END, steps_sent,
       credited_method, credited_channel, credited_step, coalesce(decline_code, decline_category), holdout, count(*), sum(amount_at_risk_cents), sum(recovered_cents)
FROM recovery_cases GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;

INSERT INTO kpi_recovery_weeks (company_id, cohort_week, recover_day, n)
SELECT company_id, kpi_week(first_failure_at), kpi_recover_day(first_failure_at, recovered_at), count(*)
FROM recovery_cases WHERE status = 'recovered' AND recovered_at IS NOT NULL GROUP BY 1, 2, 3;
