import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { DEFAULT_NUDGE_SETTINGS, parseNudgeSettings, type NudgeSettings } from '../../domain/nudge-settings.ts';
import type { Queryable } from '../client.ts';
import { companies } from '../schema/companies.ts';
import { companySettings } from '../schema/company-settings.ts';

export interface SettingsVersion {
  version: number;
  attributionWindowDays: number;
  nudge: NudgeSettings;
}

type SettingsRow = { version: number; attributionWindowDays: number; settings: Record<string, unknown> };

/** Settings were validated on save; a row that no longer parses falls back to the defaults. */
function toSettingsVersion(row: SettingsRow): SettingsVersion {
  const parsed = parseNudgeSettings({ ...row.settings, attribution_window_days: row.attributionWindowDays }, { stored: true });
  const nudge = parsed.ok ? parsed.settings : { ...DEFAULT_NUDGE_SETTINGS, attribution_window_days: row.attributionWindowDays };
  return { version: row.version, attributionWindowDays: row.attributionWindowDays, nudge };
}

const settingsColumns = {
  version: companySettings.version,
  attributionWindowDays: companySettings.attributionWindowDays,
  settings: companySettings.settings,
};

/**
 * Creates the company on its first event. A later event that names the company (Whop's
 * `company.title`) renames it when the name changed or was unknown; one without a name leaves it
 * as is, and an unchanged name writes nothing.
 */
export async function ensureCompany(q: Queryable, companyId: string, title: string | null): Promise<void> {
  const name = title?.trim() || null;
  await q
    .insert(companies)
    .values({ companyId, title: name })
    .onConflictDoUpdate({
      target: companies.companyId,
      set: { title: sql`excluded.title`, updatedAt: sql`now()` },
      setWhere: sql`excluded.title IS NOT NULL AND ${companies.title} IS DISTINCT FROM excluded.title`,
    });
}

/** ensureCompany for many companies in one statement (the webhook batch path); ids must be distinct. */
export async function ensureCompanies(q: Queryable, entries: { companyId: string; title: string | null }[]): Promise<void> {
  if (entries.length === 0) return;
  await q
    .insert(companies)
    .values(entries.map((e) => ({ companyId: e.companyId, title: e.title?.trim() || null })))
    .onConflictDoUpdate({
      target: companies.companyId,
      set: { title: sql`excluded.title`, updatedAt: sql`now()` },
      setWhere: sql`excluded.title IS NOT NULL AND ${companies.title} IS DISTINCT FROM excluded.title`,
    });
}

/** The company's display name (Whop's title), or null when no event or seed named it yet. */
export async function findCompanyName(q: Queryable, companyId: string): Promise<string | null> {
  const rows = await q.select({ title: companies.title }).from(companies).where(eq(companies.companyId, companyId)).limit(1);
  return rows[0]?.title ?? null;
}

/** The company's newest settings version, creating version 1 with defaults when there is none. */
export async function findOrCreateCurrentSettings(q: Queryable, companyId: string): Promise<SettingsVersion> {
  const rows = await q.select(settingsColumns).from(companySettings).where(eq(companySettings.companyId, companyId)).orderBy(desc(companySettings.version)).limit(1);
  if (rows[0]) return toSettingsVersion(rows[0]);
  await q.insert(companySettings).values({ companyId, version: 1 }).onConflictDoNothing();
  return toSettingsVersion({ version: 1, attributionWindowDays: 14, settings: {} });
}

/** findOrCreateCurrentSettings for many companies in two statements (the webhook batch path). */
export async function findOrCreateCurrentSettingsOf(q: Queryable, companyIds: string[]): Promise<Map<string, SettingsVersion>> {
  const found = new Map<string, SettingsVersion>();
  if (companyIds.length === 0) return found;
  const rows = await q
    .selectDistinctOn([companySettings.companyId], { companyId: companySettings.companyId, ...settingsColumns })
    .from(companySettings)
    .where(inArray(companySettings.companyId, companyIds))
    .orderBy(companySettings.companyId, desc(companySettings.version));
  for (const row of rows) found.set(row.companyId, toSettingsVersion(row));
  const missing = companyIds.filter((id) => !found.has(id));
  if (missing.length > 0) await q.insert(companySettings).values(missing.map((companyId) => ({ companyId, version: 1 }))).onConflictDoNothing();
  for (const companyId of missing) found.set(companyId, toSettingsVersion({ version: 1, attributionWindowDays: 14, settings: {} }));
  return found;
}

/** The newest settings, or the defaults (version 0) for a company that never saved or sent anything. Read-only. */
export async function findCurrentSettings(q: Queryable, companyId: string): Promise<SettingsVersion> {
  const rows = await q.select(settingsColumns).from(companySettings).where(eq(companySettings.companyId, companyId)).orderBy(desc(companySettings.version)).limit(1);
  return toSettingsVersion(rows[0] ?? { version: 0, attributionWindowDays: 14, settings: {} });
}

export async function companyExists(q: Queryable, companyId: string): Promise<boolean> {
  const rows = await q.select({ id: companies.companyId }).from(companies).where(eq(companies.companyId, companyId)).limit(1);
  return rows.length > 0;
}

/** One settings version of a company: the one a case opened with. */
export async function findSettingsVersion(q: Queryable, companyId: string, version: number): Promise<SettingsVersion> {
  const rows = await q.select(settingsColumns).from(companySettings).where(and(eq(companySettings.companyId, companyId), eq(companySettings.version, version)));
  return toSettingsVersion(rows[0] ?? { version, attributionWindowDays: 14, settings: {} });
}

/**
 * Saves validated settings as a new version; running cases keep the version they opened with.
 * Returns the new version number.
 */
export async function saveSettingsVersion(q: Queryable, companyId: string, settings: NudgeSettings, createdBy: string): Promise<number> {
  const current = await findOrCreateCurrentSettings(q, companyId);
  const version = current.version + 1;
  const { attribution_window_days: attributionWindowDays, ...rest } = settings;
  await q.insert(companySettings).values({ companyId, version, attributionWindowDays, settings: rest, createdBy });
  return version;
}
