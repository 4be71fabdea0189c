import { describe, expect, it } from 'vitest';
import { generateEncryptionKey, loadKeyring } from '../../src/integrations/crypto/encryption-keys.ts';
import { createFieldCipher, FieldDecryptionError } from '../../src/integrations/crypto/field-cipher.ts';

const A = generateEncryptionKey();
const B = generateEncryptionKey();
const HASH_KEY = generateEncryptionKey();

function cipherFor(current: string, previous?: string, hashKey?: string) {
  const result = loadKeyring({ current, previous, hashKey, nodeEnv: 'production' });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return { cipher: createFieldCipher(result.keyring), keyring: result.keyring };
}

/** Replaces one character of the payload's base64url text, keeping it valid base64url. */
function flipAt(stored: string, payloadIndex: number): string {
  const start = stored.lastIndexOf(':') + 1;
  const i = start + payloadIndex;
  const replacement = stored[i] === 'A' ? 'B' : 'A';
  return stored.slice(0, i) + replacement + stored.slice(i + 1);
}

/** Sets the lowest bit of the payload's last character: a spare bit when the byte count is not a multiple of 3. */
function flipSpareBit(stored: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = stored.at(-1) ?? '';
  return stored.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
}

const { cipher: cipherA, keyring: keyringA } = cipherFor(A);

describe('field cipher: round trip', () => {
  it.each([
    ['an email', 'member@example.test'],
    ['ASCII with separators', 'card declined: insufficient_funds; retry later'],
    ['unicode (accents, CJK, emoji)', 'Zoë Ångström — 払い戻し 🙂'],
    ['the empty string', ''],
    ['a value that looks like an envelope', 'enc:v1:000000000000:AAAA'],
    ['1 MiB of webhook body', 'x'.repeat(1024 * 1024)],
  ])('%s comes back unchanged', (_label, value) => {
    const stored = cipherA.encrypt(value);
    expect(stored).toMatch(new RegExp(`^enc:v1:${keyringA.current.keyId}:[A-Za-z0-9_-]+$`));
    expect(cipherA.decrypt(stored)).toEqual({ ok: true, value, plaintext: false });
    expect(cipherA.decryptNullable(stored)).toBe(value);
    if (value.length > 0 && value.length < 100) expect(stored).not.toContain(value);
  });

  it('two encryptions of the same value differ (random IV)', () => {
    const first = cipherA.encrypt('member@example.test');
    const second = cipherA.encrypt('member@example.test');
    expect(first).not.toBe(second);
    expect(cipherA.decryptNullable(first)).toBe(cipherA.decryptNullable(second));
  });

  it('every value gets an IV of its own, across the blocks the IVs are drawn in, and each decrypts', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `member${i}@example.test`);
    const stored = values.map((v) => cipherA.encrypt(v));
    const ivs = stored.map((s) => Buffer.from(s.slice(s.lastIndexOf(':') + 1), 'base64url').subarray(0, 12).toString('hex'));
    expect(new Set(ivs).size).toBe(values.length);
    expect(stored.map((s) => cipherA.decryptNullable(s))).toEqual(values);
  });

  it('null stays null both ways (an absent field)', () => {
    expect(cipherA.encryptNullable(null)).toBeNull();
    expect(cipherA.decryptNullable(null)).toBeNull();
    expect(cipherA.decryptNullable(cipherA.encryptNullable('Sam'))).toBe('Sam');
  });

  it('a legacy plaintext row is returned as stored and flagged for rotation', () => {
    expect(cipherA.decrypt('old@example.test')).toEqual({ ok: true, value: 'old@example.test', plaintext: true });
    expect(cipherA.decryptNullable('old@example.test')).toBe('old@example.test');
    expect(cipherA.isEncrypted('old@example.test')).toBe(false);
    expect(cipherA.needsRotation('old@example.test')).toBe(true);
    expect(cipherA.keyIdOf('old@example.test')).toBeNull();
  });
});

