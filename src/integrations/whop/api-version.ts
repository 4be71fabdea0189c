/**
 * Whop's dated API versions (whop-reference.md §7; docs.whop.com/developer/api/versioning).
 * A version is `YYYY-MM-DD`, optionally with a same-day revision suffix (`2026-09-02-1`, which
 * Whop's own Rust SDK sends). Pure: no env, no clock.
 */

/** The version we pin when WHOP_API_VERSION is unset: what @whop/sdk 0.0.42 sends by default,
 * so an upgrade changes no endpoint shape. Our mappers read this version's payloads and the newer ones. */
export const DEFAULT_WHOP_API_VERSION = '2026-07-20';

export const WHOP_API_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(?:-\d+)?$/;

/**
 * The dates on which a shape we depend on changed. Each is the first version with the new shape.
 * - membershipEndpoints: `POST /memberships/{id}/extend {days}` replaces `add_free_days`;
 *   `PATCH /memberships/{id} {cancel_at_period_end:false}` replaces `/uncancel`; cancel takes
 *   `cancel_at_period_end` and revokes access at once without it (whopsdk-rust memberships.rs).
 * - listFilters: lists take `account_id` and a singular `status` instead of `company_id` and
 *   `statuses[]` (whopsdk-rust memberships.rs / payments.rs pin 2026-09-15 / 2026-09-02-1).
 * - accountEnvelope: webhooks carry `account_id` instead of `company_id` (docs.whop.com webhooks guide).
 * - promoCodeAccount: `POST /promo_codes` and its list take `account_id` instead of `company_id`
 *   (whopsdk-rust promo_codes.rs pins 2026-08-21-1 and sends account_id; the exact day of the
 *   rename is our reading: the earliest pin known to have it).
 */
export const WHOP_SHAPE_CHANGES = {
  accountEnvelope: '2026-08-14',
  promoCodeAccount: '2026-08-21-1',
  listFilters: '2026-09-15',
  membershipEndpoints: '2026-09-15',
} as const;

export type WhopShapeChange = keyof typeof WHOP_SHAPE_CHANGES;

/** Which endpoint generation a pinned version speaks. */
export type WhopEndpointGeneration = 'classic' | 'dated';

/** -1, 0 or 1; revisions order after their bare date (`2026-09-02` < `2026-09-02-1`). */
export function compareWhopVersions(a: string, b: string): number {
  const [dateA = '', revA = '0'] = splitVersion(a);
  const [dateB = '', revB = '0'] = splitVersion(b);
  if (dateA !== dateB) return dateA < dateB ? -1 : 1;
  return Math.sign(Number(revA) - Number(revB));
}

/** True when `version` already has the shape that changed on `change`. */
export function hasWhopShape(version: string, change: WhopShapeChange): boolean {
  return compareWhopVersions(version, WHOP_SHAPE_CHANGES[change]) >= 0;
}

export function endpointGenerationOf(version: string): WhopEndpointGeneration {
  return hasWhopShape(version, 'membershipEndpoints') ? 'dated' : 'classic';
}

function splitVersion(version: string): [string, string] {
  const match = /^(\d{4}-\d{2}-\d{2})(?:-(\d+))?$/.exec(version.trim());
  return match ? [match[1]!, match[2] ?? '0'] : [version, '0'];
}
