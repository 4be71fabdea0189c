/**
 * Legacy Whop webhooks (`api_version: "v5"`, reference §1.5), rewritten into the v1 envelope so
 * that one set of event mappers serves both. Companies that set their webhook up before v1 keep
 * receiving v5 until they switch it, so both formats reach us.
 *
 * v5 differs from v1 in: `action` instead of `type`, `went_valid`/`went_invalid` instead of
 * `activated`/`deactivated`, flat `*_id` fields (or bare id strings) instead of nested `{ id }`
 * objects, `final_amount` instead of `total`, integer Unix seconds instead of ISO strings, and a
 * top-level `company` instead of `company_id`.
 */

type JsonRecord = Record<string, unknown>;

/** True for a legacy body: `api_version: "v5"`, or an `action` with no v1 `type`. */
export function isLegacyV5(body: unknown): body is JsonRecord & { action: string } {
  if (!isRecord(body) || typeof body.action !== 'string') return false;
  return body.api_version === 'v5' || !('type' in body);
}

/**
 * The v1 envelope equivalent of a v5 body: `{ api_version: "v1", type, data, company_id, timestamp? }`.
 * Any other body is returned unchanged, so this is safe to call on everything. Pure; the input is
 * not modified. Unknown fields are carried over, so the result is no less informative.
 */
export function normalizeLegacyV5(body: unknown): unknown {
  if (!isLegacyV5(body)) return body;
  const { api_version: _version, action, data, company, company_id, timestamp, ...rest } = body;
  const envelope: JsonRecord = {
    ...rest,
    api_version: 'v1',
    type: legacyActionToType(action),
    data: isRecord(data) ? normalizeRecord(data) : data,
    company_id: idOf(company) ?? idOf(company_id) ?? null,
  };
  const sentAt = toIsoTimestamp(timestamp);
  if (sentAt !== undefined) envelope.timestamp = sentAt;
  return envelope;
}

/** v1 names of the v5 actions whose names changed; every other action keeps its dotted name. */
const RENAMED_ACTIONS: Readonly<Record<string, string>> = {
  'membership.went_valid': 'membership.activated',
  'membership.went_invalid': 'membership.deactivated',
};

/**
 * Resources of legacy actions, longest first so `app_membership_went_valid` is not read as
 * `app.membership_went_valid`. Used to split the underscore spelling (`payment_failed`), which
 * Whop's legacy subscription API uses and some senders put in payloads.
 */
const LEGACY_RESOURCES = ['app_membership', 'app_payment', 'membership', 'payment', 'refund', 'dispute'];

/** `membership.went_valid` or `membership_went_valid` → `membership.activated`; `payment_failed` → `payment.failed`. */
export function legacyActionToType(action: string): string {
  const trimmed = action.trim();
  let dotted = trimmed;
  if (!trimmed.includes('.')) {
    const resource = LEGACY_RESOURCES.find((r) => trimmed.startsWith(`${r}_`));
    if (resource) dotted = `${resource}.${trimmed.slice(resource.length + 1)}`;
  }
  return RENAMED_ACTIONS[dotted] ?? dotted;
}

/** Flat id fields and the v1 object each becomes, in order of preference per object. */
const FLAT_ID_FIELDS: ReadonlyArray<readonly [flat: string, nested: string]> = [
  ['membership_id', 'membership'],
  ['user_id', 'user'],
  ['company_id', 'company'],
  // Legacy "pages" are what v1 calls companies (the biz_ id).
  ['page_id', 'company'],
  ['product_id', 'product'],
  ['plan_id', 'plan'],
  ['payment_id', 'payment'],
];

/** v1 objects that legacy payloads may give as a bare id string (`"membership": "mem_…"`). */
const REFERENCE_FIELDS = new Set(FLAT_ID_FIELDS.map(([, nested]) => nested));

/** Renamed scalar fields: v5 name → v1 name. The v1 name wins when a body has both. */
const RENAMED_FIELDS: Readonly<Record<string, string>> = {
  final_amount: 'total',
  card_last_4: 'card_last4',
};

/** Timestamp fields whose names do not end in `_at`. */
const TIMESTAMP_FIELDS = new Set([
  'last_payment_attempt',
  'next_payment_attempt',
  'renewal_period_start',
  'renewal_period_end',
  'needs_response_by',
  'transaction_date',
  'due_date',
]);

/** Objects left as they are: their keys are the creator's, not Whop's. */
const OPAQUE_FIELDS = new Set(['metadata', 'custom_field_responses']);

/**
 * Whop's objects nest a few levels deep; deeper than this is carried over as it is, so a hostile
 * 10,000-deep body cannot overflow the stack (nothing we read lies that deep).
 */
const MAX_NORMALIZE_DEPTH = 16;

function normalizeRecord(record: JsonRecord, depth = 0): JsonRecord {
  if (depth >= MAX_NORMALIZE_DEPTH) return record;
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (FLAT_ID_FIELDS.some(([flat]) => flat === key)) continue;
    const renamed = RENAMED_FIELDS[key];
    if (renamed !== undefined) {
      if (!(renamed in record)) out[renamed] = value;
      continue;
    }
    out[key] = normalizeValue(key, value, depth + 1);
  }

  for (const [flat, nested] of FLAT_ID_FIELDS) {
    const id = record[flat];
    if (typeof id === 'string' && id !== '') {
      const existing = out[nested];
      // An expanded object's own id is authoritative; the flat id only fills a gap.
      out[nested] = isRecord(existing) ? { id, ...existing } : { id };
    } else if (id === null && !(nested in out)) {
      // v1 spells "no membership" as `membership: null`; keep that meaning.
      out[nested] = null;
    }
  }

  // Legacy payloads put the member's email on the payment or membership itself; v1 nests it in user.
  const user = out.user;
  if (typeof record.email === 'string' && isRecord(user) && user.email === undefined) {
    out.user = { ...user, email: record.email };
  }
  return out;
}

function normalizeValue(key: string, value: unknown, depth: number): unknown {
  if (OPAQUE_FIELDS.has(key)) return value;
  if (REFERENCE_FIELDS.has(key) && typeof value === 'string' && value !== '') return { id: value };
  if (key.endsWith('_at') || TIMESTAMP_FIELDS.has(key)) return toIsoTimestamp(value) ?? value;
  if (isRecord(value)) return normalizeRecord(value, depth);
  if (Array.isArray(value)) return value.map((item) => (isRecord(item) ? normalizeRecord(item, depth) : item));
  return value;
}

/**
 * Unix seconds (number or digit string) as an ISO 8601 string; null stays null; undefined when the
 * value is absent. Anything else is returned as it was, so the mapper reports it as invalid.
 */
function toIsoTimestamp(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(seconds)) return value;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (isRecord(value) && typeof value.id === 'string' && value.id !== '') return value.id;
  return null;
}

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
