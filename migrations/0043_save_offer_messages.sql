-- Issue #15 §4: a save offer's text as the member got it, or as it was kept in the outbox when no
-- provider is configured, as deliveries.rendered_subject/_body keep a nudge's. One JSON object per
-- save case, {"email": {"subject": …, "body": …}, "push": …, "dm": …}, for the channels the offer
-- went to; encrypted by the application (db/encrypted-columns.ts lists it), so the column is text.
-- save_cases has no archive twin.
ALTER TABLE save_cases ADD COLUMN offer_messages text;
