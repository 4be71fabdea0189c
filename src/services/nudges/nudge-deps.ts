import type { AppDb } from '../../db/client.ts';
import { NUDGE_LEASE_MS } from '../../db/repositories/nudges.repository.ts';
import type { NudgeSettings } from '../../domain/nudge-settings.ts';
import type { Clock } from '../../integrations/clock.ts';
import type { EmailSender } from '../../integrations/email/email-sender.ts';
import type { WhopGateway } from '../../integrations/whop/whop-gateway.ts';
import type { Metrics } from '../../observability/metrics.ts';

/** The settings version a case opened with (versions never change once saved, so a source may cache). */
export interface SettingsSource {
  settingsVersion(companyId: string, version: number): Promise<NudgeSettings>;
}

/** What sending a nudge needs; built once by the entry point (runtime.ts) and by tests. */
export interface NudgeDeps {
  db: AppDb;
  clock: Clock;
  /** null: no WHOP_API_KEY; push and DM are recorded as outbox with their text. */
  whop: WhopGateway | null;
  /** null: no SMTP; email is recorded as outbox with its text. */
  email: EmailSender | null;
  links: { publicUrl: string; signingKey: string };
  /** Settings versions of cases (createSettingsVersions over the database). */
  settings: SettingsSource;
  /** [0, 1); tests inject a fixed value for exact backoff times. */
  random?: () => number;
  /** Random bytes for promo codes (crypto.randomBytes by default); tests inject fixed ones. */
  randomBytes?: (size: number) => Uint8Array;
  metrics?: Metrics;
  /** How long a claim on a case lasts (NUDGE_LEASE_SECONDS); default NUDGE_LEASE_MS. */
  leaseMs?: number;
}

/**
 * A `sending` delivery or a `granting` incentive older than the case lease was left by a worker
 * that died during the provider call: the lease is what keeps a live worker's call from being
 * taken for a dead one's (every provider call times out well within it).
 */
export const interruptedAfterMs = (deps: Pick<NudgeDeps, 'leaseMs'>): number => deps.leaseMs ?? NUDGE_LEASE_MS;

/** The jitter source of backoffs: injected in tests, Math.random otherwise. */
export const randomOf = (deps: Pick<NudgeDeps, 'random'>): number => deps.random?.() ?? Math.random();
