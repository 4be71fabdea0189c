import { describe, expect, it } from 'vitest';
import { selectTemplate, templateReasonsOf } from '../../src/domain/message-template.ts';
import { DEFAULT_NUDGE_SETTINGS, parseNudgeSettings } from '../../src/domain/nudge-settings.ts';

describe('playbook settings', () => {
  it('ship on, with no own playbooks, no member cap and no digest', () => {
    expect(DEFAULT_NUDGE_SETTINGS).toMatchObject({ decline_playbooks: true, playbooks: {}, member_cap: null, digest: null });
  });

  it('stored settings saved before the switch existed read as on; a company that turned them off stays off', () => {
    const before = parseNudgeSettings({ reminder_offsets_days: [0, 3], holdout_percent: 0 }, { stored: true });
    expect(before).toMatchObject({ ok: true, settings: { decline_playbooks: true, reminder_offsets_days: [0, 3] } });
    const off = parseNudgeSettings({ decline_playbooks: false }, { stored: true });
    expect(off).toMatchObject({ ok: true, settings: { decline_playbooks: false } });
  });

  it("a creator's playbook for one category is kept, its steps sorted by time", () => {
    const parsed = parseNudgeSettings({
      decline_playbooks: true,
      playbooks: { insufficient_funds: { steps: [{ after_hours: 48, channels: ['email'], on_payday: true }, { after_hours: 0, channels: ['push', 'dm'] }] } },
    });
    expect(parsed).toMatchObject({
      ok: true,
      settings: {
        playbooks: {
          insufficient_funds: {
            steps: [
              { after_hours: 0, channels: ['push', 'dm'], retry_first: false, on_payday: false },
              { after_hours: 48, channels: ['email'], retry_first: false, on_payday: true },
            ],
            last_step_lead_hours: 12,
          },
        },
      },
    });
  });

  it('names every problem of a playbook at once', () => {
    const parsed = parseNudgeSettings({
      playbooks: { card_unusable: { steps: [{ after_hours: -1, channels: [] }, { after_hours: 2, channels: ['fax'] }] }, not_a_category: { steps: [] } },
      member_cap: { max_nudges: 0, window_hours: 24 },
      digest: { email: 'not an address' },
    });
    expect(parsed.ok).toBe(false);
    const fields = !parsed.ok ? parsed.problems.map((p) => p.field) : [];
    expect(fields).toEqual(
      expect.arrayContaining([
        'playbooks.card_unusable.steps.0.after_hours',
        'playbooks.card_unusable.steps.0.channels',
        'playbooks.card_unusable.steps.1.channels.0',
        'playbooks.not_a_category',
        'member_cap.max_nudges',
        'digest.email',
      ]),
    );
  });

  it('with playbooks on, step templates may name any step a playbook has', () => {
    const templates = { email: { steps: { '4': { subject: { card_unusable: 'Last call' } } } } };
    const off = parseNudgeSettings({ reminder_offsets_days: [0, 2], decline_playbooks: false, templates });
    expect(off.ok).toBe(false);
    // On by default: the key left out counts as on.
    const byDefault = parseNudgeSettings({ reminder_offsets_days: [0, 2], templates: { email: { steps: { '2': { subject: { card_unusable: 'Last call' } } } } } });
    expect(byDefault.ok).toBe(true);
    const on = parseNudgeSettings({
      reminder_offsets_days: [0, 2],
      playbooks: { card_unusable: { steps: [0, 1, 2, 3, 4].map((d) => ({ after_hours: d * 12, channels: ['email'] })) } },
      templates,
    });
    expect(on.ok).toBe(true);
  });
});

describe('templates by decline category', () => {
  it('an expired card gets the "new card" copy; a lost card too, never "approve it with your bank"', () => {
    const expired = selectTemplate(DEFAULT_NUDGE_SETTINGS, 'email', 0, 'card_expired', 'card_unusable');
    expect(expired.body).toMatch(/add a new card/i);
    const lost = selectTemplate(DEFAULT_NUDGE_SETTINGS, 'email', 0, 'card_declined', 'card_unusable');
    expect(lost.body).toMatch(/add a new card/i);
    expect(lost.body).not.toMatch(/approving the charge/i);
  });

  it('needs authentication asks to confirm the payment on every channel', () => {
    for (const channel of ['push', 'dm', 'email'] as const) {
      const t = selectTemplate(DEFAULT_NUDGE_SETTINGS, channel, 0, 'generic', 'needs_authentication');
      expect(Object.values(t).join(' ')).toMatch(/confirm/i);
      expect(Object.values(t).join(' ')).toContain('{manage_url}');
    }
  });

  it("a creator's category copy beats their variant copy, which beats our defaults", () => {
    const parsed = parseNudgeSettings({ templates: { push: { title: { card_unusable: 'New card please', card_expired: 'Expired', generic: 'Hello' } } } });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(selectTemplate(parsed.settings, 'push', 0, 'card_expired', 'card_unusable').title).toBe('New card please');
    expect(selectTemplate(parsed.settings, 'push', 0, 'card_expired').title).toBe('Expired');
    expect(selectTemplate(parsed.settings, 'push', 0, 'insufficient_funds', 'insufficient_funds').title).toBe('Hello');
  });

  it('reasons: category first when it has copy of its own, then the variant, then generic', () => {
    expect(templateReasonsOf('card_declined', 'issuer_soft_decline')).toEqual(['issuer_soft_decline', 'card_declined', 'generic']);
    expect(templateReasonsOf('insufficient_funds', 'insufficient_funds')).toEqual(['insufficient_funds', 'generic']);
    expect(templateReasonsOf('generic', 'unknown')).toEqual(['generic']);
  });
});

describe('the settings form: one playbook step a line', () => {
  it('reads hours, channels and flags, and writes them back the same', async () => {
    const { formatPlaybookSteps, parsePlaybookSteps } = await import('../../web/src/settings-model.ts');
    const parsed = parsePlaybookSteps('0h push dm\n24 email, push retry\n\n192h email dm retry payday');
    expect(parsed).toEqual({
      ok: true,
      steps: [
        { after_hours: 0, channels: ['push', 'dm'], retry_first: false, on_payday: false },
        { after_hours: 24, channels: ['email', 'push'], retry_first: true, on_payday: false },
        { after_hours: 192, channels: ['email', 'dm'], retry_first: true, on_payday: true },
      ],
    });
    if (parsed.ok) expect(formatPlaybookSteps(parsed.steps)).toBe('0h push dm\n24h email push retry\n192h email dm retry payday');
  });

  it('names the line and the word it cannot read', async () => {
    const { parsePlaybookSteps } = await import('../../web/src/settings-model.ts');
    expect(parsePlaybookSteps('soon push\n12h fax')).toEqual({
      ok: false,
      problems: ['Line 1: start with the hours after the failure, e.g. "24h".', 'Line 2: "fax" is not a channel (push, dm, email), "retry" or "payday".', 'Line 2: name at least one channel (push, dm, email).'],
    });
  });
});
