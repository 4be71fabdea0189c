-- Foundation: tenants, versioned settings, store-first webhook intake, facts, cases, timeline.
-- Runs identically on PostgreSQL 15+ and PGlite. Append-only: never edit an applied migration.

CREATE TABLE companies (
  company_id   text PRIMARY KEY,                 -- Whop company id, biz_…
  title        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Versioned: a case keeps the version it opened with, so edits never rewrite running cases.
CREATE TABLE company_settings (
  company_id               text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  version                  integer NOT NULL,
  attribution_window_days  integer NOT NULL DEFAULT 14 CHECK (attribution_window_days BETWEEN 1 AND 60),
  settings                 jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at               timestamptz NOT NULL DEFAULT now(),
  created_by               text,
  PRIMARY KEY (company_id, version)
);

-- One row per accepted delivery; the row commits before we answer 2xx.
CREATE TABLE webhook_events (
  id            bigserial PRIMARY KEY,
  webhook_id    text NOT NULL UNIQUE,             -- webhook-id header (v1) or v5:<sha256 of body>
  company_id    text,                             -- null until known (app-level events may have none)
  type          text NOT NULL,
  api_version   text NOT NULL DEFAULT 'v1',
  raw_body      text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processed', 'ignored', 'failed')),
  error         text,
  attempts      integer NOT NULL DEFAULT 0,
  received_at   timestamptz NOT NULL DEFAULT now(),
  processed_at  timestamptz
);
CREATE INDEX webhook_events_pending_idx ON webhook_events (received_at) WHERE status = 'pending';
CREATE INDEX webhook_events_company_received_idx ON webhook_events (company_id, received_at DESC);

-- What Whop told us about a membership. Cases are derived from these by a pure fold.
CREATE TABLE membership_facts (
  id                  bigserial PRIMARY KEY,
  company_id          text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  whop_membership_id  text NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('payment_failed', 'payment_succeeded', 'membership_activated', 'membership_deactivated', 'payment_reversed')),
  whop_payment_id     text,
  whop_user_id        text,
  member_email        text,
  amount_cents        bigint,
  currency            text,
  reason              text,
  occurred_at         timestamptz NOT NULL,
  webhook_event_id    bigint REFERENCES webhook_events(id) ON DELETE SET NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);
-- The same fact delivered twice (even under two webhook ids) is stored once.
CREATE UNIQUE INDEX membership_facts_dedupe_idx
  ON membership_facts (company_id, whop_membership_id, kind, (coalesce(whop_payment_id, '')), occurred_at);

CREATE TABLE recovery_cases (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id               text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  whop_membership_id       text NOT NULL,
  whop_user_id             text,
  member_email             text,
  whop_payment_id          text,                  -- the payment whose failure opened the case
  status                   text NOT NULL CHECK (status IN ('open', 'recovered', 'closed_no_recovery')),
  failure_reason           text,
  failure_count            integer NOT NULL DEFAULT 0,
  amount_at_risk_cents     bigint NOT NULL DEFAULT 0,
  recovered_cents          bigint NOT NULL DEFAULT 0,
  currency                 text,
  risk_level               text NOT NULL DEFAULT 'medium' CHECK (risk_level IN ('low', 'medium', 'high')),
  first_failure_at         timestamptz NOT NULL,
  last_failure_at          timestamptz NOT NULL,
  recovered_at             timestamptz,
  closed_at                timestamptz,
  attribution_window_days  integer NOT NULL,
  attribution_ends_at      timestamptz NOT NULL,
  settings_version         integer NOT NULL,
  next_nudge_at            timestamptz,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, whop_membership_id, first_failure_at)
);
-- At most one open case per membership and company.
CREATE UNIQUE INDEX recovery_cases_one_open_idx ON recovery_cases (company_id, whop_membership_id) WHERE status = 'open';
CREATE INDEX recovery_cases_company_status_created_idx ON recovery_cases (company_id, status, created_at DESC);
CREATE INDEX recovery_cases_status_created_idx ON recovery_cases (status, created_at DESC);
CREATE INDEX recovery_cases_risk_level_idx ON recovery_cases (risk_level);
CREATE INDEX recovery_cases_open_window_idx ON recovery_cases (attribution_ends_at) WHERE status = 'open';

-- The case timeline: every status change and notable event, with why.
CREATE TABLE case_events (
  id                bigserial PRIMARY KEY,
  company_id        text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  case_id           uuid NOT NULL REFERENCES recovery_cases(id) ON DELETE CASCADE,
  from_status       text,
  to_status         text NOT NULL,
  reason            text NOT NULL,
  webhook_event_id  bigint REFERENCES webhook_events(id) ON DELETE SET NULL,
  actor             text NOT NULL DEFAULT 'system',
  -- lifecycle rows are re-derived from membership_facts on every change; others are appended once.
  source            text NOT NULL DEFAULT 'lifecycle' CHECK (source IN ('lifecycle', 'outreach', 'action')),
  at                timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_events_case_at_idx ON case_events (case_id, at);
