-- Crash safety of outreach (#14). A delivery is marked `sending` in the statement before the
-- provider call: a worker killed between the call and its record leaves `sending` behind, which
-- the next sweep turns into `unknown` (maybe delivered, never sent again: at most once) instead of
-- sending the message a second time. A free-days grant keeps the membership's renewal_period_end
-- from before the call, so an interrupted grant is settled by reading Whop's state afterwards.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'outbox', 'dead', 'unknown'));
ALTER TABLE incentives ADD COLUMN period_end_before timestamptz;
ALTER TABLE archive.incentives ADD COLUMN period_end_before timestamptz;
