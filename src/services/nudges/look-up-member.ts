import type { StoredCase } from '../../db/repositories/nudges.repository.ts';
import { retryDelayMs } from '../../domain/retry-backoff.ts';
import type { MemberMembership } from '../../integrations/whop/whop-gateway.ts';
import { randomOf, type NudgeDeps } from './nudge-deps.ts';

/** A membership Whop says is not there (a 4xx) is looked up again this much later. */
const LOOKUP_GONE_RETRY_MS = 10 * 60_000;

export interface MemberContact {
  ok: true;
  /** Read from Whop at this nudge (so worth caching on the case), not from the case or outbox defaults. */
  fromWhop: boolean;
  /** The membership's period end as Whop gave it now; undefined when not looked up at this nudge. */
  renewalPeriodEnd?: string | null;
  manageUrl: string;
  name: string | null;
  email: string | null;
  userId: string | null;
  productId: string | null;
  productTitle: string | null;
}

export type MemberLookup = MemberContact | { ok: false; why: string; retryInMs: number };

/**
 * The member's manage URL and contact details. Without a Whop API key (outbox mode) the URL is
 * Whop's standard form, since nothing leaves the building anyway. With one, the URL cached on the
 * case (from an earlier lookup) serves without a call; else Whop must answer, and a transient
 * failure waits what Whop asked (Retry-After) or a short backoff.
 */
export async function lookUpMember(deps: NudgeDeps, c: StoredCase): Promise<MemberLookup> {
  if (deps.whop && c.manageUrl) {
    return { ok: true, fromWhop: false, manageUrl: c.manageUrl, name: c.memberName, email: c.memberEmail, userId: c.whopUserId, productId: c.whopProductId, productTitle: c.whopProductTitle };
  }
  if (!deps.whop) {
    return {
      ok: true,
      fromWhop: false,
      manageUrl: `https://whop.com/billing/manage/${c.whopMembershipId}`,
      name: c.memberName,
      email: c.memberEmail,
      userId: c.whopUserId,
      productId: c.whopProductId,
      productTitle: null,
    };
  }
  const found = await deps.whop.getMembership(c.whopMembershipId);
  if (!found.ok) return { ok: false, why: `membership lookup failed: ${found.message}`, retryInMs: found.retryable ? retryDelayMs(1, found.retryAfterMs, randomOf(deps)) : LOOKUP_GONE_RETRY_MS };
  const m: MemberMembership = found.value;
  if (!m.manageUrl) return { ok: false, why: 'Whop returned no manage_url', retryInMs: LOOKUP_GONE_RETRY_MS };
  return {
    ok: true,
    fromWhop: true,
    renewalPeriodEnd: m.renewalPeriodEnd ?? null,
    manageUrl: m.manageUrl,
    name: m.userName ?? c.memberName,
    email: c.memberEmail ?? m.email,
    userId: c.whopUserId ?? m.userId,
    productId: m.productId ?? c.whopProductId,
    productTitle: m.productTitle,
  };
}
