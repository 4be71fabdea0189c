-- Issue #15 §1: the creator's daily digest is sent at most once per company and UTC day, whatever
-- the number of workers: the row is claimed (inserted) before the email goes out, and says how it ended
-- (`empty`: nothing happened that day and no case is open, so no email was sent).
CREATE TABLE creator_digests (
  company_id  text        NOT NULL,
  digest_date date        NOT NULL,
  status      text        NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'failed', 'empty')),
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz,
  PRIMARY KEY (company_id, digest_date)
);

-- The contact policy counts one member's nudges across cases (recovery_cases_company_user_idx, 0006)
-- and checks another case of the same payment, by this index.
CREATE INDEX recovery_cases_company_payment_idx ON recovery_cases (company_id, whop_payment_id) WHERE whop_payment_id IS NOT NULL;
