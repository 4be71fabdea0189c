import type { AppDb } from '../../db/client.ts';
import { ensureCompany, saveSettingsVersion } from '../../db/repositories/companies.repository.ts';
import { parseOutreachSettings, type OutreachSettings, type SettingsProblem } from '../../domain/outreach-settings.ts';

export type UpdateSettingsResult =
  | { ok: true; version: number; settings: OutreachSettings }
  | { ok: false; reason: 'invalid_settings'; problems: SettingsProblem[] };

/**
 * Validates and saves a company's settings as a new version. Every problem is named by its field
 * (e.g. `templates.email.subject.card_expired: unknown placeholder {coupon}`). Cases already running
 * keep the version they opened with; new cases use this one.
 */
export async function updateCompanySettings(deps: { db: AppDb }, input: { companyId: string; settings: unknown; actor: string }): Promise<UpdateSettingsResult> {
  const parsed = parseOutreachSettings(input.settings);
  if (!parsed.ok) return { ok: false, reason: 'invalid_settings', problems: parsed.problems };
  const version = await deps.db.transaction(async (tx) => {
    await ensureCompany(tx, input.companyId, null);
    return saveSettingsVersion(tx, input.companyId, parsed.settings, input.actor);
  });
  return { ok: true, version, settings: parsed.settings };
}
