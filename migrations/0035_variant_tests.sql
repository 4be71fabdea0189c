-- Variant tests (#15 §5): a case in a running test keeps which test (the settings version that
-- started it) and which variant (a or b) its member drew; each delivery of the tested template
-- records the variant whose text it carried. NULL: not in a test (held out, or B changes nothing).
ALTER TABLE recovery_cases ADD COLUMN variant_test_version integer, ADD COLUMN test_variant text
  CHECK (test_variant IN ('a', 'b'));
ALTER TABLE archive.recovery_cases ADD COLUMN variant_test_version integer, ADD COLUMN test_variant text;
ALTER TABLE deliveries ADD COLUMN test_variant text CHECK (test_variant IN ('a', 'b'));
ALTER TABLE archive.deliveries ADD COLUMN test_variant text;

-- The variant figures read one test's cases of one company (few beside all its cases).
CREATE INDEX recovery_cases_company_variant_test_idx ON recovery_cases (company_id, variant_test_version)
  INCLUDE (test_variant, status, attribution_ends_at) WHERE variant_test_version IS NOT NULL;
