import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { KEY_BYTES, type Keyring } from './encryption-keys.ts';

/**
 * Stored format: `enc:v1:<keyId>:<base64url(iv 12 bytes | tag 16 bytes | ciphertext)>`.
 * AES-256-GCM, random 96-bit IV per value (safe well beyond any plausible number of writes under
 * one key; rotation resets the count anyway), AAD `churn-saver:v1:<keyId>` so a value relabelled
 * with another key id fails authentication instead of decrypting under the wrong key.
 */
const PREFIX = 'enc:v1:';
/** Any envelope version: a future `enc:v2:` value is reported, never served as plaintext. */
const ANY_ENVELOPE = /^enc:v\d+:/;
const KEY_ID = /^[0-9a-f]{12}$/;
const PAYLOAD = /^[A-Za-z0-9_-]+$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type DecryptResult =
  /** plaintext: true = a legacy row written before encryption, returned as stored (needsRotation is true). */
  | { ok: true; value: string; plaintext: boolean }
  /**
   * unknown_key: encrypted under a key id this keyring cannot read (keyId says which).
   * corrupt: malformed, tampered with, relabelled, or an unsupported envelope version (keyId null when unreadable).
   */
  | { ok: false; reason: 'unknown_key' | 'corrupt'; keyId: string | null };

/** Thrown by decryptNullable: names the key id and the reason, never the data. */
export class FieldDecryptionError extends Error {
  override readonly name = 'FieldDecryptionError';
  constructor(
    readonly reason: 'unknown_key' | 'corrupt',
    readonly keyId: string | null,
  ) {
    super(
      reason === 'unknown_key'
        ? `Cannot decrypt a stored field: it is encrypted under key id ${keyId}, which is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS`
        : `Cannot decrypt a stored field${keyId === null ? '' : ` under key id ${keyId}`}: the value is corrupt or was tampered with`,
    );
  }
}

export type FieldCipher = {
  /** Encrypts under the current key. Two calls with the same plaintext give different outputs. */
  encrypt(plaintext: string): string;
  /** Never throws for bad data: failures are reported as values. Legacy plaintext comes back as-is. */
  decrypt(stored: string): DecryptResult;
  /** True when the value carries an envelope (`enc:v<n>:`), i.e. is not legacy plaintext; says nothing about whether it decrypts. */
  isEncrypted(stored: string): boolean;
  /** The key id of an `enc:v1:` value, or null (plaintext, unsupported version, malformed label). */
  keyIdOf(stored: string): string | null;
  /** True unless the value is `enc:v1:` under the current key id: plaintext and older keys need rewriting. */
  needsRotation(stored: string): boolean;
  /**
   * HMAC-SHA256 under the keyring's hash key, lowercase hex (64 characters), for equality-lookup
   * columns. normalize 'email' = trim + lowercase; default 'none' hashes the value exactly.
   */
  lookupHash(value: string, normalize?: 'email' | 'none'): string;
  /**
   * Every hash a stored row may carry for this value: lookupHash first, then (during a rotation
   * with a derived hash key) the hash under the previous key, for rows not yet re-hashed.
   * Query with `hash = ANY(...)` to keep lookups working throughout the rotation.
   */
  lookupHashes(value: string, normalize?: 'email' | 'none'): string[];
  /** null stays null (an absent field), anything else is encrypted. */
  encryptNullable(value: string | null): string | null;
  /** null stays null; throws FieldDecryptionError when the value cannot be decrypted. For callers that render data. */
  decryptNullable(stored: string | null): string | null;
};

/** Field-level encryption and lookup hashes over one keyring. Pure apart from random IVs. */
export function createFieldCipher(keyring: Keyring): FieldCipher {
  const { current, hashKey, previousHashKey } = keyring;
  // A keyring of the wrong shape is a bug in the caller, not bad data: fail at construction.
  if (current.key.length !== KEY_BYTES || hashKey.length !== KEY_BYTES) throw new Error(`Keyring keys must be ${KEY_BYTES} bytes`);
  const readable = new Map(keyring.readable);
  readable.set(current.keyId, current.key);

  function keyIdOf(stored: string): string | null {
    if (!stored.startsWith(PREFIX)) return null;
    const end = stored.indexOf(':', PREFIX.length);
    const keyId = end < 0 ? '' : stored.slice(PREFIX.length, end);
    return KEY_ID.test(keyId) ? keyId : null;
  }

  function decrypt(stored: string): DecryptResult {
    if (!ANY_ENVELOPE.test(stored)) return { ok: true, value: stored, plaintext: true };
    const keyId = keyIdOf(stored);
    if (keyId === null) return { ok: false, reason: 'corrupt', keyId: null };
    const key = readable.get(keyId);
    if (key === undefined) return { ok: false, reason: 'unknown_key', keyId };

    const payload = stored.slice(PREFIX.length + keyId.length + 1);
    if (!PAYLOAD.test(payload)) return { ok: false, reason: 'corrupt', keyId };
    const bytes = Buffer.from(payload, 'base64url');
    // The decoder ignores spare bits in the last character; insist on the one canonical spelling
    // so any change to the stored text is detected.
    if (bytes.length < IV_BYTES + TAG_BYTES || bytes.toString('base64url') !== payload) return { ok: false, reason: 'corrupt', keyId };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      decipher.setAAD(aadFor(keyId));
      const plaintext = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
      return { ok: true, value: plaintext.toString('utf8'), plaintext: false };
    } catch {
      // GCM authentication failed: tampered ciphertext, tag or label.
      return { ok: false, reason: 'corrupt', keyId };
    }
  }

  function hashWith(key: Buffer, value: string, normalize: 'email' | 'none'): string {
    const normalized = normalize === 'email' ? value.trim().toLowerCase() : value;
    return createHmac('sha256', key).update(normalized, 'utf8').digest('hex');
  }

  const currentAad = aadFor(current.keyId);
  const currentPrefix = `${PREFIX}${current.keyId}:`;
  function encrypt(plaintext: string): string {
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(currentAad);
    const ciphertext = cipher.update(plaintext, 'utf8');
    const rest = cipher.final();
    return currentPrefix + Buffer.concat([iv, cipher.getAuthTag(), ciphertext, rest]).toString('base64url');
  }

  return {
    encrypt,
    decrypt,
    isEncrypted: (stored) => ANY_ENVELOPE.test(stored),
    keyIdOf,
    needsRotation: (stored) => keyIdOf(stored) !== current.keyId,
    lookupHash: (value, normalize = 'none') => hashWith(hashKey, value, normalize),
    lookupHashes: (value, normalize = 'none') => [hashKey, ...(previousHashKey === null ? [] : [previousHashKey])].map((key) => hashWith(key, value, normalize)),
    encryptNullable: (value) => (value === null ? null : encrypt(value)),
    decryptNullable(stored) {
      if (stored === null) return null;
      const result = decrypt(stored);
      if (!result.ok) throw new FieldDecryptionError(result.reason, result.keyId);
      return result.value;
    },
  };
}

/**
 * A fresh random IV, cut from CSPRNG bytes drawn 256 IVs at a time: a randomBytes(12) call per
 * value cost as much as encrypting a webhook body (the intake encrypts every one). Slices never
 * overlap, so each IV is as random and as unique as one drawn alone; node's randomUUID pools the same way.
 */
const IV_POOL_BYTES = IV_BYTES * 256;
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivOffset = 0;
  }
  ivOffset += IV_BYTES;
  return ivPool.subarray(ivOffset - IV_BYTES, ivOffset);
}

function aadFor(keyId: string): Buffer {
  return Buffer.from(`churn-saver:v1:${keyId}`, 'utf8');
}
