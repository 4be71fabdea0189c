import { createHash, hkdfSync, randomBytes } from 'node:crypto';

/** AES-256 keys and the lookup-hash key are exactly this many bytes. */
export const KEY_BYTES = 32;

const KEY_ID_PREFIX = 'churn-saver key id:';
const HASH_KEY_INFO = 'churn-saver lookup hash v1';
const EXPECTED_FORMAT = `32 bytes as 64 hex characters or base64 (44 characters, or 43 unpadded; base64url accepted); generate one with: openssl rand -base64 32`;

const HEX = /^[0-9a-fA-F]{64}$/;
// One alphabet per value: mixing "+/" with "-_" is a copy-paste accident, not a key.
const BASE64 = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL = /^[A-Za-z0-9_-]{43}=?$/;

export type KeyringKey = {
  /** 12 lowercase hex characters, stable for a key and safe to log or store next to data. */
  keyId: string;
  /** 32 bytes. */
  key: Buffer;
};

export type Keyring = {
  /** Every new value is encrypted under this key. */
  current: KeyringKey;
  /** keyId -> key for every key a stored value may be decrypted with: current and, during a rotation, previous. */
  readable: ReadonlyMap<string, Buffer>;
  /** The key being rotated away from (ENCRYPTION_KEY_PREVIOUS): readable, never written. null outside a rotation. */
  previous: KeyringKey | null;
  /** HMAC-SHA256 key for equality-lookup columns (32 bytes). */
  hashKey: Buffer;
  /**
   * 'explicit': ENCRYPTION_HASH_KEY is set, so hashes survive a rotation of ENCRYPTION_KEY unchanged.
   * 'derived': derived from the current ENCRYPTION_KEY, so rotating it changes every lookup hash
   * and the rotation must re-hash (from previousHashKey to hashKey).
   * 'stored': the service's own lookup-hash key, kept encrypted in the database (encryption_settings)
   * and re-encrypted by a rotation like any other value, so hashes never change with ENCRYPTION_KEY
   * (opt-outs hold nothing but a hash: a changed hash would forget them). See src/services/members/resolve-lookup-hash-key.ts.
   */
  hashKeySource: 'explicit' | 'derived' | 'stored';
  /**
   * During a rotation with a derived hash key: the hash key derived from the previous key, so
   * lookups can also match rows not yet re-hashed. null when it equals hashKey or there is no rotation.
   */
  previousHashKey: Buffer | null;
};

export type ParsedEncryptionKey = { ok: true; key: Buffer; keyId: string } | { ok: false; problem: string };

/**
 * Parses a 32-byte key given as 64 hex characters, base64 (44 with padding, 43 without) or
 * base64url. Surrounding whitespace is ignored. The problem names the variable (ENCRYPTION_KEY
 * unless `name` says otherwise) and the expected format, never the value.
 */
export function parseEncryptionKey(raw: string, name = 'ENCRYPTION_KEY'): ParsedEncryptionKey {
  const value = raw.trim();
  let key: Buffer | null = null;
  if (HEX.test(value)) key = Buffer.from(value, 'hex');
  else if (BASE64.test(value) || BASE64URL.test(value)) {
    const decoded = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    // 43 characters carry 258 bits: the last one's 2 spare bits must be zero, else two spellings
    // would name one key and a typo there would go unnoticed.
    if (decoded.length === KEY_BYTES && decoded.toString('base64url') === value.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_'))
      key = decoded;
  }
  if (key === null) return { ok: false, problem: `${name}: must be ${EXPECTED_FORMAT} (got ${value.length} characters)` };
  return { ok: true, key, keyId: computeKeyId(key) };
}

/** 12 hex characters of SHA-256("churn-saver key id:" + key): identifies a key without revealing it. */
export function computeKeyId(key: Buffer): string {
  return createHash('sha256').update(KEY_ID_PREFIX, 'utf8').update(key).digest('hex').slice(0, 12);
}

/**
 * The lookup-hash key used when ENCRYPTION_HASH_KEY is not set: HKDF-SHA256(key, salt empty,
 * info "churn-saver lookup hash v1"), 32 bytes. The rotation job computes it for the old and the
 * new key to re-hash lookup columns; `.toString('hex')` of the old one is a valid
 * ENCRYPTION_HASH_KEY for operators who want to stop hashes changing on later rotations.
 */
export function deriveHashKey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), HASH_KEY_INFO, KEY_BYTES));
}