describe('field cipher: tampering is reported as corrupt, never thrown by decrypt', () => {
  const stored = cipherA.encrypt('Cancelled because the price went up');
  const keyId = keyringA.current.keyId;
  const { keyring: keyringB } = cipherFor(B);
  // A keyring that can read both A and B, so a relabelled value finds a key and must fail authentication.
  const { cipher: both } = cipherFor(A, B);
  const payload = stored.slice(stored.lastIndexOf(':') + 1);

  it.each([
    ['a changed IV byte', flipAt(stored, 0), keyId],
    ['a changed auth tag byte', flipAt(stored, 20), keyId],
    ['a changed ciphertext byte', flipAt(stored, payload.length - 3), keyId],
    ['a changed last character', flipAt(stored, payload.length - 1), keyId],
    // 12 + 16 + 3 bytes = 31: the last of 42 characters carries 4 spare bits the decoder would ignore.
    ['a spare bit of the last character set', flipSpareBit(cipherA.encrypt('abc')), keyId],
    ['a truncated payload', stored.slice(0, -10), keyId],
    ['a payload shorter than IV and tag', `enc:v1:${keyId}:AAAA`, keyId],
    ['an empty payload', `enc:v1:${keyId}:`, keyId],
    ['characters outside base64url', `enc:v1:${keyId}:${payload.slice(0, -2)}+/`, keyId],
    ['padding added', `${stored}=`, keyId],
    ['relabelled with another readable key id (AAD mismatch)', stored.replace(keyId, keyringB.current.keyId), keyringB.current.keyId],
    ['a malformed key id label', `enc:v1:NOT-AN-ID:${payload}`, null],
    ['no key id separator', `enc:v1:${keyId}`, null],
    ['an unsupported envelope version', `enc:v9:${keyId}:${payload}`, null],
  ])('%s', (_label, tampered, expectedKeyId) => {
    expect(tampered).not.toBe(stored);
    expect(both.decrypt(tampered)).toEqual({ ok: false, reason: 'corrupt', keyId: expectedKeyId });
    expect(both.isEncrypted(tampered)).toBe(true);
    expect(() => both.decryptNullable(tampered)).toThrow(FieldDecryptionError);
  });

  it('the untampered value still decrypts in the same keyring', () => {
    expect(both.decryptNullable(stored)).toBe('Cancelled because the price went up');
  });
});

