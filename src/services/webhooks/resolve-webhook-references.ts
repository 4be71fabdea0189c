import { referencesToResolve, type ResolvedReferences } from '../../integrations/whop/events/index.ts';
import type { WhopGateway } from '../../integrations/whop/whop-gateway.ts';
import type { Clock } from '../../integrations/clock.ts';

export type ReferenceResolution = { ok: true; references: ResolvedReferences } | { ok: false; retryable: true; message: string };

export type ResolveWebhookReferences = (body: unknown) => Promise<ReferenceResolution>;

type PaymentRef = ResolvedReferences['payments'] extends ReadonlyMap<string, infer V> ? V : never;
type MembershipRef = ResolvedReferences['memberships'] extends ReadonlyMap<string, infer V> ? V : never;

/**
 * Looks up in Whop what a webhook gave as bare ids (API versions that send related records as ids):
 * the membership of a refunded or disputed payment, and the member (id, email) of a membership.
 * Answers are cached in this process (a payment never changes membership; a member's email rarely
 * changes, hence the TTL), so a burst of events about one member costs one call.
 * - A retryable Whop failure for a payment is `{ ok: false }`: the caller lets the event be retried,
 *   since without the payment's membership the event cannot be applied.
 * - A permanent failure (404, 403) leaves the id unresolved; the mapper then says which.
 * - A member lookup that fails is skipped: the fact has no email, and outreach looks the member up anyway.
 * With no gateway (WHOP_API_KEY unset) nothing is looked up.
 */
export function createReferenceResolver(
  whop: Pick<WhopGateway, 'getPayment' | 'getMembership'> | null,
  options: { clock: Clock; ttlMs?: number; maxEntries?: number },
): ResolveWebhookReferences {
  const ttlMs = options.ttlMs ?? 10 * 60_000;
  const maxEntries = options.maxEntries ?? 5_000;
  const payments = new Map<string, { value: PaymentRef; until: number }>();
  const memberships = new Map<string, { value: MembershipRef; until: number }>();

  const remember = <V>(cache: Map<string, { value: V; until: number }>, key: string, value: V) => {
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, { value, until: options.clock.now().getTime() + ttlMs });
  };
  const recall = <V>(cache: Map<string, { value: V; until: number }>, key: string): V | undefined => {
    const hit = cache.get(key);
    if (!hit || hit.until < options.clock.now().getTime()) return undefined;
    return hit.value;
  };

  return async (body) => {
    const needed = referencesToResolve(body);
    const resolved = { payments: new Map<string, PaymentRef>(), memberships: new Map<string, MembershipRef>() };
    if (!whop || (needed.payments.length === 0 && needed.memberships.length === 0)) return { ok: true, references: resolved };

    for (const id of needed.payments) {
      let value = recall(payments, id);
      if (!value) {
        const found = await whop.getPayment(id);
        if (!found.ok) {
          if (found.retryable) return { ok: false, retryable: true, message: `looking up payment ${id}: ${found.message}` };
          continue;
        }
        value = { membershipId: found.value.membershipId, companyId: found.value.companyId, userId: found.value.userId };
        remember(payments, id, value);
      }
      resolved.payments.set(id, value);
    }

    const membershipIds = new Set([...needed.memberships, ...[...resolved.payments.values()].map((p) => p.membershipId).filter((m): m is string => m !== null)]);
    for (const id of membershipIds) {
      let value = recall(memberships, id);
      if (!value) {
        const found = await whop.getMembership(id);
        if (!found.ok) continue;
        value = { userId: found.value.userId, email: found.value.email };
        remember(memberships, id, value);
      }
      resolved.memberships.set(id, value);
    }
    return { ok: true, references: resolved };
  };
}
