-- Member data rights (issue #5): exports a member (or the creator/operator for them) can download
-- for 7 days, erasure receipts, and retention of raw webhook bodies.

-- An export: the JSON document of everything held about one member in one company, encrypted
-- like every other personal value, deleted by the retention sweep once it expires.
CREATE TABLE member_data_exports (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id     text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  subject_kind   text NOT NULL CHECK (subject_kind IN ('user_id', 'email')),
  subject_hash   text NOT NULL,          -- lookupHash of the member (never the id or address itself)
  requested_by   text NOT NULL,          -- creator:<user id> | operator:<email>
  document       text,                   -- enc:v1:… JSON; null once expired or erased
  size_bytes     integer NOT NULL,
  downloads      integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE INDEX member_data_exports_company_idx ON member_data_exports (company_id, created_at DESC);
CREATE INDEX member_data_exports_expiry_idx ON member_data_exports (expires_at) WHERE document IS NOT NULL;

-- A deletion receipt: proof that a member's data was erased, what was touched, by whom and when.
-- It holds the subject's lookup hash only, so it can confirm an erasure to someone who knows the
-- address or id without revealing it to anyone who does not.
CREATE TABLE member_erasures (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id     text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  subject_kind   text NOT NULL CHECK (subject_kind IN ('user_id', 'email')),
  subject_hash   text NOT NULL,
  requested_by   text NOT NULL,
  counts         jsonb NOT NULL,         -- {cases_anonymised, facts_deleted, webhook_bodies_erased, …}
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_erasures_company_idx ON member_erasures (company_id, created_at DESC);

-- Raw bodies are purged after RAW_WEBHOOK_RETENTION_DAYS (default 30): the row stays (its webhook
-- id keeps de-duplicating re-deliveries, its facts keep their link), the body goes.
ALTER TABLE webhook_events ALTER COLUMN raw_body DROP NOT NULL;
ALTER TABLE webhook_events ADD COLUMN body_purged_at timestamptz;
CREATE INDEX webhook_events_retention_idx ON webhook_events (received_at) WHERE raw_body IS NOT NULL AND status <> 'pending';
