-- Issue #14 §2 / #12: the dashboard KPIs read per-day rollups instead of every case, delivery,
-- grant and click of the window, so their cost is flat in the company's case count.
--
-- Each rollup row sums the live rows of one company × cohort day (UTC day of the case's first
-- failure) × what the figures distinguish. Triggers below keep them exact on every INSERT, UPDATE
-- and DELETE (service code writes the live tables as before; the archive job's DELETEs and a
-- company's cascade take rows out the same way). TRUNCATE of a live table is not followed: never
-- truncate them without rebuilding these (the backfill statements at the end do it).
-- presenters/kpis.presenter.ts reads whole days here and the few cases of the days a window's edge
-- cuts through (and open cases whose window ends today) from the live tables; docs/metrics.md.
-- Rows whose counts fall to 0 are kept (the reader skips them): deleting would race a writer.

-- Cases: counts and amounts by the columns the KPI pass groups on. An open case's outcome depends
-- on the time (lost once its attribution window ended), so open rows carry that end's day.
CREATE TABLE kpi_case_days (
  company_id        text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_day        date NOT NULL,
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
CREATE UNIQUE INDEX kpi_case_days_key_idx ON kpi_case_days (company_id, cohort_day, currency, status, open_ends_day, steps_sent,
  credited_method, credited_channel, credited_step, decline_category, holdout) NULLS NOT DISTINCT;

-- Deliveries sent or kept in the outbox, by the cohort day of their case.
CREATE TABLE kpi_delivery_days (
  company_id  text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_day  date NOT NULL,
  channel     text NOT NULL,
  status      text NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (company_id, cohort_day, channel, status)
);

-- Granted incentives' estimated cost, by the cohort day and currency of their case.
CREATE TABLE kpi_incentive_days (
  company_id  text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_day  date NOT NULL,
  currency    text,
  n           bigint NOT NULL,
  cost_cents  bigint NOT NULL
);
CREATE UNIQUE INDEX kpi_incentive_days_key_idx ON kpi_incentive_days (company_id, cohort_day, currency) NULLS NOT DISTINCT;

-- Counted link clicks, by the cohort day of their case and the click's channel. A click recorded
-- before its case's first failure (clock skew) carries its own day, so the window's start still
-- applies to it exactly.
CREATE TABLE kpi_click_days (
  company_id  text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  cohort_day  date NOT NULL,
  channel     text,
  early_day   date,
  n           bigint NOT NULL
);
CREATE UNIQUE INDEX kpi_click_days_key_idx ON kpi_click_days (company_id, cohort_day, channel, early_day) NULLS NOT DISTINCT;

CREATE FUNCTION kpi_day(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$ SELECT (at AT TIME ZONE 'UTC')::date $$;

-- ±1 case in its rollup row.
CREATE FUNCTION kpi_case_add(c recovery_cases, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO kpi_case_days AS k (company_id, cohort_day, currency, status, open_ends_day, steps_sent, credited_method, credited_channel,
                                  credited_step, decline_category, holdout, n, at_risk_cents, recovered_cents)
  VALUES (c.company_id, kpi_day(c.first_failure_at), c.currency, c.status, CASE WHEN c.status = 'open' THEN kpi_day(c.attribution_ends_at) END,
          c.steps_sent, c.credited_method, c.credited_channel, c.credited_step, coalesce(c.decline_code, c.decline_category), c.holdout,
          d, d * c.amount_at_risk_cents, d * c.recovered_cents)
  ON CONFLICT (company_id, cohort_day, currency, status, open_ends_day, steps_sent, credited_method, credited_channel, credited_step, decline_category, holdout)
  DO UPDATE SET n = k.n + EXCLUDED.n, at_risk_cents = k.at_risk_cents + EXCLUDED.at_risk_cents, recovered_cents = k.recovered_cents + EXCLUDED.recovered_cents;
END $fn$;

-- ±the child rows (deliveries, grants, clicks) of one case, as the case `c` places them.
CREATE FUNCTION kpi_children_add(c recovery_cases, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO kpi_delivery_days AS k (company_id, cohort_day, channel, status, n)
  SELECT c.company_id, kpi_day(c.first_failure_at), x.channel, x.status, d * count(*) FROM deliveries x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.status IN ('sent', 'outbox') GROUP BY x.channel, x.status
  ON CONFLICT (company_id, cohort_day, channel, status) DO UPDATE SET n = k.n + EXCLUDED.n;

  INSERT INTO kpi_incentive_days AS k (company_id, cohort_day, currency, n, cost_cents)
  SELECT c.company_id, kpi_day(c.first_failure_at), c.currency, d * count(*), d * sum(x.cost_cents) FROM incentives x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.status = 'granted' HAVING count(*) > 0
  ON CONFLICT (company_id, cohort_day, currency) DO UPDATE SET n = k.n + EXCLUDED.n, cost_cents = k.cost_cents + EXCLUDED.cost_cents;

  INSERT INTO kpi_click_days AS k (company_id, cohort_day, channel, early_day, n)
  SELECT c.company_id, kpi_day(c.first_failure_at), x.detail->>'channel', CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END, d * count(*)
  FROM case_events x
  WHERE x.case_id = c.id AND x.company_id = c.company_id AND x.reason = 'link_clicked' AND x.detail->>'counted' = 'true' GROUP BY 3, 4
  ON CONFLICT (company_id, cohort_day, channel, early_day) DO UPDATE SET n = k.n + EXCLUDED.n;
END $fn$;

-- Cases. INSERT and UPDATE after the row is written; DELETE before it, while the case's child
-- rows (which its cascade removes) are still there to be taken out with it.
CREATE FUNCTION kpi_cases_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM kpi_case_add(NEW, 1); -- a new case has no child rows yet (they reference it)
    RETURN NEW;
  ELSIF TG_OP = 'DELETE' THEN
    -- A company's own deletion cascades here: its rollup rows go with it, nothing to adjust.
    IF EXISTS (SELECT 1 FROM companies WHERE company_id = OLD.company_id) THEN
      PERFORM kpi_case_add(OLD, -1);
      PERFORM kpi_children_add(OLD, -1);
    END IF;
    RETURN OLD;
  END IF;
  PERFORM kpi_case_add(OLD, -1);
  PERFORM kpi_case_add(NEW, 1);
  IF OLD.company_id IS DISTINCT FROM NEW.company_id OR kpi_day(OLD.first_failure_at) IS DISTINCT FROM kpi_day(NEW.first_failure_at)
     OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.id IS DISTINCT FROM NEW.id THEN
    PERFORM kpi_children_add(OLD, -1);
    PERFORM kpi_children_add(NEW, 1);
  END IF;
  RETURN NEW;
END $fn$;

CREATE TRIGGER kpi_cases_insert AFTER INSERT ON recovery_cases FOR EACH ROW EXECUTE FUNCTION kpi_cases_trigger();
CREATE TRIGGER kpi_cases_delete BEFORE DELETE ON recovery_cases FOR EACH ROW EXECUTE FUNCTION kpi_cases_trigger();
-- Most updates (next nudge time, timestamps, member fields) touch no rollup column: no call at all.
CREATE TRIGGER kpi_cases_update AFTER UPDATE ON recovery_cases FOR EACH ROW
  WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.id IS DISTINCT FROM NEW.id
        OR OLD.first_failure_at IS DISTINCT FROM NEW.first_failure_at OR OLD.currency IS DISTINCT FROM NEW.currency
        OR OLD.status IS DISTINCT FROM NEW.status OR OLD.attribution_ends_at IS DISTINCT FROM NEW.attribution_ends_at
        OR OLD.steps_sent IS DISTINCT FROM NEW.steps_sent OR OLD.credited_method IS DISTINCT FROM NEW.credited_method
        OR OLD.credited_channel IS DISTINCT FROM NEW.credited_channel OR OLD.credited_step IS DISTINCT FROM NEW.credited_step
        OR OLD.decline_code IS DISTINCT FROM NEW.decline_code OR OLD.decline_category IS DISTINCT FROM NEW.decline_category
        OR OLD.holdout IS DISTINCT FROM NEW.holdout OR OLD.amount_at_risk_cents IS DISTINCT FROM NEW.amount_at_risk_cents
        OR OLD.recovered_cents IS DISTINCT FROM NEW.recovered_cents)
  EXECUTE FUNCTION kpi_cases_trigger();

-- Child rows: the case they belong to places them. When the case is gone (its cascade is running)
-- the case's own trigger already took them out.
CREATE FUNCTION kpi_delivery_add(x deliveries, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE c recovery_cases;
BEGIN
  IF x.status NOT IN ('sent', 'outbox') THEN RETURN; END IF;
  SELECT * INTO c FROM recovery_cases WHERE id = x.case_id AND company_id = x.company_id;
  IF NOT FOUND THEN RETURN; END IF;
  INSERT INTO kpi_delivery_days AS k (company_id, cohort_day, channel, status, n) VALUES (c.company_id, kpi_day(c.first_failure_at), x.channel, x.status, d)
  ON CONFLICT (company_id, cohort_day, channel, status) DO UPDATE SET n = k.n + EXCLUDED.n;
END $fn$;

CREATE FUNCTION kpi_incentive_add(x incentives, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE c recovery_cases;
BEGIN
  IF x.status <> 'granted' THEN RETURN; END IF;
  SELECT * INTO c FROM recovery_cases WHERE id = x.case_id AND company_id = x.company_id;
  IF NOT FOUND THEN RETURN; END IF;
  INSERT INTO kpi_incentive_days AS k (company_id, cohort_day, currency, n, cost_cents) VALUES (c.company_id, kpi_day(c.first_failure_at), c.currency, d, d * x.cost_cents)
  ON CONFLICT (company_id, cohort_day, currency) DO UPDATE SET n = k.n + EXCLUDED.n, cost_cents = k.cost_cents + EXCLUDED.cost_cents;
END $fn$;

CREATE FUNCTION kpi_click_add(x case_events, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE c recovery_cases;
BEGIN
  IF x.reason <> 'link_clicked' OR (x.detail->>'counted') IS DISTINCT FROM 'true' THEN RETURN; END IF;
  SELECT * INTO c FROM recovery_cases WHERE id = x.case_id AND company_id = x.company_id;
  IF NOT FOUND THEN RETURN; END IF;
  INSERT INTO kpi_click_days AS k (company_id, cohort_day, channel, early_day, n)
  VALUES (c.company_id, kpi_day(c.first_failure_at), x.detail->>'channel', CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END, d)
  ON CONFLICT (company_id, cohort_day, channel, early_day) DO UPDATE SET n = k.n + EXCLUDED.n;
END $fn$;

CREATE FUNCTION kpi_deliveries_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM kpi_delivery_add(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM kpi_delivery_add(NEW, 1); END IF;
  RETURN NULL;
END $fn$;
CREATE FUNCTION kpi_incentives_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM kpi_incentive_add(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM kpi_incentive_add(NEW, 1); END IF;
  RETURN NULL;
END $fn$;
CREATE FUNCTION kpi_clicks_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM kpi_click_add(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM kpi_click_add(NEW, 1); END IF;
  RETURN NULL;
END $fn$;

CREATE TRIGGER kpi_deliveries_insert AFTER INSERT ON deliveries FOR EACH ROW WHEN (NEW.status IN ('sent', 'outbox')) EXECUTE FUNCTION kpi_deliveries_trigger();
CREATE TRIGGER kpi_deliveries_delete AFTER DELETE ON deliveries FOR EACH ROW WHEN (OLD.status IN ('sent', 'outbox')) EXECUTE FUNCTION kpi_deliveries_trigger();
CREATE TRIGGER kpi_deliveries_update AFTER UPDATE ON deliveries FOR EACH ROW
  WHEN ((OLD.status IN ('sent', 'outbox') OR NEW.status IN ('sent', 'outbox'))
        AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.company_id IS DISTINCT FROM NEW.company_id))
  EXECUTE FUNCTION kpi_deliveries_trigger();

CREATE TRIGGER kpi_incentives_insert AFTER INSERT ON incentives FOR EACH ROW WHEN (NEW.status = 'granted') EXECUTE FUNCTION kpi_incentives_trigger();
CREATE TRIGGER kpi_incentives_delete AFTER DELETE ON incentives FOR EACH ROW WHEN (OLD.status = 'granted') EXECUTE FUNCTION kpi_incentives_trigger();
CREATE TRIGGER kpi_incentives_update AFTER UPDATE ON incentives FOR EACH ROW
  WHEN ((OLD.status = 'granted' OR NEW.status = 'granted')
        AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.cost_cents IS DISTINCT FROM NEW.cost_cents OR OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.company_id IS DISTINCT FROM NEW.company_id))
  EXECUTE FUNCTION kpi_incentives_trigger();

CREATE TRIGGER kpi_clicks_insert AFTER INSERT ON case_events FOR EACH ROW WHEN (NEW.reason = 'link_clicked') EXECUTE FUNCTION kpi_clicks_trigger();
CREATE TRIGGER kpi_clicks_delete AFTER DELETE ON case_events FOR EACH ROW WHEN (OLD.reason = 'link_clicked') EXECUTE FUNCTION kpi_clicks_trigger();
CREATE TRIGGER kpi_clicks_update AFTER UPDATE ON case_events FOR EACH ROW
  WHEN (OLD.reason = 'link_clicked' OR NEW.reason = 'link_clicked') EXECUTE FUNCTION kpi_clicks_trigger();

-- Backfill: the rows already there (this migration's transaction holds them still).
INSERT INTO kpi_case_days (company_id, cohort_day, currency, status, open_ends_day, steps_sent, credited_method, credited_channel, credited_step, decline_category, holdout, n, at_risk_cents, recovered_cents)
SELECT company_id, kpi_day(first_failure_at), currency, status, CASE WHEN status = 'open' THEN kpi_day(attribution_ends_at) END, steps_sent,
       credited_method, credited_channel, credited_step, coalesce(decline_code, decline_category), holdout, count(*), sum(amount_at_risk_cents), sum(recovered_cents)
FROM recovery_cases GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;

INSERT INTO kpi_delivery_days (company_id, cohort_day, channel, status, n)
SELECT c.company_id, kpi_day(c.first_failure_at), x.channel, x.status, count(*)
FROM deliveries x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id
WHERE x.status IN ('sent', 'outbox') GROUP BY 1, 2, 3, 4;

INSERT INTO kpi_incentive_days (company_id, cohort_day, currency, n, cost_cents)
SELECT c.company_id, kpi_day(c.first_failure_at), c.currency, count(*), sum(x.cost_cents)
FROM incentives x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id
WHERE x.status = 'granted' GROUP BY 1, 2, 3;

INSERT INTO kpi_click_days (company_id, cohort_day, channel, early_day, n)
SELECT c.company_id, kpi_day(c.first_failure_at), x.detail->>'channel', CASE WHEN x.at < c.first_failure_at THEN kpi_day(x.at) END, count(*)
FROM case_events x JOIN recovery_cases c ON c.id = x.case_id AND c.company_id = x.company_id
WHERE x.reason = 'link_clicked' AND x.detail->>'counted' = 'true' GROUP BY 1, 2, 3, 4;

-- The median time to recover needs each recovered case's time: an index-only read of the window's
-- recovered cases (first failure, recovered at) instead of a heap fetch per case.
CREATE INDEX recovery_cases_company_recovered_kpi_idx ON recovery_cases (company_id, first_failure_at) INCLUDE (recovered_at)
  WHERE status = 'recovered' AND recovered_at IS NOT NULL;
