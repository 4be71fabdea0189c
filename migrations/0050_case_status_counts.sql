-- The case list's total without counting the company's cases: a 100k-case company's unfiltered
-- total was an index-only count of 100k entries on every page (14-60 ms at 1M cases, growing with
-- the company). One row per company and status, kept by a trigger of its own under the KPI
-- rollups' company lock (0029's kpi_lock: the rollup triggers of the same statement take it
-- anyway, so this adds no new wait and no new lock order). Filters other than the status (dates,
-- search) still count their rows: a search reads only its hits.
CREATE TABLE case_status_counts (
  company_id  text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  status      text NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (company_id, status) INCLUDE (n)
);

INSERT INTO case_status_counts (company_id, status, n)
SELECT company_id, status, count(*) FROM recovery_cases GROUP BY 1, 2;

CREATE FUNCTION case_status_count_add(company text, case_status text, d integer) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM kpi_lock(company);
  INSERT INTO case_status_counts AS k (company_id, status, n) VALUES (company, case_status, d)
  ON CONFLICT (company_id, status) DO UPDATE SET n = k.n + EXCLUDED.n;
END $fn$;

CREATE FUNCTION case_status_counts_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM case_status_count_add(NEW.company_id, NEW.status, 1);
    RETURN NEW;
  ELSIF TG_OP = 'DELETE' THEN
    -- A company's own deletion cascades here: its count rows go with it.
    IF EXISTS (SELECT 1 FROM companies WHERE company_id = OLD.company_id) THEN
      PERFORM case_status_count_add(OLD.company_id, OLD.status, -1);
    END IF;
    RETURN OLD;
  END IF;
  PERFORM case_status_count_add(OLD.company_id, OLD.status, -1);
  PERFORM case_status_count_add(NEW.company_id, NEW.status, 1);
  RETURN NEW;
END $fn$;

CREATE TRIGGER case_status_counts_insert AFTER INSERT ON recovery_cases FOR EACH ROW EXECUTE FUNCTION case_status_counts_trigger();
CREATE TRIGGER case_status_counts_delete BEFORE DELETE ON recovery_cases FOR EACH ROW EXECUTE FUNCTION case_status_counts_trigger();
CREATE TRIGGER case_status_counts_update AFTER UPDATE ON recovery_cases FOR EACH ROW
  WHEN (OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION case_status_counts_trigger();
