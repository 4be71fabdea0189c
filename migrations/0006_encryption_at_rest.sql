-- Encryption at rest (issue #5). Member personal data columns keep their names and type (text) but
-- hold `enc:v1:<key id>:<AES-256-GCM payload>` values written by src/integrations/crypto; rows
-- written before this migration stay readable as legacy plaintext until `npm run keys:rotate`
-- rewrites them. Equality lookups (find a member by email for a data request, exact-email search
-- on the dashboard) go through keyed HMAC columns, never the plaintext.

ALTER TABLE recovery_cases ADD COLUMN member_email_hash text;
ALTER TABLE membership_facts ADD COLUMN member_email_hash text;
CREATE INDEX recovery_cases_company_email_hash_idx ON recovery_cases (company_id, member_email_hash) WHERE member_email_hash IS NOT NULL;
CREATE INDEX recovery_cases_company_user_idx ON recovery_cases (company_id, whop_user_id) WHERE whop_user_id IS NOT NULL;
CREATE INDEX membership_facts_company_email_hash_idx ON membership_facts (company_id, member_email_hash) WHERE member_email_hash IS NOT NULL;
CREATE INDEX membership_facts_company_user_idx ON membership_facts (company_id, whop_user_id) WHERE whop_user_id IS NOT NULL;

-- Opt-outs per channel, keyed by a lookup hash of the member (email for the email channel, Whop user
-- id for push and DM), so the list itself holds no address. Replaces email_suppressions, whose rows
-- (plaintext addresses, written before this migration) keys:rotate moves here and deletes.
CREATE TABLE member_opt_outs (
  company_id    text NOT NULL REFERENCES companies(company_id) ON DELETE CASCADE,
  channel       text NOT NULL CHECK (channel IN ('email', 'push', 'dm')),
  subject_hash  text NOT NULL,           -- the member_email_hash of the address, or lookupHash('user:' + Whop user id)
  reason        text NOT NULL,           -- unsubscribe | member_request | operator | bounce | complaint
  source        text NOT NULL,           -- member | creator:<id> | operator:<email> | system
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, channel, subject_hash)
);
