import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeKeyId, deriveHashKey, generateEncryptionKey, loadKeyring, parseEncryptionKey } from '../../src/integrations/crypto/encryption-keys.ts';

const BYTES = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
// Bytes whose base64 spelling uses both alphabet-specific characters (+/ vs -_).
const SPECIAL = Buffer.alloc(32, 0xfb);

function mustLoad(options: Parameters<typeof loadKeyring>[0]) {
  const result = loadKeyring(options);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.keyring;
}

describe('parseEncryptionKey', () => {
  it.each([
    ['64 hex characters', BYTES.toString('hex'), BYTES],
    ['64 upper-case hex characters', BYTES.toString('hex').toUpperCase(), BYTES],
    ['base64 with padding (44 characters)', BYTES.toString('base64'), BYTES],
    ['base64 without padding (43 characters)', BYTES.toString('base64').replace(/=$/, ''), BYTES],
    ['base64 using + and /', SPECIAL.toString('base64'), SPECIAL],
    ['base64url using - and _', SPECIAL.toString('base64url'), SPECIAL],
    ['base64url with padding', `${SPECIAL.toString('base64url')}=`, SPECIAL],
    ['a key with surrounding whitespace (a stray newline in a secrets file)', `  ${BYTES.toString('hex')}\n`, BYTES],
  ])('accepts %s', (_label, raw, expected) => {
    const result = parseEncryptionKey(raw);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.key.equals(expected)).toBe(true);
  });

  it.each([
    ['31 bytes in hex', randomBytes(31).toString('hex')],
    ['33 bytes in hex', randomBytes(33).toString('hex')],
    ['31 bytes in base64', randomBytes(31).toString('base64')],
    ['33 bytes in base64', randomBytes(33).toString('base64')],
    ['33 bytes in base64url', randomBytes(33).toString('base64url')],
    ['a passphrase', 'correct-horse-battery-staple-and-more-words!'],
    ['a placeholder', 'your-encryption-key'],
    ['64 characters that are not hex', 'zz'.repeat(32)],
    ['base64 mixing both alphabets', `+_${'A'.repeat(41)}=`],
    ['base64 whose last character has spare bits set (a typo)', `${'A'.repeat(42)}B`],
    ['an empty string', ''],
  ])('rejects %s, naming ENCRYPTION_KEY and the format without echoing the value', (_label, raw) => {
    const result = parseEncryptionKey(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatch(/^ENCRYPTION_KEY: must be 32 bytes as 64 hex characters or base64/);
    if (raw.length > 0) expect(result.problem).not.toContain(raw);
  });

  it('names the variable it was asked to parse', () => {
    const result = parseEncryptionKey('nope', 'ENCRYPTION_HASH_KEY');
    expect(result.ok ? '' : result.problem).toMatch(/^ENCRYPTION_HASH_KEY: /);
  });

  it('the key id is the same for every spelling of a key, 12 hex characters, and differs between keys', () => {
    const ids = [BYTES.toString('hex'), BYTES.toString('base64'), BYTES.toString('base64url')].map((raw) => {
      const result = parseEncryptionKey(raw);
      return result.ok ? result.keyId : null;
    });
    expect(new Set(ids)).toEqual(new Set([computeKeyId(BYTES)]));
    expect(computeKeyId(BYTES)).toMatch(/^[0-9a-f]{12}$/);
    expect(computeKeyId(SPECIAL)).not.toBe(computeKeyId(BYTES));
    // The id is a hash of the key, not a piece of it.
    expect(BYTES.toString('hex')).not.toContain(computeKeyId(BYTES));
  });
});

describe('generateEncryptionKey', () => {
  it('makes a fresh 32-byte base64 key each time, accepted by the parser', () => {
    const a = generateEncryptionKey();
    const b = generateEncryptionKey();
    expect(a).not.toBe(b);
    expect(a).toHaveLength(44);
    const parsed = parseEncryptionKey(a);
    expect(parsed.ok && parsed.key.length).toBe(32);
  });
});

