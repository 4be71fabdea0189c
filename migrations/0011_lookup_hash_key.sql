-- The lookup-hash (HMAC) key, stored encrypted under ENCRYPTION_KEY like any personal value, so a
-- key rotation re-encrypts it instead of changing every hash. Opt-outs and erasure receipts hold
-- only hashes: were the hash key to change, an unsubscribed member would be messaged again.
-- ENCRYPTION_HASH_KEY, when set, takes precedence (and this row is not used).
CREATE TABLE encryption_settings (
  id               integer PRIMARY KEY CHECK (id = 1),
  lookup_hash_key  text NOT NULL,          -- enc:v1:… of the 32-byte key, base64
  created_at       timestamptz NOT NULL DEFAULT now()
);
