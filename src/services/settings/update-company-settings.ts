import { sql } from 'drizzle-orm';
import type { AppDb, AppTx } from '../../db/client.ts';
import { ensureCompany, findCurrentSettings, findOrCreateCurrentSettings, saveSettingsVersion, type SettingsVersion } from '../../db/repositories/companies.repository.ts';
import { parseNudgeSettings, type NudgeSettings, type SettingsProblem } from '../../domain/nudge-settings.ts';
import { findVariantTestChangeProblems } from '../../domain/variant-copy.ts';

export type UpdateSettingsResult =
  | { ok: true; version: number; settings: NudgeSettings }
  | { ok: false; reason: 'invalid_settings'; problems: SettingsProblem[] };

/**
 * Validates and saves a company's settings as a new version. Every problem is named by its field
 * (e.g. `templates.email.subject.card_expired: unknown placeholder {coupon}`). Cases already running
 * keep the version they opened with; new cases use this one.
 *
 * A variant test (#15 §5) is started and ended only by its own routes (start-variant-test.ts,
 * keep-test-variant.ts): a save carries the running test forward, so a settings page loaded before
 * the test started cannot end it by sending `variant_test: null`; a different test in the body is
 * refused by name. While a test runs, its template's text cannot change (findVariantTestChangeProblems).
 */
export async function updateCompanySettings(deps: { db: AppDb }, input: { companyId: string; settings: unknown; actor: string }): Promise<UpdateSettingsResult> {
  const parsed = parseNudgeSettings(input.settings);
  if (!parsed.ok) return { ok: false, reason: 'invalid_settings', problems: parsed.problems };
  const result = await saveSettingsChange<never>(deps, input.companyId, input.actor, (current) => {
    const sent = parsed.settings.variant_test;
    const running = current.nudge.variant_test;
    if (sent !== null && JSON.stringify(sent) !== JSON.stringify(running))
      return [{ field: 'variant_test', message: 'a variant test is started with POST /api/companies/:companyId/variant-test and ended by keeping a winner, not by saving settings' }];
    return { ...parsed.settings, variant_test: running };
  });
  // A `never` refusal cannot occur; narrowing it away keeps this function's result as it was.
  if (!result.ok && result.reason !== 'invalid_settings') throw new Error('unreachable');
  return result;
}

/**
 * One settings change, serialised per company (an advisory lock: two saves never both read
 * version N): `change` gets the current settings and returns the next ones, problems, or a
 * refusal of the caller's own (`{ refused }`). The next settings are validated in full again,
 * with the variant test's rules.
 */
export async function saveSettingsChange<R extends string = never>(
  deps: { db: AppDb },
  companyId: string,
  actor: string,
  change: (current: SettingsVersion) => NudgeSettings | SettingsProblem[] | { refused: R },
): Promise<UpdateSettingsResult | { ok: false; reason: R; current: SettingsVersion }> {
  return deps.db.transaction(async (tx: AppTx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`company_settings:${companyId}`}, 0))`);
    // Read-only until the change is valid: a refused change writes nothing (not even version 1).
    const current = await findCurrentSettings(tx, companyId);
    const next = change(current);
    if (Array.isArray(next)) return { ok: false as const, reason: 'invalid_settings' as const, problems: next };
    if ('refused' in next) return { ok: false as const, reason: next.refused, current };
    const checked = parseNudgeSettings(next);
    if (!checked.ok) return { ok: false as const, reason: 'invalid_settings' as const, problems: checked.problems };
    const problems = findVariantTestChangeProblems(current.nudge, checked.settings);
    if (problems.length > 0) return { ok: false as const, reason: 'invalid_settings' as const, problems };
    await ensureCompany(tx, companyId, null);
    // A test starting in this change takes this version as its identity (started_version).
    const version = (await findOrCreateCurrentSettings(tx, companyId)).version + 1;
    const test = checked.settings.variant_test;
    const settings = test !== null && test.started_version === null ? { ...checked.settings, variant_test: { ...test, started_version: version } } : checked.settings;
    const saved = await saveSettingsVersion(tx, companyId, settings, actor);
    return { ok: true as const, version: saved, settings };
  });
}
