/**
 * Which one thing a recovery is credited to, so "by channel" and "by step" sum to the recoveries
 * instead of crediting every channel with every recovery. In order:
 * 1. the last counted click (a member, not a scanner) before the payment: that nudge's channel and step;
 * 2. else the last delivered (sent) message before the payment;
 * a nudge a creator or operator asked for by hand ("nudge now") is credited to a manual action;
 * 3. else our own payment retry, if it is what succeeded;
 * 4. else, with a payment time, Whop's own retry (or the member on their own) before any nudge reached them;
 * 5. else unattributed (no recovery time to order by).
 */
export type CreditedMethod = 'nudge' | 'manual' | 'churn_saver_retry' | 'whop_retry' | 'unattributed';
export const CREDITED_METHODS: readonly CreditedMethod[] = ['whop_retry', 'nudge', 'manual', 'churn_saver_retry', 'unattributed'];

export interface CreditInputs {
  recoveredAt: Date | null;
  /** Counted clicks (the classifier's), any order. */
  clicks: { at: Date; step: number; channel: string }[];
  /** Deliveries with status sent, any order. */
  delivered: { at: Date; step: number; channel: string }[];
  /** Steps sent because someone asked ("nudge now"). */
  manualSteps: ReadonlySet<number>;
  /** Our payments.retry succeeded (the recovering payment was ours). */
  recoveredByOurRetry: boolean;
}

export interface Credit {
  method: CreditedMethod;
  channel: string | null;
  step: number | null;
}

export function creditRecovery(k: CreditInputs): Credit {
  if (k.recoveredAt === null) return { method: 'unattributed', channel: null, step: null };
  const at = k.recoveredAt.getTime();
  const last = (xs: CreditInputs['clicks']) => xs.filter((x) => x.at.getTime() <= at).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  const touch = last(k.clicks) ?? last(k.delivered);
  if (touch) return { method: k.manualSteps.has(touch.step) ? 'manual' : 'nudge', channel: touch.channel, step: touch.step };
  if (k.recoveredByOurRetry) return { method: 'churn_saver_retry', channel: null, step: null };
  return { method: 'whop_retry', channel: null, step: null };
}
