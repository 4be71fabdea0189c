import { signV1 } from '../../test/support/sign-webhook.ts';
import { buildWhopEvent } from '../../test/support/whop-fixtures.ts';

/** Signed payment.failed deliveries over 500 companies, one membership each, with 5 % duplicates (Whop retrying). */
export function makeDeliveries(count: number, secret: string, prefix = 'bench'): { body: string; headers: Record<string, string> }[] {
  const deliveries: { body: string; headers: Record<string, string> }[] = [];
  const now = new Date();
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % 20 === 0) {
      deliveries.push(deliveries[i - 7]!);
      continue;
    }
    const body = JSON.stringify(
      buildWhopEvent('payment.failed', {
        data: { id: `pay_${prefix}${i}`, company: { id: `biz_${prefix}${i % 500}` }, membership: { id: `mem_${prefix}${i}` }, last_payment_attempt: now.toISOString() },
      }),
    );
    deliveries.push({ body, headers: signV1(body, secret, { at: now }) });
  }
  return deliveries;
}
