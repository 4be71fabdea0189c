import { describe, expect, it } from 'vitest';
import { describePromoCodeState, describePromoOffer, promoCodeFrom, promoCostCents, whyPromoTermsDoNotApply, type PromoTerms } from '../../src/domain/promo-code.ts';
import { DEFAULT_TEMPLATES, placeholderValuesOf, renderTemplate } from '../../src/domain/message-template.ts';
import { DEFAULT_NUDGE_SETTINGS, describeSettingsProblems, parseNudgeSettings } from '../../src/domain/nudge-settings.ts';

const PCT: PromoTerms = { promo_type: 'percentage', percent_off: 20, duration_months: 3, valid_days: 14 };
const FLAT: PromoTerms = { promo_type: 'flat_amount', amount_off_cents: 500, currency: 'usd', duration_months: 1, valid_days: 7 };
const NOW = new Date('2026-05-10T00:00:00.000Z');

describe('promo code terms and state', () => {
  it('codes are SAVE- plus 8 unambiguous symbols, the same bytes giving the same code', () => {
    const bytes = Uint8Array.from([0, 1, 2, 30, 31, 62, 200, 255]);
    expect(promoCodeFrom(bytes)).toMatch(/^SAVE-[A-HJKMNP-Z2-9]{8}$/);
    expect(promoCodeFrom(bytes)).toBe(promoCodeFrom(bytes));
    expect(() => promoCodeFrom(new Uint8Array(3))).toThrow();
  });

  it.each<[PromoTerms, string]>([
    [PCT, '20 % off for 3 months'],
    [FLAT, '$5.00 off for 1 month'],
  ])('%j reads "%s"', (terms, text) => expect(describePromoOffer(terms)).toBe(text));

  it.each<[string, PromoTerms, { totalCents: number | null; subtotalCents: number | null }, number]>([
    ['the payment\'s own discount × months', PCT, { totalCents: 2399, subtotalCents: 2999 }, 1800],
    ['without a subtotal, the percent of what was paid', PCT, { totalCents: 2400, subtotalCents: null }, 1800],
    ['a flat amount without a subtotal', FLAT, { totalCents: 2499, subtotalCents: null }, 500],
    ['nothing known: no cost invented', { ...PCT, percent_off: 100 }, { totalCents: 0, subtotalCents: null }, 0],
  ])('cost at redemption: %s', (_, terms, payment, cents) => expect(promoCostCents(terms, payment)).toBe(cents));

  it('a flat amount applies to its own currency only', () => {
    expect(whyPromoTermsDoNotApply(FLAT, 'usd')).toBeNull();
    expect(whyPromoTermsDoNotApply(FLAT, 'eur')).toBe('the flat amount is in USD and this case is in EUR');
    expect(whyPromoTermsDoNotApply(PCT, 'eur')).toBeNull();
  });

  it.each<[string, Parameters<typeof describePromoCodeState>[0], string]>([
    ['created, unused', { code: 'SAVE-AAAA', terms: PCT, status: 'granted', expiresAt: new Date('2026-05-20T00:00:00Z'), redeemedAt: null, error: null }, 'Promo code SAVE-AAAA: 20 % off for 3 months, not redeemed yet (valid until 2026-05-20)'],
    ['redeemed', { code: 'SAVE-AAAA', terms: PCT, status: 'granted', expiresAt: new Date('2026-05-20T00:00:00Z'), redeemedAt: new Date('2026-05-09T10:00:00Z'), error: null }, 'Promo code SAVE-AAAA: 20 % off for 3 months, redeemed on 2026-05-09'],
    ['expired unused', { code: 'SAVE-AAAA', terms: PCT, status: 'granted', expiresAt: new Date('2026-05-09T00:00:00Z'), redeemedAt: null, error: null }, 'Promo code SAVE-AAAA: 20 % off for 3 months, expired on 2026-05-09 without being redeemed'],
    ['still being created: never called sent', { code: 'SAVE-AAAA', terms: PCT, status: 'granting', expiresAt: null, redeemedAt: null, error: null }, 'Promo code SAVE-AAAA: 20 % off for 3 months, being created at Whop (not sent to the member yet)'],
    ['refused', { code: 'SAVE-AAAA', terms: FLAT, status: 'failed', expiresAt: null, redeemedAt: null, error: 'not created: the flat amount is in USD and this case is in EUR' }, 'Promo code SAVE-AAAA: $5.00 off for 1 month, not created (not created: the flat amount is in USD and this case is in EUR)'],
  ])('the case says where a code stands: %s', (_, state, text) => expect(describePromoCodeState(state, NOW)).toBe(text));
});

