-- Archive (issue #6): cases whose last activity is over 2 years old move out of the live tables
-- into the `archive` schema (the deployment guide's `CREATE SCHEMA archive`), with their child rows
-- and their membership's facts, so the live tables the dashboard and the sweeps read stay small.
-- Done by src/services/archive-old-cases.ts (a daily pg-boss job), never by this migration.
--
-- Each archive table has the live table's columns as they are now (LIKE: names, types, NOT NULL;
-- no defaults, checks or foreign keys: an archived row is kept as it was, and its company may be
-- gone) plus archived_at. A later migration that adds a live column must add it here too: the job
-- refuses to archive a table whose archive copy lacks a live column, naming it.
CREATE SCHEMA IF NOT EXISTS archive;

CREATE TABLE archive.recovery_cases (LIKE public.recovery_cases);
ALTER TABLE archive.recovery_cases ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now(), ADD PRIMARY KEY (id);
CREATE INDEX archive_recovery_cases_membership_idx ON archive.recovery_cases (company_id, whop_membership_id);

CREATE TABLE archive.case_events (LIKE public.case_events);
ALTER TABLE archive.case_events ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now(), ADD PRIMARY KEY (id);
CREATE INDEX archive_case_events_case_idx ON archive.case_events (case_id);

CREATE TABLE archive.deliveries (LIKE public.deliveries);
ALTER TABLE archive.deliveries ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now(), ADD PRIMARY KEY (id);
CREATE INDEX archive_deliveries_case_idx ON archive.deliveries (case_id);

CREATE TABLE archive.incentives (LIKE public.incentives);
ALTER TABLE archive.incentives ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now(), ADD PRIMARY KEY (id);
CREATE INDEX archive_incentives_case_idx ON archive.incentives (case_id);

-- Cases are derived from facts: a membership's facts leave with its cases, or the next fact of
-- that membership would derive the archived cases again.
CREATE TABLE archive.membership_facts (LIKE public.membership_facts);
ALTER TABLE archive.membership_facts ADD COLUMN archived_at timestamptz NOT NULL DEFAULT now(), ADD PRIMARY KEY (id);
CREATE INDEX archive_membership_facts_membership_idx ON archive.membership_facts (company_id, whop_membership_id);

-- The archive job's search: finished cases by last activity (GREATEST skips nulls).
CREATE INDEX recovery_cases_last_activity_idx ON recovery_cases ((GREATEST(updated_at, last_failure_at, recovered_at, closed_at, last_nudge_at)))
  WHERE status <> 'open';
