import { desc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { companies } from '../schema/companies.ts';
import { companySettings } from '../schema/company-settings.ts';

export interface CurrentSettings {
  version: number;
  attributionWindowDays: number;
}

/** Creates the company on its first event; later events leave it as is. */
export async function ensureCompany(q: Queryable, companyId: string, title: string | null): Promise<void> {
  await q.insert(companies).values({ companyId, title }).onConflictDoNothing({ target: companies.companyId });
}

/** The company's newest settings version, creating version 1 with defaults when there is none. */
export async function findOrCreateCurrentSettings(q: Queryable, companyId: string): Promise<CurrentSettings> {
  const rows = await q
    .select({ version: companySettings.version, attributionWindowDays: companySettings.attributionWindowDays })
    .from(companySettings)
    .where(eq(companySettings.companyId, companyId))
    .orderBy(desc(companySettings.version))
    .limit(1);
  if (rows[0]) return rows[0];
  await q.insert(companySettings).values({ companyId, version: 1 }).onConflictDoNothing();
  return { version: 1, attributionWindowDays: 14 };
}
