-- The member's manage URL is stable per membership (#14): kept on the case after the first Whop
-- lookup, with the product's title, so a later nudge needs no lookup and a Whop fault there never
-- holds a step back.
ALTER TABLE recovery_cases ADD COLUMN manage_url text, ADD COLUMN whop_product_title text;
ALTER TABLE archive.recovery_cases ADD COLUMN manage_url text, ADD COLUMN whop_product_title text;
