-- Operators: the people who run the service (not tenants). Creators sign in through Whop instead.
CREATE TABLE operators (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email            text NOT NULL UNIQUE,          -- lowercased
  password_hash    text NOT NULL,                 -- scrypt$N$r$p$salt$hash
  failed_attempts  integer NOT NULL DEFAULT 0,
  locked_until     timestamptz,                   -- backoff after repeated failures
  last_login_at    timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);
