/**
 * Every stored value that holds member personal data, in one list: the start-up key check, the
 * rotation (npm run keys:rotate), the compliance audit and the erasure scan all walk it, so a new
 * encrypted column is added here once. `jsonKey`: the value is one string field of a jsonb column.
 * Archive copies (archive.<table>) are walked too when that table exists.
 */
export interface EncryptedField {
  table: string;
  /** Primary key column, used to walk the table in batches. */
  key: string;
  column: string;
  jsonKey?: string;
  /** The lookup-hash column kept in step with this value (re-hashed by a rotation). */
  hashColumn?: string;
}

export const ENCRYPTED_FIELDS: readonly EncryptedField[] = [
  { table: 'recovery_cases', key: 'id', column: 'member_email', hashColumn: 'member_email_hash' },
  { table: 'recovery_cases', key: 'id', column: 'member_name' },
  { table: 'recovery_cases', key: 'id', column: 'failure_reason' },
  { table: 'recovery_cases', key: 'id', column: 'recovery_url' },
  { table: 'membership_facts', key: 'id', column: 'member_email', hashColumn: 'member_email_hash' },
  { table: 'membership_facts', key: 'id', column: 'reason' },
  { table: 'membership_facts', key: 'id', column: 'recovery_url' },
  { table: 'webhook_events', key: 'id', column: 'raw_body' },
  { table: 'deliveries', key: 'id', column: 'error' },
  { table: 'deliveries', key: 'id', column: 'rendered_subject' },
  { table: 'deliveries', key: 'id', column: 'rendered_body' },
  { table: 'case_events', key: 'id', column: 'detail', jsonKey: 'why' },
  { table: 'save_cases', key: 'id', column: 'offer_messages' },
  { table: 'member_data_exports', key: 'id', column: 'document' },
  { table: 'encryption_settings', key: 'id', column: 'lookup_hash_key' },
];

/** SQL for the field's text value (jsonb fields read as text). Identifiers come from the list above, never from input. */
export function fieldValueSql(field: EncryptedField): string {
  return field.jsonKey ? `${field.column}->>'${field.jsonKey}'` : field.column;
}

export function describeField(field: EncryptedField): string {
  return `${field.table}.${field.column}${field.jsonKey ? `.${field.jsonKey}` : ''}`;
}
