import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideContact, type ContactInput, type ContactPolicy } from '../../src/domain/contact-policy.ts';
import { isInQuietHours } from '../../src/domain/nudge-schedule.ts';

const HOUR = 3_600_000;
/** Wednesday 2 December 2026, 15:00 UTC: 10:00 in New York, 16:00 in Berlin. */
const NOW = new Date('2026-12-02T15:00:00Z');
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);

const NO_LIMITS: ContactPolicy = { memberCap: null, quietHours: null };
function input(over: Partial<ContactInput> = {}): ContactInput {
  return { now: NOW, channels: ['push', 'dm', 'email'], membershipEnded: false, memberTimeZone: null, memberNudgesAt: [], sentForInvoiceStep: [], mustSendBefore: null, ...over };
}

describe('contact policy', () => {
  it('sends every channel when nothing holds the step', () => {
    expect(decideContact(NO_LIMITS, input())).toEqual({ send: true, channels: ['push', 'dm', 'email'], skipped: [] });
  });

  it('sends nothing, ever, once the membership was cancelled or the member left', () => {
    expect(decideContact(NO_LIMITS, input({ membershipEnded: true }))).toEqual({ send: false, reason: 'membership_ended', until: null });
  });

  it('a channel that already carried this invoice step is not sent again; the others still go', () => {
    expect(decideContact(NO_LIMITS, input({ sentForInvoiceStep: ['email'] }))).toEqual({ send: true, channels: ['push', 'dm'], skipped: ['email'] });
    expect(decideContact(NO_LIMITS, input({ sentForInvoiceStep: ['push', 'dm', 'email'] }))).toEqual({ send: false, reason: 'already_sent_for_invoice', until: null });
  });

  it('the per-member cap holds a step until the oldest nudge in the window leaves it', () => {
    const policy: ContactPolicy = { memberCap: { maxNudges: 2, windowHours: 24 }, quietHours: null };
    expect(decideContact(policy, input({ memberNudgesAt: [at(-30), at(-3)] }))).toMatchObject({ send: true });
    expect(decideContact(policy, input({ memberNudgesAt: [at(-20), at(-3)] }))).toEqual({ send: false, reason: 'member_cap', until: at(4) });
  });

  it('quiet hours are read in the member zone when known, else in the company zone', () => {
    // 22:00–08:00 quiet; 15:00 UTC is 10:00 in New York but 00:00 in Tokyo (next day).
    const policy: ContactPolicy = { memberCap: null, quietHours: { start_hour: 22, end_hour: 8, timezone: 'America/New_York' } };
    expect(decideContact(policy, input())).toMatchObject({ send: true });
    expect(decideContact(policy, input({ memberTimeZone: 'Asia/Tokyo' }))).toEqual({ send: false, reason: 'quiet_hours', until: new Date('2026-12-02T23:00:00Z') });
  });

  it('a hold that would end after Whop cancels (or the window ends) is final', () => {
    const policy: ContactPolicy = { memberCap: { maxNudges: 1, windowHours: 48 }, quietHours: null };
    expect(decideContact(policy, input({ memberNudgesAt: [at(-1)], mustSendBefore: at(10) }))).toEqual({ send: false, reason: 'window_closed', until: null });
  });

  it('cap and quiet hours together: the step waits for both', () => {
    // Cap frees at 04:00 New York (quiet until 08:00): the step goes at 08:00 New York.
    const policy: ContactPolicy = { memberCap: { maxNudges: 1, windowHours: 24 }, quietHours: { start_hour: 22, end_hour: 8, timezone: 'America/New_York' } };
    const decision = decideContact(policy, input({ memberNudgesAt: [new Date('2026-12-02T09:00:00Z')] }));
    expect(decision).toEqual({ send: false, reason: 'member_cap', until: new Date('2026-12-03T13:00:00Z') });
  });
});

describe('contact policy properties', () => {
  const zones = fc.constantFrom('UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe');
  const arb = fc.record({
    nowH: fc.integer({ min: 0, max: 24 * 400 }),
    sentH: fc.array(fc.integer({ min: -200, max: 0 }), { maxLength: 8 }),
    max: fc.integer({ min: 1, max: 4 }),
    win: fc.integer({ min: 1, max: 96 }),
    quiet: fc.option(fc.record({ start_hour: fc.integer({ min: 0, max: 23 }), end_hour: fc.integer({ min: 0, max: 23 }), timezone: zones }).filter((q) => q.start_hour !== q.end_hour)),
    memberZone: fc.option(zones),
  });

  it('a held step, asked again at its `until`, is sent: the cap is free and it is outside quiet hours', () => {
    fc.assert(
      fc.property(arb, ({ nowH, sentH, max, win, quiet, memberZone }) => {
        const now = new Date(Date.UTC(2026, 0, 1) + nowH * HOUR);
        const policy: ContactPolicy = { memberCap: { maxNudges: max, windowHours: win }, quietHours: quiet };
        const base = input({ now, memberTimeZone: memberZone, memberNudgesAt: sentH.map((h) => new Date(now.getTime() + h * HOUR)) });
        const first = decideContact(policy, base);
        if (first.send) return;
        expect(first.until).not.toBeNull();
        expect(first.until!.getTime()).toBeGreaterThan(now.getTime());
        const again = decideContact(policy, { ...base, now: first.until! });
        expect(again.send).toBe(true);
        if (quiet) expect(isInQuietHours(first.until!, { ...quiet, timezone: memberZone ?? quiet.timezone })).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never sends while the member already had the cap of nudges in the window', () => {
    fc.assert(
      fc.property(arb, ({ nowH, sentH, max, win }) => {
        const now = new Date(Date.UTC(2026, 0, 1) + nowH * HOUR);
        const sent = sentH.map((h) => new Date(now.getTime() + h * HOUR));
        const inWindow = sent.filter((d) => d.getTime() > now.getTime() - win * HOUR).length;
        const decision = decideContact({ memberCap: { maxNudges: max, windowHours: win }, quietHours: null }, input({ now, memberNudgesAt: sent }));
        expect(decision.send).toBe(inWindow < max);
      }),
      { numRuns: 300 },
    );
  });
});