describe('promo code settings', () => {
  it('default to free days, with 20 % off for 3 months ready when a creator picks a code', () => {
    expect(DEFAULT_NUDGE_SETTINGS.incentive_type).toBe('free_days');
    expect(DEFAULT_NUDGE_SETTINGS.promo_code).toEqual(PCT);
  });

  it('accept a flat amount and store its currency lower-case', () => {
    const parsed = parseNudgeSettings({ incentive_type: 'promo_code', promo_code: { ...FLAT, currency: 'USD' } });
    expect(parsed.ok && parsed.settings.promo_code).toEqual(FLAT);
  });

  it('name every bad field at once', () => {
    const parsed = parseNudgeSettings({ promo_code: { promo_type: 'percentage', percent_off: 0, duration_months: 40, valid_days: 2.5 } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(describeSettingsProblems(parsed.problems)).toEqual([
      'promo_code.percent_off: must be at least 1 percent',
      'promo_code.duration_months: must be at most 36 months',
      'promo_code.valid_days: must be a whole number of days from 1 to 90',
    ]);
    const flat = parseNudgeSettings({ promo_code: { promo_type: 'flat_amount', amount_off_cents: 500, duration_months: 1, valid_days: 7 } });
    expect(!flat.ok && describeSettingsProblems(flat.problems)).toEqual(['promo_code.currency: must be a three-letter currency code such as usd']);
    const kind = parseNudgeSettings({ promo_code: { promo_type: 'free_money' } });
    expect(!kind.ok && kind.problems.map((p) => p.field)).toEqual(['promo_code.promo_type']);
  });

  it('{promo_code} and {promo_offer} are placeholders like the others; {coupon} is not', () => {
    expect(parseNudgeSettings({ templates: { push: { body: { generic: 'Use {promo_code}: {promo_offer} {manage_url}' } } } }).ok).toBe(true);
    const bad = parseNudgeSettings({ templates: { push: { body: { generic: 'Use {coupon}' } } } });
    expect(!bad.ok && describeSettingsProblems(bad.problems)).toEqual(['templates.push.body.generic: unknown placeholder {coupon}']);
  });
});

describe('the default copy and the promo code', () => {
  const values = (promo: { code: string; offer: string } | null, incentiveDays = 0) =>
    placeholderValuesOf({ memberName: 'Pat', product: 'Signals', amount: '$29.99', manageUrl: 'https://m.example/x', incentiveDays, promo });

  it('mentions the code on every channel when the case has one', () => {
    const v = values({ code: 'SAVE-AAAA', offer: '20 % off for 3 months' });
    expect(renderTemplate(DEFAULT_TEMPLATES.email.generic.body, v)).toContain('use the code SAVE-AAAA for 20 % off for 3 months');
    expect(renderTemplate(DEFAULT_TEMPLATES.push.generic.body, v)).toContain('Use code SAVE-AAAA for 20 % off for 3 months.');
    expect(renderTemplate(DEFAULT_TEMPLATES.dm.card_expired.body, v)).toContain('**SAVE-AAAA**');
  });

  it('says nothing of a code before Whop has one, and leaves no gap where it would be', () => {
    const email = renderTemplate(DEFAULT_TEMPLATES.email.generic.body, values(null, 3));
    expect(email).not.toMatch(/code|promo/i);
    expect(email).toContain("we'll add 3 free days");
    expect(email).not.toContain('\n\n\n');
    expect(renderTemplate(DEFAULT_TEMPLATES.email.generic.body, values(null))).not.toContain('\n\n\n');
  });
});
