import { customType } from 'drizzle-orm/pg-core';
import type { FieldCipher } from '../integrations/crypto/field-cipher.ts';

/**
 * The process's field cipher. Drizzle's column codecs get no per-query context, and one process
 * runs under one ENCRYPTION_KEY configuration, so the runtime installs it once at start (tests
 * install a test keyring). Reading or writing personal data before that is a bug: it throws.
 */
let installed: FieldCipher | null = null;

export function installFieldCipher(cipher: FieldCipher): void {
  installed = cipher;
}

export function fieldCipher(): FieldCipher {
  if (installed === null) throw new Error('No field cipher installed: start the runtime (it loads ENCRYPTION_KEY) before touching personal data');
  return installed;
}

/**
 * A text column holding personal data: encrypted under the current key on every write through
 * Drizzle, decrypted on every read (legacy plaintext rows read as they are; a value under a key
 * this process cannot read throws FieldDecryptionError naming the key id). Raw SQL must call
 * fieldCipher() itself.
 */
export const encryptedText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text',
  toDriver: (value) => fieldCipher().encrypt(value),
  fromDriver: (value) => fieldCipher().decryptNullable(value) as string,
});

/** member_email_hash of an address (trimmed, lowercased), or null without one. */
export function emailLookupHash(email: string | null | undefined): string | null {
  return email ? fieldCipher().lookupHash(email, 'email') : null;
}

/** Every hash a stored row may carry for this address (two during a rotation with a derived hash key). */
export function emailLookupHashes(email: string): string[] {
  return fieldCipher().lookupHashes(email, 'email');
}

/** Opt-out subject for push and DM: the member's Whop user id. */
export function userLookupHashes(whopUserId: string): string[] {
  return fieldCipher().lookupHashes(`user:${whopUserId}`);
}

/** A row read with raw SQL: every string that carries an encryption envelope, decrypted. */
export function decryptRow<T extends Record<string, unknown>>(row: T): T {
  const cipher = fieldCipher();
  const out: Record<string, unknown> = { ...row };
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && cipher.isEncrypted(v)) out[k] = cipher.decryptNullable(v);
  return out as T;
}

/**
 * A case timeline detail as stored: its "why" encrypted (ENCRYPTED_FIELDS lists it), whoever wrote
 * it; the one place, so a new writer cannot store it in plaintext (a hold's reason did).
 */
export function storableEventDetail(detail: Record<string, unknown> | null): Record<string, unknown> | null {
  if (detail === null || typeof detail.why !== 'string' || fieldCipher().isEncrypted(detail.why)) return detail;
  return { ...detail, why: fieldCipher().encrypt(detail.why) };
}

/** A case timeline detail with its encrypted free text (a cancellation's "why", see ENCRYPTED_FIELDS) decrypted. */
export function readableEventDetail(detail: Record<string, unknown> | null): Record<string, unknown> | null {
  if (detail === null || typeof detail.why !== 'string') return detail;
  return { ...detail, why: fieldCipher().decryptNullable(detail.why) };
}
