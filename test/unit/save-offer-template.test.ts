import { describe, expect, it } from 'vitest';
import { DEFAULT_NUDGE_SETTINGS, parseNudgeSettings } from '../../src/domain/nudge-settings.ts';
import { composeSaveOffer } from '../../src/domain/save-offer.ts';
import { applySaveOfferDraft, buildSaveOfferDraftPrompt, parseSaveOfferDraftAnswer } from '../../src/domain/save-offer-draft.ts';
import { findSaveOfferTextProblems, selectSaveOfferTemplate } from '../../src/domain/save-offer-template.ts';

// Issue #15 §4: save-offer copy as templates, per offer kind x channel and the offer page.
const link = (c: string) => `https://x.test/r?c=${c}`;
const compose = (over: Partial<Parameters<typeof composeSaveOffer>[0]> = {}) =>
  composeSaveOffer({ offer: { kind: 'free_days', days: 7 }, companyName: 'Acme', productTitle: 'Pro', linkFor: link, unsubscribeUrl: 'https://x.test/u', ...over });
const SCHEDULED = 'You set Pro to cancel at the end of this period.';

describe('default save-offer copy is the words members got before it was editable', () => {
  it('free days, on every channel and the page', () => {
    const copy = compose();
    const lead = `${SCHEDULED} Keep it and we add 7 free days to your membership.`;
    expect(copy.page).toEqual({ title: 'Stay with Acme: 7 days on us', lead, button: 'Keep Pro and get 7 free days' });
    expect(copy.push).toEqual({ title: 'Stay with Acme: 7 days on us', body: `${lead} Keep Pro and get 7 free days: ${link('push')}` });
    expect(copy.dm).toEqual({ body: `${lead}\n\nKeep Pro and get 7 free days: ${link('dm')}` });
    expect(copy.email.subject).toBe('Stay with Acme: 7 days on us');
    expect(copy.email.text).toBe(
      `${lead}\n\nKeep it: ${link('email')}\n\nIf you do nothing, your cancellation goes ahead as planned.\n\n--\nDon't want these emails? Unsubscribe: https://x.test/u`,
    );
  });

  it('a promo code, a pause, the creator’s message and the default note', () => {
    const promo = compose({ offer: { kind: 'promo_code', days: null }, promo: { code: 'SAVE-7K3QM9TX', offer: '20 % off for 3 months' } });
    expect(promo.page).toEqual({
      title: 'Stay with Acme for less: 20 % off for 3 months',
      lead: `${SCHEDULED} Keep it and use promo code SAVE-7K3QM9TX for 20 % off for 3 months.`,
      button: 'Keep Pro with 20 % off for 3 months',
    });
    const pause = compose({ offer: { kind: 'pause', days: 30 } });
    expect(pause.page.title).toBe('Pause Pro for 30 days instead');
    expect(pause.dm.body).toBe(
      `${SCHEDULED} Keep it and we pause your payments for 30 days: you keep access, you are not charged, and billing resumes by itself after that.\n\nKeep Pro and pause payments for 30 days: ${link('dm')}`,
    );
    const message = compose({ offer: { kind: 'message', days: null }, message: 'New lessons on Friday.' });
    expect(message.page.lead).toBe(`${SCHEDULED} Acme: “New lessons on Friday.” If you change your mind, one click keeps your membership as it is.`);
    const note = compose({ offer: { kind: 'message', days: null }, companyName: null, productTitle: null });
    expect(note.page).toEqual({
      title: 'A note from the team',
      lead: 'You set your membership to cancel at the end of this period. the team would love you to stay: if you change your mind, one click keeps your membership as it is.',
      button: 'Keep your membership',
    });
  });

  it('the email HTML carries the same words, escaped, with the link clickable', () => {
    const copy = compose({ offer: { kind: 'message', days: null }, message: '<b>stay</b> & {days}', companyName: 'Tom & <Jerry>' });
    expect(copy.email.html).toContain('<p><strong>A note from Tom &amp; &lt;Jerry&gt;</strong></p>');
    expect(copy.email.html).toContain('&lt;b&gt;stay&lt;/b&gt; &amp; {days}');
    expect(copy.email.html).toContain(`<a href="${link('email').replace('&', '&amp;')}">`);
    expect(copy.email.html).not.toContain('<Jerry>');
  });
});