describe('loadKeyring', () => {
  const A = generateEncryptionKey();
  const B = generateEncryptionKey();
  const idOf = (raw: string) => {
    const parsed = parseEncryptionKey(raw);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.keyId;
  };

  it('production without ENCRYPTION_KEY refuses to start, naming the variable and the format', () => {
    let asked = false;
    const result = loadKeyring({ current: undefined, nodeEnv: 'production', devKeyFile: () => ((asked = true), A) });
    expect(result).toEqual({ ok: false, problems: ['ENCRYPTION_KEY: required in production (32 bytes as 64 hex characters or base64)'] });
    expect(asked).toBe(false);
    expect(loadKeyring({ current: '   ', nodeEnv: 'production' }).ok).toBe(false);
  });

  it('production with a malformed key refuses to start without echoing it', () => {
    const result = loadKeyring({ current: 'this is at least thirty-two characters, honestly', nodeEnv: 'production' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(/^ENCRYPTION_KEY: must be 32 bytes/);
    expect(result.problems[0]).not.toContain('thirty-two characters, honestly');
  });

  it('lists every bad key variable at once', () => {
    const result = loadKeyring({ current: undefined, previous: 'short', hashKey: 'also-short', nodeEnv: 'production' });
    expect(result.ok ? [] : result.problems.map((p) => p.split(':')[0])).toEqual(['ENCRYPTION_KEY', 'ENCRYPTION_KEY_PREVIOUS', 'ENCRYPTION_HASH_KEY']);
  });

  it.each(['development', 'test'] as const)('in %s without ENCRYPTION_KEY, uses the key the caller keeps in DATA_DIR', (nodeEnv) => {
    const keyring = mustLoad({ current: undefined, nodeEnv, devKeyFile: () => `${A}\n` });
    expect(keyring.current.keyId).toBe(idOf(A));
    const missing = loadKeyring({ current: undefined, nodeEnv });
    expect(missing.ok ? [] : missing.problems).toEqual(['ENCRYPTION_KEY: not set and no development key file was given']);
  });

  it('a set ENCRYPTION_KEY wins over the development key file', () => {
    expect(mustLoad({ current: B, nodeEnv: 'development', devKeyFile: () => A }).current.keyId).toBe(idOf(B));
  });

  it('with ENCRYPTION_KEY_PREVIOUS both keys are readable and only the current one is written', () => {
    const keyring = mustLoad({ current: B, previous: A, nodeEnv: 'production' });
    expect(keyring.current.keyId).toBe(idOf(B));
    expect(keyring.previous?.keyId).toBe(idOf(A));
    expect([...keyring.readable.keys()].sort()).toEqual([idOf(A), idOf(B)].sort());
  });

  it('the same key as current and previous is not a rotation', () => {
    const keyring = mustLoad({ current: A, previous: A, nodeEnv: 'production' });
    expect(keyring.previous).toBeNull();
    expect(keyring.previousHashKey).toBeNull();
    expect(keyring.readable.size).toBe(1);
  });

  it('without ENCRYPTION_HASH_KEY the lookup-hash key is derived from the current key, and the previous one is kept during a rotation', () => {
    const keyring = mustLoad({ current: B, previous: A, nodeEnv: 'production' });
    const a = parseEncryptionKey(A);
    const b = parseEncryptionKey(B);
    if (!a.ok || !b.ok) throw new Error('unreachable');
    expect(keyring.hashKeySource).toBe('derived');
    expect(keyring.hashKey.equals(deriveHashKey(b.key))).toBe(true);
    expect(keyring.previousHashKey?.equals(deriveHashKey(a.key))).toBe(true);
    // Separate from the encryption key itself, and deterministic.
    expect(deriveHashKey(b.key).equals(b.key)).toBe(false);
    expect(deriveHashKey(b.key).equals(deriveHashKey(b.key))).toBe(true);
    expect(deriveHashKey(b.key)).toHaveLength(32);
  });

  it('with ENCRYPTION_HASH_KEY the lookup-hash key does not change when ENCRYPTION_KEY rotates', () => {
    const hashKey = generateEncryptionKey();
    const before = mustLoad({ current: A, hashKey, nodeEnv: 'production' });
    const during = mustLoad({ current: B, previous: A, hashKey, nodeEnv: 'production' });
    expect(before.hashKeySource).toBe('explicit');
    expect(during.hashKey.equals(before.hashKey)).toBe(true);
    expect(during.previousHashKey).toBeNull();
  });

  it('the old derived hash key, in hex, is a valid ENCRYPTION_HASH_KEY that keeps existing hashes', () => {
    const a = parseEncryptionKey(A);
    if (!a.ok) throw new Error(a.problem);
    const keyring = mustLoad({ current: B, previous: A, hashKey: deriveHashKey(a.key).toString('hex'), nodeEnv: 'production' });
    expect(keyring.hashKey.equals(mustLoad({ current: A, nodeEnv: 'production' }).hashKey)).toBe(true);
  });
});
