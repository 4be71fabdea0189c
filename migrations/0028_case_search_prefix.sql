-- Case search (#14 §2): a membership or user id matches from its start, answered from these
-- indexes (text_pattern_ops serves LIKE 'prefix%' under any collation) instead of testing every
-- case of the company with ILIKE '%q%'. Emails keep matching exactly through member_email_hash.
CREATE INDEX recovery_cases_company_membership_prefix_idx ON recovery_cases (company_id, whop_membership_id text_pattern_ops);
CREATE INDEX recovery_cases_company_user_prefix_idx ON recovery_cases (company_id, whop_user_id text_pattern_ops) WHERE whop_user_id IS NOT NULL;