/** A fresh key: base64 of 32 random bytes (44 characters), accepted by parseEncryptionKey. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export type LoadKeyringOptions = {
  /** ENCRYPTION_KEY. */
  current: string | undefined;
  /** ENCRYPTION_KEY_PREVIOUS: the key being rotated away from. */
  previous?: string | undefined;
  /** ENCRYPTION_HASH_KEY: stable secret for lookup hashes; absent = derived from the current key. */
  hashKey?: string | undefined;
  nodeEnv: 'development' | 'test' | 'production';
  /**
   * Development and test only, when ENCRYPTION_KEY is not set: returns a key the caller generated
   * (generateEncryptionKey) and persisted in DATA_DIR, so data stays readable across restarts.
   * Never called in production.
   */
  devKeyFile?: () => string;
};

export type LoadKeyringResult = { ok: true; keyring: Keyring } | { ok: false; problems: string[] };

/**
 * Pure apart from devKeyFile: builds the keyring from the environment and lists every problem at
 * once, each naming its variable and never its value. Blank values count as absent.
 */
export function loadKeyring(options: LoadKeyringOptions): LoadKeyringResult {
  const problems: string[] = [];

  let current: ParsedEncryptionKey | null = null;
  const currentRaw = blankToUndefined(options.current);
  if (currentRaw !== undefined) current = parseEncryptionKey(currentRaw, 'ENCRYPTION_KEY');
  else if (options.nodeEnv === 'production') problems.push(`ENCRYPTION_KEY: required in production (32 bytes as 64 hex characters or base64)`);
  else if (options.devKeyFile === undefined) problems.push(`ENCRYPTION_KEY: not set and no development key file was given`);
  else current = parseEncryptionKey(options.devKeyFile(), 'ENCRYPTION_KEY (development key file in DATA_DIR)');
  if (current !== null && !current.ok) problems.push(current.problem);

  const previousRaw = blankToUndefined(options.previous);
  const previous = previousRaw === undefined ? null : parseEncryptionKey(previousRaw, 'ENCRYPTION_KEY_PREVIOUS');
  if (previous !== null && !previous.ok) problems.push(previous.problem);

  const hashKeyRaw = blankToUndefined(options.hashKey);
  const explicitHashKey = hashKeyRaw === undefined ? null : parseEncryptionKey(hashKeyRaw, 'ENCRYPTION_HASH_KEY');
  if (explicitHashKey !== null && !explicitHashKey.ok) problems.push(explicitHashKey.problem);

  if (problems.length > 0 || current === null || !current.ok || (previous !== null && !previous.ok) || (explicitHashKey !== null && !explicitHashKey.ok))
    return { ok: false, problems };

  const readable = new Map<string, Buffer>([[current.keyId, current.key]]);
  // Same key in both variables (rotation finished, variable not yet removed) is harmless: not a rotation.
  const rotatingFrom = previous !== null && previous.keyId !== current.keyId ? { keyId: previous.keyId, key: previous.key } : null;
  if (rotatingFrom !== null) readable.set(rotatingFrom.keyId, rotatingFrom.key);

  const hashKey = explicitHashKey !== null ? explicitHashKey.key : deriveHashKey(current.key);
  const previousHashKey = explicitHashKey === null && rotatingFrom !== null ? deriveHashKey(rotatingFrom.key) : null;

  return {
    ok: true,
    keyring: {
      current: { keyId: current.keyId, key: current.key },
      readable,
      previous: rotatingFrom,
      hashKey,
      hashKeySource: explicitHashKey !== null ? 'explicit' : 'derived',
      previousHashKey,
    },
  };
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