describe('field cipher: keys', () => {
  it('a value under an unknown key id is reported with that id, not thrown and not dropped', () => {
    const { cipher: cipherB } = cipherFor(B);
    const stored = cipherA.encrypt('member@example.test');
    const result = cipherB.decrypt(stored);
    expect(result).toEqual({ ok: false, reason: 'unknown_key', keyId: keyringA.current.keyId });
    expect(cipherB.keyIdOf(stored)).toBe(keyringA.current.keyId);
    expect(cipherB.needsRotation(stored)).toBe(true);
  });

  it('decryptNullable names the key id but never the data', () => {
    const { cipher: cipherB } = cipherFor(B);
    const stored = cipherA.encrypt('secret-member@example.test');
    let caught: unknown;
    try {
      cipherB.decryptNullable(stored);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FieldDecryptionError);
    const error = caught as FieldDecryptionError;
    expect(error.name).toBe('FieldDecryptionError');
    expect(error.reason).toBe('unknown_key');
    expect(error.keyId).toBe(keyringA.current.keyId);
    expect(error.message).toContain(keyringA.current.keyId);
    expect(error.message).not.toContain('secret-member');
    expect(error.message).not.toContain(stored.slice(stored.lastIndexOf(':') + 1));
  });

  it('the previous key stays readable after switching current, and new writes use the current key', () => {
    const storedUnderA = cipherA.encrypt('Sam Member');
    const { cipher, keyring } = cipherFor(B, A);
    expect(cipher.decryptNullable(storedUnderA)).toBe('Sam Member');
    const storedNow = cipher.encrypt('Sam Member');
    expect(cipher.keyIdOf(storedNow)).toBe(keyring.current.keyId);
    expect(cipher.keyIdOf(storedNow)).not.toBe(keyringA.current.keyId);
    expect(cipher.needsRotation(storedUnderA)).toBe(true);
    expect(cipher.needsRotation(storedNow)).toBe(false);
  });

  it('rotation: data written under key A is readable after rotation to key B and key A is no longer needed', () => {
    const values = ['first@example.test', 'Zoë', '', 'payment failed: card_expired'];
    const rows = values.map((value) => cipherA.encrypt(value));
    const unrotated = cipherA.encrypt('left behind');

    // During the rotation: ENCRYPTION_KEY=B, ENCRYPTION_KEY_PREVIOUS=A. Every row reads; keys:rotate rewrites.
    const { cipher: during } = cipherFor(B, A);
    expect(rows.map((row) => during.decryptNullable(row))).toEqual(values);
    const rotated = rows.map((row) => (during.needsRotation(row) ? during.encrypt(during.decryptNullable(row) ?? '') : row));
    expect(rotated.every((row) => !during.needsRotation(row))).toBe(true);

    // After: ENCRYPTION_KEY=B alone.
    const { cipher: after, keyring: keyringB } = cipherFor(B);
    expect(rotated.map((row) => after.decrypt(row))).toEqual(values.map((value) => ({ ok: true, value, plaintext: false })));
    expect(after.decrypt(unrotated)).toEqual({ ok: false, reason: 'unknown_key', keyId: keyringA.current.keyId });
    expect(rotated.every((row) => after.keyIdOf(row) === keyringB.current.keyId)).toBe(true);
  });
});

describe('field cipher: lookup hashes', () => {
  it('email lookups ignore case and surrounding spaces; other values are hashed exactly', () => {
    const { cipher } = cipherFor(A, undefined, HASH_KEY);
    const hash = cipher.lookupHash('member@example.test', 'email');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(cipher.lookupHash('  Member@Example.TEST \n', 'email')).toBe(hash);
    expect(cipher.lookupHash('other@example.test', 'email')).not.toBe(hash);
    expect(cipher.lookupHash('Member@Example.TEST')).not.toBe(hash);
    expect(cipher.lookupHash('member@example.test', 'none')).toBe(hash);
    expect(hash).not.toContain('member');
  });

  it('with ENCRYPTION_HASH_KEY set, hashes are stable across a rotation of ENCRYPTION_KEY', () => {
    const before = cipherFor(A, undefined, HASH_KEY).cipher.lookupHash('member@example.test', 'email');
    const during = cipherFor(B, A, HASH_KEY).cipher;
    const after = cipherFor(B, undefined, HASH_KEY).cipher;
    expect(during.lookupHash('member@example.test', 'email')).toBe(before);
    expect(during.lookupHashes('member@example.test', 'email')).toEqual([before]);
    expect(after.lookupHash('member@example.test', 'email')).toBe(before);
  });

  it('with a derived hash key, a rotation changes hashes, and lookups during it match both old and new rows', () => {
    const before = cipherFor(A).cipher.lookupHash('member@example.test', 'email');
    const during = cipherFor(B, A).cipher;
    const after = cipherFor(B).cipher.lookupHash('member@example.test', 'email');
    expect(after).not.toBe(before);
    expect(during.lookupHash('member@example.test', 'email')).toBe(after);
    expect(during.lookupHashes('member@example.test', 'email')).toEqual([after, before]);
  });

  it('different hash keys give different hashes (the key is what makes the hash unguessable)', () => {
    expect(cipherFor(A, undefined, HASH_KEY).cipher.lookupHash('x')).not.toBe(cipherFor(A).cipher.lookupHash('x'));
  });
});
