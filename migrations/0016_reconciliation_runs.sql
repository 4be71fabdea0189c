-- Reconciliation with Whop: what a run asked Whop for and what it fed through the webhook path.
-- Runs are service bookkeeping (they span every company); the per-company cursor is tenant data.
CREATE TABLE reconciliation_runs (
  id                 bigserial PRIMARY KEY,
  trigger            text NOT NULL CHECK (trigger IN ('start', 'schedule', 'operator')),
  requested_by       text,                                  -- operator email for 'operator'
  status             text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  companies_total    integer NOT NULL DEFAULT 0,
  companies_done     integer NOT NULL DEFAULT 0,
  payments_read      integer NOT NULL DEFAULT 0,
  memberships_read   integer NOT NULL DEFAULT 0,
  events_stored      integer NOT NULL DEFAULT 0,            -- synthesized events that were new to webhook_events
  events_known       integer NOT NULL DEFAULT 0,            -- already stored (same synthesized id) or already a fact
  error              text,
  requested_at       timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  finished_at        timestamptz
);
CREATE INDEX reconciliation_runs_requested_at_idx ON reconciliation_runs (requested_at DESC);

-- Per company: Whop has been read through reconciled_through; the next run reads from there
-- (minus an overlap), not from the last stored webhook, which a restart may already have moved on.
CREATE TABLE reconciliation_cursors (
  company_id          text PRIMARY KEY REFERENCES companies(company_id) ON DELETE CASCADE,
  reconciled_through  timestamptz NOT NULL,
  last_run_id         bigint,
  last_error          text,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