describe('a company’s own save-offer copy', () => {
  const templates = {
    free_days: { email: { subject: '{days} days from {company}, on the house' }, page: { button: 'Yes, keep {product}' } },
    message: { dm: { body: 'Before you go[[: “{message}”]]. Keep {product}: {offer_url}' } },
  };

  it('replaces only the parts it wrote; the rest stays ours', () => {
    const copy = compose({ templates });
    expect(copy.email.subject).toBe('7 days from Acme, on the house');
    expect(copy.page.button).toBe('Yes, keep Pro');
    expect(copy.page.title).toBe('Stay with Acme: 7 days on us');
    expect(copy.push.title).toBe('Stay with Acme: 7 days on us');
  });

  it('a message offer without the creator’s message drops the [[ ]] that quotes it', () => {
    expect(compose({ templates, offer: { kind: 'message', days: null }, message: 'Hi!' }).dm.body).toBe(`Before you go: “Hi!”. Keep Pro: ${link('dm')}`);
    expect(compose({ templates, offer: { kind: 'message', days: null } }).dm.body).toBe(`Before you go. Keep Pro: ${link('dm')}`);
  });

  it('a promo offer whose code Whop refused reads as the message copy, never the promo copy', () => {
    const copy = compose({ templates: { promo_code: { dm: { body: 'Code {promo_code}: {offer_url}' } } }, offer: { kind: 'promo_code', days: null }, promo: null });
    expect(copy.dm.body).not.toContain('Code');
    expect(copy.page.title).toBe('A note from Acme');
  });

  it('is validated like the nudges’ templates, with the offer kind’s placeholders and the link rule', () => {
    const result = parseNudgeSettings({
      save_offers: {
        templates: {
          promo_code: { email: { body: 'Take {days} days: {offer_url}' }, push: { title: 'x'.repeat(121) } },
          pause: { dm: { body: 'Pause {product} for {days} days.' }, page: { lead: 'Go to {offer_url}', button: '  ' } },
          message: { sms: { body: 'hi {offer_url}' } },
        },
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { field: 'save_offers.templates.promo_code.email.body', message: expect.stringMatching(/^unknown placeholder \{days\}: a promo code offer knows .*\{promo_code\}/) },
        { field: 'save_offers.templates.promo_code.push.title', message: 'must be at most 120 characters' },
        { field: 'save_offers.templates.pause.dm.body', message: 'must contain {offer_url}, the link to the offer' },
        { field: 'save_offers.templates.pause.page.lead', message: 'the offer page is where {offer_url} leads: leave it out here' },
        { field: 'save_offers.templates.pause.page.button', message: 'must not be blank (leave it out to use the default)' },
        { field: 'save_offers.templates.message.sms', message: 'unknown setting' },
      ]),
    );
    expect(result.problems).toHaveLength(6);
  });

  it('saved valid copy round-trips; stored copy with old syntax still reads (the renderer leaves it as written)', () => {
    const saved = parseNudgeSettings({ save_offers: { templates } });
    expect(saved.ok && saved.settings.save_offers.templates).toEqual(templates);
    expect(DEFAULT_NUDGE_SETTINGS.save_offers.templates).toEqual({});
    const stored = parseNudgeSettings({ save_offers: { templates: { pause: { dm: { body: 'Pause {days days: {offer_url}' } } } } }, { stored: true });
    expect(stored.ok).toBe(true);
  });

  it('one text’s problems, as the settings form shows them', () => {
    expect(findSaveOfferTextProblems('free_days', 'push', 'body', '{{days}} free: {offer_url}')).toEqual(['use single braces: {days} instead of {{days}}']);
    expect(findSaveOfferTextProblems('free_days', 'push', 'title', 'No link needed in a title')).toEqual([]);
  });
});

describe('AI drafts of save-offer copy', () => {
  const brief = { product: 'A daily trading newsletter', tone: 'warm', language: 'English' };

  it('the prompt explains the offer and lists only its placeholders; the page gets no link', () => {
    const current = selectSaveOfferTemplate({}, 'pause', false).dm as unknown as Record<string, string>;
    const [system, user] = buildSaveOfferDraftPrompt({ offer: 'pause', channel: 'dm' }, brief, current);
    expect(user!.content).toContain('we pause their billing for {days} days');
    expect(user!.content).toContain(JSON.stringify({ body: current.body }));
    expect(system!.content).toContain('- {offer_url}:');
    expect(system!.content).not.toContain('{promo_code}');
    expect(system!.content).not.toContain('{manage_url}');
    const [pageSystem] = buildSaveOfferDraftPrompt({ offer: 'promo_code', channel: 'page' }, brief, {});
    expect(pageSystem!.content).toContain('"title", "lead", "button"');
    expect(pageSystem!.content).toContain('- {promo_code}:');
    expect(pageSystem!.content).not.toContain('- {offer_url}');
  });

  it('an answer passes the checks a saved text passes, for its own fields only', () => {
    const target = { offer: 'promo_code', channel: 'dm' } as const;
    expect(parseSaveOfferDraftAnswer(JSON.stringify({ body: 'Use {promo_code}: {offer_url}' }), target, DEFAULT_NUDGE_SETTINGS)).toEqual({ ok: true, parts: { body: 'Use {promo_code}: {offer_url}' } });
    const broken = parseSaveOfferDraftAnswer(JSON.stringify({ body: 'Update your card: {manage_url} within {days} days' }), target, DEFAULT_NUDGE_SETTINGS);
    expect(broken).toMatchObject({ ok: false, reason: 'invalid_template' });
    expect(!broken.ok && broken.problems).toEqual([
      expect.stringMatching(/^body: unknown placeholder \{manage_url\}/),
      expect.stringMatching(/^body: unknown placeholder \{days\}/),
      'body: must contain {offer_url}, the link to the offer',
    ]);
    expect(parseSaveOfferDraftAnswer('{"title":"x"}', { offer: 'free_days', channel: 'page' }, DEFAULT_NUDGE_SETTINGS)).toMatchObject({ ok: false, reason: 'not_json', problems: ['lead: missing from the answer', 'button: missing from the answer'] });
  });

  it('approving puts the parts in place without touching the other texts', () => {
    const before = { pause: { email: { subject: 'Keep it' }, dm: { body: 'a {offer_url}' } } };
    expect(applySaveOfferDraft(before, { offer: 'pause', channel: 'email' }, { subject: 'S', body: 'B {offer_url}' })).toEqual({ pause: { email: { subject: 'S', body: 'B {offer_url}' }, dm: { body: 'a {offer_url}' } } });
    expect(before.pause.email).toEqual({ subject: 'Keep it' });
  });
});
