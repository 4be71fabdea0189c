-- Outreach: nudges on a schedule column, one delivery row per (case, step, channel), incentives
-- granted once per case, and email suppressions (unsubscribes).

ALTER TABLE recovery_cases
  ADD COLUMN steps_sent           integer NOT NULL DEFAULT 0,
  ADD COLUMN last_nudge_at        timestamptz,
  -- A worker's lease on a due case: others skip it until it expires (crash safety).
  ADD COLUMN nudge_claimed_until  timestamptz,
  ADD COLUMN member_name          text,
  ADD COLUMN whop_product_id      text,
  ADD COLUMN payment_retryable    boolean NOT NULL DEFAULT false;
CREATE INDEX recovery_cases_due_idx ON recovery_cases (next_nudge_at) WHERE status = 'open' AND next_nudge_at IS NOT NULL;

CREATE TABLE deliveries (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id           text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  case_id              uuid NOT NULL REFERENCES recovery_cases(id) ON DELETE CASCADE,
  step                 integer NOT NULL,
  channel              text NOT NULL CHECK (channel IN ('push', 'dm', 'email')),
  -- pending: not yet done or waiting for a retry; dead: retries exhausted (dead letter).
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped', 'outbox', 'dead')),
  attempts             integer NOT NULL DEFAULT 0,
  next_attempt_at      timestamptz,
  provider_message_id  text,
  error                text,
  rendered_subject     text,
  rendered_body        text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz,
  UNIQUE (case_id, step, channel)
);
CREATE INDEX deliveries_company_status_idx ON deliveries (company_id, status);

CREATE TABLE incentives (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id       text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  case_id          uuid NOT NULL REFERENCES recovery_cases(id) ON DELETE CASCADE,
  type             text NOT NULL CHECK (type IN ('free_days', 'promo_code')),
  value            integer NOT NULL,
  -- granting is written (committed) before the Whop call: a crash mid-call never grants twice.
  status           text NOT NULL CHECK (status IN ('pending', 'granting', 'granted', 'failed', 'unknown')),
  cost_cents       bigint NOT NULL DEFAULT 0,
  currency         text,
  provider_ref     text,
  error            text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  granted_at       timestamptz,
  UNIQUE (case_id, type)
);
CREATE INDEX incentives_case_status_idx ON incentives (case_id, status);

CREATE TABLE email_suppressions (
  company_id  text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  email       text NOT NULL,            -- lowercased
  reason      text NOT NULL,            -- unsubscribe | bounce | complaint | operator
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, email)
);

-- A creator or operator cancelling a case is a fact like any other, so the fold stays the one truth.
ALTER TABLE membership_facts DROP CONSTRAINT membership_facts_kind_check;
ALTER TABLE membership_facts ADD CONSTRAINT membership_facts_kind_check
  CHECK (kind IN ('payment_failed', 'payment_succeeded', 'membership_activated', 'membership_deactivated', 'payment_reversed', 'case_cancelled'));

-- Outreach and action rows of the timeline carry what they did (step, channels, actor's input).
ALTER TABLE case_events ADD COLUMN detail jsonb;
