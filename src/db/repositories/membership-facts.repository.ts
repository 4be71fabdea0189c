import { and, asc, eq } from 'drizzle-orm';
import type { MembershipFact } from '../../domain/membership-fact.ts';
import type { Queryable } from '../client.ts';
import { emailLookupHash } from '../encrypted-text.ts';
import { membershipFacts } from '../schema/membership-facts.ts';
import { membershipsIn } from './recovery-cases.repository.ts';

/** Stores a fact once; the same fact from a second delivery is a no-op. Returns whether it was new. */
export async function insertMembershipFact(q: Queryable, fact: MembershipFact): Promise<boolean> {
  const rows = await q
    .insert(membershipFacts)
    .values({ ...columnsOf(fact), memberEmailHash: emailLookupHash(fact.memberEmail) })
    .onConflictDoNothing()
    .returning({ id: membershipFacts.id });
  return rows.length > 0;
}

/** Stores many facts in one statement (the webhook batch path), each once; ids follow the array's order. */
export async function insertMembershipFacts(q: Queryable, facts: MembershipFact[]): Promise<void> {
  if (facts.length === 0) return;
  await q
    .insert(membershipFacts)
    .values(facts.map((fact) => ({ ...columnsOf(fact), memberEmailHash: emailLookupHash(fact.memberEmail) })))
    .onConflictDoNothing();
}

function columnsOf(fact: MembershipFact) {
  const { signals, cancellation, withheld, promo, ...rest } = fact;
  return {
    ...rest,
    whopPromoCodeId: promo?.whopPromoCodeId ?? null,
    subtotalCents: promo?.subtotalCents ?? null,
    declineCode: signals?.declineCode ?? null,
    nextPaymentAttemptAt: signals?.nextPaymentAttemptAt ?? null,
    cardExpMonth: signals?.cardExpMonth ?? null,
    cardExpYear: signals?.cardExpYear ?? null,
    retryable: signals?.retryable ?? null,
    recoveryUrl: signals?.recoveryUrl ?? null,
    cancelOption: cancellation?.cancelOption ?? null,
    cancelationStatus: cancellation?.cancelationStatus ?? null,
    withheldFields: [...(withheld ?? [])],
  };
}

export async function listMembershipFacts(q: Queryable, companyId: string, whopMembershipId: string): Promise<MembershipFact[]> {
  const rows = await q
    .select()
    .from(membershipFacts)
    .where(and(eq(membershipFacts.companyId, companyId), eq(membershipFacts.whopMembershipId, whopMembershipId)))
    .orderBy(asc(membershipFacts.occurredAt), asc(membershipFacts.id));
  return rows.map(factOf);
}

/** listMembershipFacts for many memberships in one statement (the webhook batch path), keyed `company:membership`. */
export async function listFactsOfMemberships(q: Queryable, memberships: readonly { companyId: string; whopMembershipId: string }[]): Promise<Map<string, MembershipFact[]>> {
  const byMembership = new Map<string, MembershipFact[]>();
  if (memberships.length === 0) return byMembership;
  const rows = await q
    .select()
    .from(membershipFacts)
    .where(membershipsIn(membershipFacts.companyId, membershipFacts.whopMembershipId, memberships))
    .orderBy(asc(membershipFacts.occurredAt), asc(membershipFacts.id));
  for (const r of rows) {
    const key = `${r.companyId}:${r.whopMembershipId}`;
    (byMembership.get(key) ?? byMembership.set(key, []).get(key)!).push(factOf(r));
  }
  return byMembership;
}

function factOf(r: typeof membershipFacts.$inferSelect): MembershipFact {
  return {
    ...(r.kind === 'payment_failed' || r.kind === 'payment_requires_action'
      ? {
          signals: {
            declineCode: r.declineCode,
            nextPaymentAttemptAt: r.nextPaymentAttemptAt,
            cardExpMonth: r.cardExpMonth,
            cardExpYear: r.cardExpYear,
            retryable: r.retryable,
            recoveryUrl: r.recoveryUrl,
          },
        }
      : {}),
    ...(r.whopPromoCodeId !== null ? { promo: { whopPromoCodeId: r.whopPromoCodeId, subtotalCents: r.subtotalCents } } : {}),
    ...(r.cancelOption !== null || r.cancelationStatus !== null ? { cancellation: { cancelOption: r.cancelOption, cancelationStatus: r.cancelationStatus } } : {}),
    withheld: r.withheldFields,
    kind: r.kind,
    companyId: r.companyId,
    whopMembershipId: r.whopMembershipId,
    whopUserId: r.whopUserId,
    memberEmail: r.memberEmail,
    whopPaymentId: r.whopPaymentId,
    amountCents: r.amountCents,
    currency: r.currency,
    reason: r.reason,
    occurredAt: r.occurredAt,
    webhookEventId: r.webhookEventId,
  };
}
