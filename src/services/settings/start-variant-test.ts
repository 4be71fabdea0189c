import type { AppDb } from '../../db/client.ts';
import type { NudgeSettings, SettingsProblem } from '../../domain/nudge-settings.ts';
import { saveSettingsChange } from './update-company-settings.ts';

export type StartVariantTestResult =
  | { ok: true; version: number; settings: NudgeSettings }
  | { ok: false; reason: 'invalid_settings'; problems: SettingsProblem[] }
  | { ok: false; reason: 'test_running'; startedVersion: number };

/**
 * Starts a variant test (#15 §5): variant B's text, approved by the creator (typed, or an AI draft
 * they read), runs beside today's template for new cases. A settings change like any other: a new
 * version, whose number becomes the test's identity (`started_version`, stamped by
 * saveSettingsChange and stored on each case in it). One test runs at a time, so a case's figures are never shared by two tests.
 */
export async function startVariantTest(deps: { db: AppDb }, input: { companyId: string; actor: string; test: { channel: unknown; step?: unknown; decline_variant?: unknown; b: unknown } }): Promise<StartVariantTestResult> {
  const result = await saveSettingsChange<'test_running'>(deps, input.companyId, input.actor, (current) => {
    if (current.nudge.variant_test !== null) return { refused: 'test_running' };
    return { ...current.nudge, variant_test: { ...input.test, started_version: null } } as unknown as NudgeSettings;
  });
  if (result.ok || result.reason === 'invalid_settings') return result;
  return { ok: false, reason: 'test_running', startedVersion: result.current.nudge.variant_test?.started_version ?? result.current.version };
}
