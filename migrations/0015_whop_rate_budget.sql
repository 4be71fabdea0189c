-- One shared budget for Whop API calls (the PostgreSQL store; Redis holds the same state when
-- REDIS_URL is set). One row per Whop operation ("POST /notifications"): a GCRA bucket whose
-- theoretical arrival time tat_ms is advanced by one emission interval per call in a single
-- INSERT … ON CONFLICT DO UPDATE, so any number of workers share it atomically. A 429 from Whop
-- pushes tat_ms past its Retry-After: every worker pauses that operation. Service bookkeeping,
-- not tenant data (the key is per app, shared by every company).
CREATE TABLE whop_rate_budget (
  operation   text PRIMARY KEY,
  tat_ms      bigint NOT NULL,            -- epoch ms; the next call may go at tat_ms - tolerance
  wait_ms     bigint NOT NULL DEFAULT 0,  -- what the last reservation had to wait (returned by the statement)
  granted     boolean NOT NULL DEFAULT true,
  seen_ms     bigint NOT NULL,            -- server clock of the last reservation
  paused_until timestamptz                -- set by a 429's Retry-After, for the admin page
);
