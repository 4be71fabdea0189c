-- Issue #12 §5 / #14: the KPIs' p95 < 20 ms at 365 days. EXPLAIN (ANALYZE, BUFFERS) at 365 days
-- (bench/kpi-explain.ts, 100k-case company) showed the deliveries' and grants' day rollups read one
-- row per day and channel (730 and 717 rows, 734 and 214 buffers) where the cases read weeks (0037).
--
-- Cohort-week levels of kpi_delivery_days, kpi_incentive_days and kpi_click_days (weeks start on
-- Monday, UTC, as kpi_case_weeks'): a window's whole weeks are read here, the days of its first,
-- partial week from the day tables, its cut day from the live rows (presenters/kpi-rollups.ts).
-- The functions of 0029 that write the day rows write the week rows too, under the same lock.

CREATE TABLE kpi_delivery_weeks (
  company_id   text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_week  date NOT NULL,
  channel      text NOT NULL,
  status       text NOT NULL,
  n            bigint NOT NULL,
  PRIMARY KEY (company_id, cohort_week, channel, status) INCLUDE (n)
);

CREATE TABLE kpi_incentive_weeks (
  company_id   text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_week  date NOT NULL,
  currency     text,
  n            bigint NOT NULL,
  cost_cents   bigint NOT NULL
);
CREATE UNIQUE INDEX kpi_incentive_weeks_key_idx ON kpi_incentive_weeks (company_id, cohort_week, currency) INCLUDE (n, cost_cents) NULLS NOT DISTINCT;

-- early_day as in kpi_click_days: a click before its case's first failure keeps its own day.
CREATE TABLE kpi_click_weeks (
  company_id   text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_week  date NOT NULL,
  channel      text,
  early_day    date,
  n            bigint NOT NULL
);
CREATE UNIQUE INDEX kpi_click_weeks_key_idx ON kpi_click_weeks (company_id, cohort_week, channel, early_day) INCLUDE (n) NULLS NOT DISTINCT;

-- ±the child rows of one case, as the case `c` places them: day and week rows.
CREATE OR REPLACE FUNCTION kpi_children_add(c recovery_cases, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM kpi_lock(c.company_id);
  INSERT INTO kpi_delivery_days AS k (company_id, cohort_day, channel, status, n)
  SELECT c.company_id, kpi_day(c.first_failure_at), x.channel, x.status, d * count(*) FROM deliveries x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.status IN ('sent', 'outbox') GROUP BY x.channel, x.status
  ON CONFLICT (company_id, cohort_day, channel, status) DO UPDATE SET n = k.n + EXCLUDED.n;
  INSERT INTO kpi_delivery_weeks AS k (company_id, cohort_week, channel, status, n)
  SELECT c.company_id, kpi_week(c.first_failure_at), x.channel, x.status, d * count(*) FROM deliveries x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.status IN ('sent', 'outbox') GROUP BY x.channel, x.status
  ON CONFLICT (company_id, cohort_week, channel, status) DO UPDATE SET n = k.n + EXCLUDED.n;

  INSERT INTO kpi_incentive_days AS k (company_id, cohort_day, currency, n, cost_cents)
  SELECT c.company_id, kpi_day(c.first_failure_at), c.currency, d * count(*), d * sum(x.cost_cents) FROM incentives x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.status = 'granted' HAVING count(*) > 0
  ON CONFLICT (company_id, cohort_day, currency) DO UPDATE SET n = k.n + EXCLUDED.n, cost_cents = k.cost_cents + EXCLUDED.cost_cents;
  INSERT INTO kpi_incentive_weeks AS k (company_id, cohort_week, currency, n, cost_cents)
  SELECT c.company_id, kpi_week(c.first_failure_at), c.currency, d * count(*), d * sum(x.cost_cents) FROM incentives x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.status = 'granted' HAVING count(*) > 0
  ON CONFLICT (company_id, cohort_week, currency) DO UPDATE SET n = k.n + EXCLUDED.n, cost_cents = k.cost_cents + EXCLUDED.cost_cents;

  INSERT INTO kpi_click_days AS k (company_id, cohort_day, channel, early_day, n)
  SELECT c.company_id, kpi_day(c.first_failure_at), x.detail->>'channel', CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END, d * count(*)
  FROM case_events x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.reason = 'link_clicked' AND x.detail->>'counted' = 'true' GROUP BY 3, 4
  ON CONFLICT (company_id, cohort_day, channel, early_day) DO UPDATE SET n = k.n + EXCLUDED.n;
  INSERT INTO kpi_click_weeks AS k (company_id, cohort_week, channel, early_day, n)
  SELECT c.company_id, kpi_week(c.first_failure_at), x.detail->>'channel', CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END, d * count(*)
  FROM case_events x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.reason = 'link_clicked' AND x.detail->>'counted' = 'true' GROUP BY 3, 4
  ON CONFLICT (company_id, cohort_week, channel, early_day) DO UPDATE SET n = k.n + EXCLUDED.n;
END $fn$;

CREATE OR REPLACE FUNCTION kpi_delivery_add(x deliveries, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE c recovery_cases;
BEGIN
  IF x.status NOT IN ('sent', 'outbox') THEN RETURN; END IF;
  SELECT * INTO c FROM recovery_cases WHERE id = x.case_id AND company_id = x.company_id;
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM kpi_lock(c.company_id);
  INSERT INTO kpi_delivery_days AS k (company_id, cohort_day, channel, status, n) VALUES (c.company_id, kpi_day(c.first_failure_at), x.channel, x.status, d)
  ON CONFLICT (company_id, cohort_day, channel, status) DO UPDATE SET n = k.n + EXCLUDED.n;
  INSERT INTO kpi_delivery_weeks AS k (company_id, cohort_week, channel, status, n) VALUES (c.company_id, kpi_week(c.first_failure_at), x.channel, x.status, d)
  ON CONFLICT (company_id, cohort_week, channel, status) DO UPDATE SET n = k.n + EXCLUDED.n;
END $fn$;

CREATE OR REPLACE FUNCTION kpi_incentive_add(x incentives, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE c recovery_cases;
BEGIN
  IF x.status <> 'granted' THEN RETURN; END IF;
  SELECT * INTO c FROM recovery_cases WHERE id = x.case_id AND company_id = x.company_id;
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM kpi_lock(c.company_id);
  INSERT INTO kpi_incentive_days AS k (company_id, cohort_day, currency, n, cost_cents) VALUES (c.company_id, kpi_day(c.first_failure_at), c.currency, d, d * x.cost_cents)
  ON CONFLICT (company_id, cohort_day, currency) DO UPDATE SET n = k.n + EXCLUDED.n, cost_cents = k.cost_cents + EXCLUDED.cost_cents;
  INSERT INTO kpi_incentive_weeks AS k (company_id, cohort_week, currency, n, cost_cents) VALUES (c.company_id, kpi_week(c.first_failure_at), c.currency, d, d * x.cost_cents)
  ON CONFLICT (company_id, cohort_week, currency) DO UPDATE SET n = k.n + EXCLUDED.n, cost_cents = k.cost_cents + EXCLUDED.cost_cents;
END $fn$;

CREATE OR REPLACE FUNCTION kpi_click_add(x case_events, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE c recovery_cases;
BEGIN
  IF x.reason <> 'link_clicked' OR (x.detail->>'counted') IS DISTINCT FROM 'true' THEN RETURN; END IF;
  SELECT * INTO c FROM recovery_cases WHERE id = x.case_id AND company_id = x.company_id;
  IF NOT FOUND THEN RETURN; END IF;
  PERFORM kpi_lock(c.company_id);
  INSERT INTO kpi_click_days AS k (company_id, cohort_day, channel, early_day, n)
  VALUES (c.company_id, kpi_day(c.first_failure_at), x.detail->>'channel', CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END, d)
  ON CONFLICT (company_id, cohort_day, channel, early_day) DO UPDATE SET n = k.n + EXCLUDED.n;
  INSERT INTO kpi_click_weeks AS k (company_id, cohort_week, channel, early_day, n)
  VALUES (c.company_id, kpi_week(c.first_failure_at), x.detail->>'channel', CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END, d)
  ON CONFLICT (company_id, cohort_week, channel, early_day) DO UPDATE SET n = k.n + EXCLUDED.n;
END $fn$;

-- Backfill from the day rows (exact already; this migration's transaction holds them still).
INSERT INTO kpi_delivery_weeks (company_id, cohort_week, channel, status, n)
SELECT company_id, date_trunc('week', cohort_day::timestamp)::date, channel, status, sum(n) FROM kpi_delivery_days GROUP BY 1, 2, 3, 4;
INSERT INTO kpi_incentive_weeks (company_id, cohort_week, currency, n, cost_cents)
SELECT company_id, date_trunc('week', cohort_day::timestamp)::date, currency, sum(n), sum(cost_cents) FROM kpi_incentive_days GROUP BY 1, 2, 3;
INSERT INTO kpi_click_weeks (company_id, cohort_week, channel, early_day, n)
SELECT company_id, date_trunc('week', cohort_day::timestamp)::date, channel, early_day, sum(n) FROM kpi_click_days GROUP BY 1, 2, 3, 4;
