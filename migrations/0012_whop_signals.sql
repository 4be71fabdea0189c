-- Issue #11: today's Whop signals reach the domain.
-- New fact kinds: payment.requires_action (opens or joins a case as "needs authentication") and the
-- cancellation facts of membership.updated / membership.cancel_at_period_end_changed (stored for the
-- save flow; they never open a case). This CHECK is the one list of fact kinds (ARCHITECTURE.md,
-- "Where does X go"); a new kind replaces it in a new migration.
ALTER TABLE membership_facts DROP CONSTRAINT membership_facts_kind_check;
ALTER TABLE membership_facts ADD CONSTRAINT membership_facts_kind_check
  CHECK (kind IN ('payment_failed', 'payment_succeeded', 'membership_activated', 'membership_deactivated',
                  'payment_reversed', 'case_cancelled', 'payment_requires_action',
                  'cancellation_scheduled', 'cancellation_unscheduled'));

-- What Whop says about a failed or blocked charge. All nullable: older facts and legacy (v5)
-- payloads carry none of them.
ALTER TABLE membership_facts
  ADD COLUMN decline_code            text,
  ADD COLUMN next_payment_attempt_at timestamptz,
  ADD COLUMN card_exp_month          smallint CHECK (card_exp_month BETWEEN 1 AND 12),
  ADD COLUMN card_exp_year           smallint,
  ADD COLUMN retryable               boolean,
  ADD COLUMN recovery_url            text,            -- enc:v1:… (member-specific link)
  ADD COLUMN cancel_option           text,
  ADD COLUMN cancelation_status      text,
  -- Permission-gated fields Whop sent as null (email, phone, recovery_url): the settings page reads them.
  ADD COLUMN withheld_fields         text[] NOT NULL DEFAULT '{}';

ALTER TABLE recovery_cases
  ADD COLUMN decline_code            text,
  ADD COLUMN next_payment_attempt_at timestamptz,
  ADD COLUMN card_exp_month          smallint,
  ADD COLUMN card_exp_year           smallint,
  ADD COLUMN needs_authentication    boolean NOT NULL DEFAULT false,
  ADD COLUMN recovery_url            text;            -- enc:v1:…

-- Their archive twins (0008: a live column must exist in archive.* too; no defaults or checks there).
ALTER TABLE archive.membership_facts
  ADD COLUMN decline_code            text,
  ADD COLUMN next_payment_attempt_at timestamptz,
  ADD COLUMN card_exp_month          smallint,
  ADD COLUMN card_exp_year           smallint,
  ADD COLUMN retryable               boolean,
  ADD COLUMN recovery_url            text,
  ADD COLUMN cancel_option           text,
  ADD COLUMN cancelation_status      text,
  ADD COLUMN withheld_fields         text[];
ALTER TABLE archive.recovery_cases
  ADD COLUMN decline_code            text,
  ADD COLUMN next_payment_attempt_at timestamptz,
  ADD COLUMN card_exp_month          smallint,
  ADD COLUMN card_exp_year           smallint,
  ADD COLUMN needs_authentication    boolean,
  ADD COLUMN recovery_url            text;

-- The settings page asks for each company's latest fact per kind.
CREATE INDEX membership_facts_company_kind_time ON membership_facts (company_id, kind, occurred_at DESC);
