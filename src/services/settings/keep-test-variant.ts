import type { AppDb } from '../../db/client.ts';
import type { NudgeSettings, SettingsProblem } from '../../domain/nudge-settings.ts';
import { keepTestVariant } from '../../domain/variant-copy.ts';
import type { TestVariant } from '../../domain/variant-test.ts';
import { saveSettingsChange } from './update-company-settings.ts';

export type KeepTestVariantResult =
  | { ok: true; version: number; settings: NudgeSettings }
  | { ok: false; reason: 'invalid_settings'; problems: SettingsProblem[] }
  | { ok: false; reason: 'no_test' }
  | { ok: false; reason: 'test_changed' };

/**
 * Ends the running variant test by keeping one variant (#15 §5): B's text becomes the template
 * (A's is kept as it is), as a new settings version. `startedVersion` names the test the creator
 * looked at: a test ended or restarted meanwhile is refused rather than settled blind. Cases
 * already in the test keep their variant's text (they keep their settings version).
 */
export async function keepTestVariantWinner(deps: { db: AppDb }, input: { companyId: string; actor: string; winner: TestVariant; startedVersion: number }): Promise<KeepTestVariantResult> {
  const result = await saveSettingsChange<'no_test' | 'test_changed'>(deps, input.companyId, input.actor, (current) => {
    const test = current.nudge.variant_test;
    if (test === null) return { refused: 'no_test' };
    if (test.started_version !== input.startedVersion) return { refused: 'test_changed' };
    return keepTestVariant(current.nudge, input.winner);
  });
  if (result.ok || result.reason === 'invalid_settings') return result;
  return result.reason === 'no_test' ? { ok: false, reason: 'no_test' } : { ok: false, reason: 'test_changed' };
}
