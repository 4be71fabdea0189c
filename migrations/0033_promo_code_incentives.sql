-- Issue #15 §3: a promo code as the first-step incentive. The incentive row is the one record of the
-- code: chosen (code, terms) before Whop is called, so an interrupted creation is settled by looking
-- that code up at Whop, never by creating a second; provider_ref is Whop's promo id once it exists.
-- A code costs nothing until a payment redeems it: redeemed_at and the payment are set then.
ALTER TABLE incentives
  ADD COLUMN code                     text,
  ADD COLUMN terms                    jsonb,          -- domain/promo-code.ts PromoTerms
  ADD COLUMN expires_at               timestamptz,    -- Whop's expires_at for the code
  ADD COLUMN redeemed_at              timestamptz,
  ADD COLUMN whop_redeemed_payment_id text;

-- A promo code has its code and terms from the start; free days never have them.
ALTER TABLE incentives ADD CONSTRAINT incentives_promo_code_fields_check
  CHECK (CASE WHEN type = 'promo_code' THEN code IS NOT NULL AND terms IS NOT NULL
              ELSE code IS NULL AND terms IS NULL AND expires_at IS NULL AND redeemed_at IS NULL END);
-- Only a code Whop has (granted) can be redeemed, and a redemption always names its payment.
ALTER TABLE incentives ADD CONSTRAINT incentives_redeemed_check
  CHECK ((redeemed_at IS NULL) = (whop_redeemed_payment_id IS NULL) AND (redeemed_at IS NULL OR status = 'granted'));
-- A code costs nothing until redeemed: the KPI rollups (0029) sum cost_cents of granted incentives,
-- so an unredeemed code must carry 0 there.
ALTER TABLE incentives ADD CONSTRAINT incentives_promo_cost_check
  CHECK (type <> 'promo_code' OR redeemed_at IS NOT NULL OR cost_cents = 0);
-- Whop keeps codes unique per company; so do we (and a redemption finds its row by Whop's id).
CREATE UNIQUE INDEX incentives_company_code_idx ON incentives (company_id, code) WHERE code IS NOT NULL;
CREATE INDEX incentives_company_promo_ref_idx ON incentives (company_id, provider_ref) WHERE type = 'promo_code';

-- The promo code a payment used (payment.promo_code, nested or a bare id) and its subtotal before
-- the discount: what a redemption's cost is measured by.
ALTER TABLE membership_facts
  ADD COLUMN whop_promo_code_id text,
  ADD COLUMN subtotal_cents     bigint;

-- Archive twins (0008: a live column must exist in archive.* too; no defaults or checks there).
ALTER TABLE archive.incentives
  ADD COLUMN code                     text,
  ADD COLUMN terms                    jsonb,
  ADD COLUMN expires_at               timestamptz,
  ADD COLUMN redeemed_at              timestamptz,
  ADD COLUMN whop_redeemed_payment_id text;
ALTER TABLE archive.membership_facts
  ADD COLUMN whop_promo_code_id text,
  ADD COLUMN subtotal_cents     bigint;
