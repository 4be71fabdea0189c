import { describe, expect, it } from 'vitest';
import { DECLINE_VARIANTS } from '../../src/domain/decline-variant.ts';
import { CHANNELS, PLACEHOLDERS } from '../../src/domain/message-template.ts';
import { DEFAULT_NUDGE_SETTINGS, parseNudgeSettings } from '../../src/domain/nudge-settings.ts';
import { applyDraft, buildDraftPrompt, draftFieldKey, findBriefProblems, listDraftTargets, parseDraftAnswer, type DraftTarget } from '../../src/domain/template-draft.ts';

const BRIEF = { product: 'A daily trading newsletter', tone: 'warm', language: 'German' };
const EMAIL: DraftTarget = { channel: 'email', step: null, variant: 'card_expired' };
const good = { subject: 'Neue Karte für {product}', body: 'Hallo[[ {member_name}]], bitte hier aktualisieren: {manage_url}' };

describe('AI draft prompt', () => {
  it('names the channel, reminder, reason, language, tone, product, every placeholder and the exact keys to answer with', () => {
    const [system, user] = buildDraftPrompt({ channel: 'email', step: 1, variant: 'card_expired' }, BRIEF, { nudgeOffsetsDays: [0, 2, 4], incentiveDays: 3, current: { subject: 'S', body: 'B' } });
    for (const name of PLACEHOLDERS) expect(system!.content).toContain(`{${name}}`);
    expect(system!.content).toContain('exactly these string keys: "subject", "body"');
    expect(system!.content).toContain('subject 200, body 20000');
    expect(user!.content).toContain('reminder 2 of 3, sent 2 day(s) after');
    expect(user!.content).toContain('card on file has expired');
    expect(user!.content).toContain('Language: German.');
    expect(user!.content).toContain('The product, as the creator describes it: A daily trading newsletter');
    expect(user!.content).toContain('offers 3 free days');
    expect(user!.content).toContain('{"subject":"S","body":"B"}');
  });

  it('without an incentive it says not to promise free days', () => {
    const [, user] = buildDraftPrompt({ channel: 'push', step: null, variant: 'generic' }, { ...BRIEF, language: '' }, { nudgeOffsetsDays: [0], incentiveDays: 0, current: {} });
    expect(user!.content).toContain('do not promise free days');
    expect(user!.content).toContain('Language: English.');
    expect(user!.content).toContain('every reminder (1 in all, on days 0 after');
  });
});

describe('AI draft answers', () => {
  it.each([
    ['plain JSON', JSON.stringify(good), { ok: true }],
    ['a ```json fence', '```json\n' + JSON.stringify(good) + '\n```', { ok: true }],
    ['extra keys (ignored)', JSON.stringify({ ...good, notes: 'x' }), { ok: true }],
    ['no text', '  ', { ok: false, reason: 'no_text' }],
    ['prose', 'Here you go: Hello!', { ok: false, reason: 'not_json' }],
    ['a JSON array', '[1]', { ok: false, reason: 'not_json' }],
    ['a missing part', JSON.stringify({ body: good.body }), { ok: false, reason: 'not_json', problems: ['subject: missing from the answer'] }],
    ['an unknown placeholder', JSON.stringify({ ...good, subject: 'Use {coupon}' }), { ok: false, reason: 'invalid_template', problems: ['subject: unknown placeholder {coupon}'] }],
    ['double braces', JSON.stringify({ ...good, subject: 'Hi {{product}}' }), { ok: false, reason: 'invalid_template', problems: ['subject: use single braces: {product} instead of {{product}}'] }],
    ['an unclosed section', JSON.stringify({ ...good, body: '[[Hi {member_name} {manage_url}' }), { ok: false, reason: 'invalid_template', problems: ['body: optional section [[ is never closed with ]]'] }],
    ['a too long subject', JSON.stringify({ ...good, subject: 'x'.repeat(201) }), { ok: false, reason: 'invalid_template', problems: ['subject: must be at most 200 characters'] }],
    ['a blank subject', JSON.stringify({ ...good, subject: ' ' }), { ok: false, reason: 'invalid_template', problems: ['subject: must not be blank (leave it out to use the default)'] }],
    ['no payment link', JSON.stringify({ ...good, body: 'Hallo' }), { ok: false, reason: 'invalid_template', problems: ['body: must contain {manage_url}, the link to update the payment'] }],
  ])('%s', (_name, content, expected) => {
    expect(parseDraftAnswer(content, EMAIL, DEFAULT_NUDGE_SETTINGS)).toMatchObject(expected);
  });

  it('an old invalid text elsewhere in the settings is not blamed on the draft', () => {
    const stored = parseNudgeSettings({ templates: { email: { subject: { generic: 'old {amount' } } } }, { stored: true });
    expect(stored.ok).toBe(true);
    if (stored.ok) expect(parseDraftAnswer(JSON.stringify(good), EMAIL, stored.settings)).toMatchObject({ ok: true });
  });
});

describe('applying a draft (what an approval saves)', () => {
  it('puts the parts at the target and keeps every other text, without mutating the input', () => {
    const templates = { email: { subject: { generic: 'Mine' } }, dm: { body: { generic: 'DM {manage_url}' } } };
    const frozen = JSON.stringify(templates);
    expect(applyDraft(templates, { channel: 'email', step: 2, variant: 'card_expired' }, good)).toEqual({
      email: { subject: { generic: 'Mine' }, steps: { '2': { subject: { card_expired: good.subject }, body: { card_expired: good.body } } } },
      dm: { body: { generic: 'DM {manage_url}' } },
    });
    expect(applyDraft(templates, EMAIL, good).email).toEqual({ subject: { generic: 'Mine', card_expired: good.subject }, body: { card_expired: good.body } });
    expect(JSON.stringify(templates)).toBe(frozen);
    expect(draftFieldKey({ channel: 'dm', step: 0, variant: 'generic' }, 'body')).toBe('templates.dm.steps.0.body.generic');
  });

  it('every target the settings offer can be drafted: channel x (every step and each step) x decline variant', () => {
    const targets = listDraftTargets({ reminder_offsets_days: [0, 2, 4] });
    expect(targets).toHaveLength(CHANNELS.length * 4 * DECLINE_VARIANTS.length);
    // Each target's applied draft is a valid settings save.
    for (const target of targets) {
      const parts: Record<string, string> = target.channel === 'email' ? good : target.channel === 'push' ? { title: 'T {product}', body: good.body } : { body: good.body };
      expect(parseNudgeSettings({ reminder_offsets_days: [0, 2, 4], templates: applyDraft({}, target, parts) }).ok, JSON.stringify(target)).toBe(true);
    }
  });
});

describe('the brief', () => {
  it.each([
    [{ ...BRIEF }, []],
    [{ ...BRIEF, product: ' ' }, ['brief.product']],
    [{ ...BRIEF, product: 'Mail dana@example.com' }, ['brief.product']],
    [{ ...BRIEF, tone: 'like we told user_AbC123xyz' }, ['brief.tone']],
    [{ ...BRIEF, product: 'mem_9f8e7d6c and x'.padEnd(1_001, 'x') }, ['brief.product', 'brief.product']],
  ])('%j → problems on %j', (brief, fields) => {
    expect(findBriefProblems(brief).map((p) => p.field)).toEqual(fields);
  });
});
