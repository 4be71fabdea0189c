-- Audit log: who did what, when, from where, for every action a creator or operator can take
-- (case actions, settings, exports, sign-in and sign-out). Its own schema, as the deployment guide
-- prepares (`CREATE SCHEMA audit`), so it can be granted and retained apart from tenant data.
-- Append-only by convention: the service only ever inserts.
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE audit.events (
  id          bigserial PRIMARY KEY,
  company_id  text,                              -- null for actions outside a company (sign-in)
  actor       text NOT NULL,                     -- operator:<email>, creator:<user id>, anonymous
  action      text NOT NULL,                     -- case.nudge, settings.update, auth.login_failed, …
  target      text,                              -- case id, settings, the account signing in
  ip          text,                              -- the client address as the service saw it
  detail      jsonb,                             -- {ok, reason?, …}; never secrets or member data
  at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_events_company_at ON audit.events (company_id, at DESC);
