-- audit.events partitioned by month (UTC), so old months can be detached, dumped or dropped whole
-- instead of deleted row by row, and a month's queries touch one partition.
-- The table is rebuilt: the old one is renamed, a partitioned one takes its name (same columns,
-- defaults and id sequence, so inserts and `SELECT … FROM audit.events` work unchanged), the rows
-- move over and the old table is dropped. Its primary key becomes (id, at): a partitioned table's
-- unique keys must include the partition key; id alone still comes from one sequence.

ALTER TABLE audit.events RENAME TO events_unpartitioned;
ALTER TABLE audit.events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey;
ALTER INDEX audit.audit_events_company_at RENAME TO audit_events_unpartitioned_company_at;
-- Keep the sequence when the old table is dropped.
ALTER SEQUENCE audit.events_id_seq OWNED BY NONE;

CREATE TABLE audit.events (LIKE audit.events_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (at);
ALTER TABLE audit.events ADD PRIMARY KEY (id, at);
ALTER SEQUENCE audit.events_id_seq OWNED BY audit.events.id;
CREATE INDEX audit_events_company_at ON audit.events (company_id, at DESC);
-- Rows of a month without a partition land here, so an insert never fails for want of one.
CREATE TABLE audit.events_default PARTITION OF audit.events DEFAULT;

-- Creates the monthly partitions audit.events_YYYY_MM for `months` months from first_month's
-- month (UTC), skipping existing ones; returns how many it created. Idempotent and safe to call
-- from several instances at once (one advisory lock). Rows of such a month already in the default
-- partition move into the new partition first (ATTACH refuses while they are there).
-- Called by src/services/ensure-audit-partitions.ts at worker start and daily.
CREATE FUNCTION audit.create_event_partitions(first_month timestamptz, months integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  first_utc timestamp := date_trunc('month', first_month AT TIME ZONE 'UTC');
  month_start timestamptz;
  month_end timestamptz;
  partition_name text;
  created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(727002);
  FOR i IN 0 .. months - 1 LOOP
    month_start := (first_utc + make_interval(months => i)) AT TIME ZONE 'UTC';
    month_end := (first_utc + make_interval(months => i + 1)) AT TIME ZONE 'UTC';
    partition_name := 'events_' || to_char(first_utc + make_interval(months => i), 'YYYY_MM');
    CONTINUE WHEN to_regclass(format('audit.%I', partition_name)) IS NOT NULL;
    EXECUTE format('CREATE TABLE audit.%I (LIKE audit.events INCLUDING DEFAULTS)', partition_name);
    EXECUTE format('WITH moved AS (DELETE FROM audit.events_default WHERE at >= %L AND at < %L RETURNING *) INSERT INTO audit.%I SELECT * FROM moved',
                   month_start, month_end, partition_name);
    EXECUTE format('ALTER TABLE audit.events ATTACH PARTITION audit.%I FOR VALUES FROM (%L) TO (%L)', partition_name, month_start, month_end);
    created := created + 1;
  END LOOP;
  RETURN created;
END
$fn$;

-- A partition for every month that has rows, and for this month and the next three.
SELECT audit.create_event_partitions(m, 1)
FROM (SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM audit.events_unpartitioned) months;
SELECT audit.create_event_partitions(now(), 4);

INSERT INTO audit.events SELECT * FROM audit.events_unpartitioned;
DROP TABLE audit.events_unpartitioned;
