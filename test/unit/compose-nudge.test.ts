import { describe, expect, it } from 'vitest';
import { composeNudge } from '../../src/domain/compose-nudge.ts';
import { DECLINE_VARIANTS } from '../../src/domain/decline-variant.ts';
import { placeholderValuesOf, tidyUnknownProduct } from '../../src/domain/message-template.ts';
import { DEFAULT_NUDGE_SETTINGS } from '../../src/domain/nudge-settings.ts';

const texts = (product: string | null, variant: (typeof DECLINE_VARIANTS)[number], stepIndex: number, incentiveDays = 0) => {
  const m = composeNudge({
    settings: DEFAULT_NUDGE_SETTINGS,
    stepIndex,
    variant,
    values: placeholderValuesOf({ memberName: 'Ada', product, amount: '$29.99', manageUrl: 'https://whop.com/billing/manage/mem_1', incentiveDays }),
    unsubscribeUrl: 'https://example.test/u',
  });
  return [m.push.title, m.push.body, m.dm.body, m.email.subject, m.email.text, m.email.html];
};

describe('a nudge whose product title is unknown', () => {
  it.each(DECLINE_VARIANTS.flatMap((variant) => [0, 1, 2].map((step) => [variant, step] as const)))('%s step %i never reads "membership membership" or "your your"', (variant, step) => {
    for (const text of texts(null, variant, step)) {
      expect(text).not.toMatch(/membership\W+membership/i);
      expect(text).not.toMatch(/your\W+your/i);
      expect(text).not.toMatch(/The your membership team/);
    }
  });

  it('reads naturally: "Your membership payment didn\'t go through", signed by "The team"', () => {
    const [, , , subject, text] = texts(null, 'generic', 0);
    expect(subject).toBe("Your membership payment didn't go through");
    expect(text).toContain('The team');
    expect(texts(null, 'card_expired', 0)[3]).toBe('The card for your membership has expired');
  });

  it('a known title is used as written', () => {
    expect(texts('Alpha Signals', 'generic', 0)[3]).toBe("Your Alpha Signals membership payment didn't go through");
    expect(tidyUnknownProduct('Alpha membership membership')).toBe('Alpha membership');
  });

  it('free days are promised only when granted (incentive days > 0)', () => {
    expect(texts('Alpha', 'generic', 0, 0).join('\n')).not.toMatch(/free day/i);
    expect(texts('Alpha', 'generic', 0, 3).join('\n')).toMatch(/3 free days/);
  });
});
