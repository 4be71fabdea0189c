-- Issue #15 §2/§3: a save case's offer is matched to Whop's cancel_option, and two of the offers
-- need Whop state of their own.
--
-- "Too expensive" → a promo code. It is the same record as a recovery case's code (one state
-- machine: pending → granting → granted, looked up at Whop after any doubt, redeemed once by the
-- payment that used it), so an incentive now belongs to exactly one recovery case OR one save case.
-- Every recovery figure joins incentives to recovery_cases on case_id, so a save case's code (case_id
-- NULL) never enters them; the Saves section reads it by save_case_id.
ALTER TABLE incentives ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE incentives ADD COLUMN save_case_id uuid REFERENCES save_cases(id) ON DELETE CASCADE;
ALTER TABLE incentives ADD CONSTRAINT incentives_one_owner_check CHECK ((case_id IS NULL) <> (save_case_id IS NULL));
-- One code per save case, as UNIQUE (case_id, type) gives one per recovery case.
CREATE UNIQUE INDEX incentives_save_case_type_idx ON incentives (save_case_id, type) WHERE save_case_id IS NOT NULL;

-- "Not using it" → free days, or a pause of the billing when the company chose it: when the paused
-- membership resumes (Whop's resumes_at / until). The 30-day hold of a paused save starts there, not
-- at the save: a pause has no renewal to be paid until it ends.
ALTER TABLE save_cases ADD COLUMN pause_resumes_at timestamptz;

-- Archive twin (0008: a live column must exist in archive.* too). The archive keeps recovery cases'
-- incentives only, but the job compares every live column.
ALTER TABLE archive.incentives ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE archive.incentives ADD COLUMN save_case_id uuid;
