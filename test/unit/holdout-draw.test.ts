import { describe, expect, it } from 'vitest';
import { holdoutDrawOf } from '../../src/services/cases/assign-holdout.ts';

const members = Array.from({ length: 20_000 }, (_, i) => `user_${(i * 7919).toString(36)}${i}`);
const heldShare = (companyId: string, percent: number) => members.filter((m) => holdoutDrawOf({ companyId, memberKey: m }) < percent).length / members.length;

describe('the control-group draw', () => {
  it('holds out about holdout_percent of members, at any percent', () => {
    for (const percent of [5, 10, 25, 50]) {
      expect(Math.abs(heldShare('biz_a', percent) - percent / 100)).toBeLessThan(0.01);
    }
  });

  it('is the same for a member every time, and drawn afresh in another company', () => {
    const a = members.map((m) => holdoutDrawOf({ companyId: 'biz_a', memberKey: m }) < 10);
    expect(members.map((m) => holdoutDrawOf({ companyId: 'biz_a', memberKey: m }) < 10)).toEqual(a);
    const b = members.map((m) => holdoutDrawOf({ companyId: 'biz_b', memberKey: m }) < 10);
    const both = a.filter((held, i) => held && b[i]).length / members.length;
    // Independent draws: about 10 % × 10 % held out in both, not 10 % (the same members).
    expect(Math.abs(both - 0.01)).toBeLessThan(0.004);
  });
});
