import type { AppDb } from '../../db/client.ts';
import { findSettingsVersion } from '../../db/repositories/companies.repository.ts';
import type { NudgeSettings } from '../../domain/nudge-settings.ts';
import type { SettingsSource } from '../nudges/nudge-deps.ts';

/**
 * Settings versions read from the database, each once per source: a saved version never changes,
 * so the cache can never be stale. Bounded, so a long-lived worker's memory stays flat.
 */
export function createSettingsVersions(db: AppDb, maxEntries = 10_000): SettingsSource {
  // The read in flight is cached too, so a claim round's cases of one company share one query.
  const cache = new Map<string, Promise<NudgeSettings>>();
  return {
    settingsVersion(companyId, version) {
      const key = `${companyId}:${version}`;
      let settings = cache.get(key);
      if (!settings) {
        settings = findSettingsVersion(db, companyId, version).then((found) => found.nudge);
        settings.catch(() => cache.delete(key));
        if (cache.size >= maxEntries) cache.clear();
        cache.set(key, settings);
      }
      return settings;
    },
  };
}
