import type { Queryable } from '../client.ts';
import { auditEvents } from '../schema/audit-events.ts';

/** The actions the audit log knows; one name per thing a creator or operator can do. */
export type AuditAction =
  | 'case.nudge'
  | 'case.cancel'
  | 'membership.cancel'
  | 'membership.terminate'
  | 'settings.update'
  | 'settings.draft'
  /** A variant test started (variant B's approved text), or ended by keeping a winner (#15 §5). */
  | 'variant_test.start'
  | 'variant_test.keep'
  | 'cases.export_csv'
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.logout'
  | 'member.opt_out'
  | 'member.export'
  | 'member.export_download'
  | 'member.erase'
  /** An operator asked for a reconciliation with Whop now. */
  | 'whop.reconcile'
  /** A member accepted a save offer (issue #15 §2): the scheduled cancellation was undone. */
  | 'save.accept'
  | 'save.promo_code_created'
  | 'save.promo_code_redeemed';

export interface NewAuditEvent {
  /** null for actions outside a company (sign-in, sign-out). */
  companyId: string | null;
  /** actorOf(principal), or 'anonymous' for a sign-in that did not succeed. */
  actor: string;
  action: AuditAction;
  /** What the action was on: a case id, 'settings', the account signing in. */
  target?: string | null;
  ip?: string | null;
  /** The outcome, `{ ok: true, … }` or `{ ok: false, reason }`; never secrets or member contact data. */
  detail?: Record<string, unknown> | null;
  /** Defaults to the database's now(). */
  at?: Date;
}

/** Appends one row to audit.events. Not idempotent: each call is one more row. */
export async function recordAuditEvent(q: Queryable, event: NewAuditEvent): Promise<void> {
  await q.insert(auditEvents).values({
    companyId: event.companyId,
    actor: event.actor,
    action: event.action,
    target: event.target ?? null,
    ip: event.ip ?? null,
    detail: event.detail ?? null,
    ...(event.at ? { at: event.at } : {}),
  });
}
