import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capabilitiesOf, FEATURE_PERMISSIONS } from '../../src/domain/whop-permissions.ts';
import { createReferenceResolver } from '../../src/services/webhooks/resolve-webhook-references.ts';
import type { WhopGateway } from '../../src/integrations/whop/whop-gateway.ts';
import { buildWhopEventIn } from '../support/whop-fixtures.ts';

const at = (h: number) => new Date(Date.UTC(2026, 10, 1, h));

describe('permission-gated capabilities', () => {
  it('the latest observation decides: a withheld email later received again is on', () => {
    const caps = capabilitiesOf([
      { field: 'email', withheld: true, at: at(1) },
      { field: 'email', withheld: false, at: at(2) },
      { field: 'recovery_url', withheld: true, at: at(3) },
      { field: 'phone', withheld: null, at: at(3) },
    ]);
    expect(caps.map((c) => [c.field, c.status, c.permission])).toEqual([
      ['email', 'on', 'member:email:read'],
      ['phone', 'unknown', 'member:phone:read'],
      ['recovery_url', 'off', 'member:basic:read'],
    ]);
  });

  it('README lists every permission a feature needs', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('### Whop app permissions'));
    for (const { permissions } of FEATURE_PERMISSIONS) for (const p of permissions) expect(table).toContain(`\`${p}\``);
  });
});

describe('looking up bare ids', () => {
  const clock = { current: at(0), now() { return this.current; } };
  function gatewayCounting() {
    const calls: string[] = [];
    const gateway: Pick<WhopGateway, 'getPayment' | 'getMembership'> = {
      getPayment: async (id) => {
        calls.push(`payment ${id}`);
        if (id === 'pay_flaky') return { ok: false, provider: 'whop', retryable: true, status: 503, retryAfterMs: null, message: 'Whop 503' };
        return { ok: true, value: { id, companyId: 'biz_7Hq2LmN4pR8sTx', membershipId: 'mem_3kVx9QwErT5yUi', userId: 'user_Ab12Cd34Ef56Gh', status: 'paid', substatus: 'succeeded', createdAt: null } };
      },
      getMembership: async (id) => {
        calls.push(`membership ${id}`);
        return { ok: true, value: { id, status: 'active', manageUrl: null, userId: 'user_Ab12Cd34Ef56Gh', userName: null, email: 'dana.reyes@example.com', productId: null, productTitle: null, companyId: null } };
      },
    };
    return { calls, gateway };
  }

  it('a refund with a bare payment id asks Whop for the payment and its member once, then answers from the cache until the TTL', async () => {
    const { calls, gateway } = gatewayCounting();
    const resolve = createReferenceResolver(gateway, { clock, ttlMs: 60_000 });
    const body = buildWhopEventIn('2026-09-15', 'refund.created');
    const first = await resolve(body);
    expect(first.ok && first.references.payments.get('pay_9QwErT5yUi3kVx')).toMatchObject({ membershipId: 'mem_3kVx9QwErT5yUi' });
    expect(first.ok && first.references.memberships.get('mem_3kVx9QwErT5yUi')).toMatchObject({ email: 'dana.reyes@example.com' });
    await resolve(body);
    expect(calls).toEqual(['payment pay_9QwErT5yUi3kVx', 'membership mem_3kVx9QwErT5yUi']);
    clock.current = at(1);
    await resolve(body);
    expect(calls).toHaveLength(4);
  });

  it('nested payloads need no call; a retryable failure asks for a retry; no gateway resolves nothing', async () => {
    const { calls, gateway } = gatewayCounting();
    const resolve = createReferenceResolver(gateway, { clock });
    expect((await resolve(buildWhopEventIn('2026-07-20', 'payment.failed'))).ok).toBe(true);
    expect(calls).toEqual([]);
    expect(await resolve(buildWhopEventIn('2026-09-15', 'refund.created', { data: { payment: 'pay_flaky' } }))).toMatchObject({ ok: false, retryable: true });
    const none = await createReferenceResolver(null, { clock })(buildWhopEventIn('2026-09-15', 'refund.created'));
    expect(none.ok && none.references.payments.size).toBe(0);
  });
});
