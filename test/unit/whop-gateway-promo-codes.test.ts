import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWhopGateway } from '../../src/integrations/whop/whop-gateway.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';

/** Promo codes through the gateway at both shapes: company_id before 2026-08-21-1, account_id from it. */
let fake: WhopApiFake;
beforeAll(async () => {
  fake = await startWhopApiFake({ apiKey: 'k' });
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const request = (code: string) => ({
  companyId: 'biz_p',
  code,
  promoType: 'percentage' as const,
  amountOff: 20,
  baseCurrency: 'usd',
  durationMonths: 3,
  productId: 'prod_p',
  expiresAt: new Date('2030-01-15T00:00:00.000Z'),
});

describe.each([
  { version: '2026-07-20', tenant: 'company_id' },
  { version: '2026-08-21-1', tenant: 'account_id' },
  { version: '2026-09-15', tenant: 'account_id' },
])('at $version', ({ version, tenant }) => {
  const gateway = () => createWhopGateway({ apiKey: 'k', baseURL: fake.baseURL, apiVersion: version, timeoutMs: 2000 });

  it(`creates a single-use code for the member's product, naming the company as ${tenant}`, async () => {
    const code = `SAVE-${version.replace(/-/g, '')}`;
    const created = await gateway().createPromoCode(request(code));
    expect(created).toMatchObject({ ok: true, value: { code, status: 'active', uses: 0, expiresAt: '2030-01-15T00:00:00.000Z' } });
    const [call] = fake.callsTo('POST', '/promo_codes');
    expect(call?.status).toBe(200);
    expect(call?.body).toMatchObject({ [tenant]: 'biz_p', code, promo_type: 'percentage', amount_off: 20, promo_duration_months: 3, stock: 1, unlimited_stock: false, one_per_customer: true, new_users_only: false, product_id: 'prod_p' });
    expect(Object.keys(call!.body as object)).not.toContain(tenant === 'account_id' ? 'company_id' : 'account_id');
  });

  it('finds a code by its text (any case) among those created since, and answers null for one Whop does not have', async () => {
    const code = `FIND-${version.replace(/-/g, '')}`;
    await gateway().createPromoCode(request(code));
    const found = await gateway().findPromoCode({ companyId: 'biz_p', code: code.toLowerCase(), createdAfter: new Date(Date.now() - 60_000) });
    expect(found).toMatchObject({ ok: true, value: { code } });
    expect(await gateway().findPromoCode({ companyId: 'biz_p', code: 'SAVE-NOTTHERE', createdAfter: new Date(Date.now() - 60_000) })).toEqual({ ok: true, value: null });
    expect(fake.callsTo('GET', '/promo_codes').every((c) => c.query[tenant] === 'biz_p' && c.status === 200)).toBe(true);
  });

  it('a second code with the same text is refused, never made (what makes a blind retry harmless)', async () => {
    const code = `TWICE-${version.replace(/-/g, '')}`;
    expect((await gateway().createPromoCode(request(code))).ok).toBe(true);
    expect(await gateway().createPromoCode(request(code))).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(fake.promoCodes.filter((p) => p.code === code)).toHaveLength(1);
  });

  it("a 429 maps to a retryable failure carrying Whop's Retry-After", async () => {
    fake.failNext('POST /promo_codes', [{ status: 429, headers: { 'retry-after': '30' } }]);
    expect(await gateway().createPromoCode(request('SAVE-LIMITED'))).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 30_000 });
  });
});
