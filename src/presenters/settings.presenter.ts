import type { Queryable } from '../db/client.ts';
import { findCurrentSettings } from '../db/repositories/companies.repository.ts';
import { DECLINE_VARIANTS, type DeclineVariant } from '../domain/decline-variant.ts';
import { PLACEHOLDERS } from '../domain/message-template.ts';
import type { NudgeSettings } from '../domain/nudge-settings.ts';
import type { CapabilityStatus } from '../domain/whop-permissions.ts';
import { defaultPlaybookSettings } from '../domain/playbook.ts';
import { presentWhopCapabilities } from './whop-capabilities.presenter.ts';

/** What this server can send with, for the settings page (from its configuration, not the company's). */
export interface SettingsServerFacts {
  smtpConfigured: boolean;
  whopConfigured: boolean;
  /** The Whop API version the gateway pins; null without WHOP_API_KEY. */
  whopApiVersion: string | null;
  publicUrl: string;
}

/** GET /api/companies/:companyId/settings. */
export interface SettingsView {
  /** 0 until the company first saves (the defaults). */
  version: number;
  settings: NudgeSettings;
  placeholders: readonly string[];
  variants: readonly DeclineVariant[];
  /** Our playbook per decline category: what a category the company did not write follows (#15). */
  default_playbooks: ReturnType<typeof defaultPlaybookSettings>;
  smtp_configured: boolean;
  whop_configured: boolean;
  /** Where Whop must send this server's webhooks. */
  webhook_url: string;
  /** Fields Whop withheld for lack of an app permission: what is off, and what turns it on. */
  whop_capabilities: { field: CapabilityStatus['field']; capability: string; status: CapabilityStatus['status']; permission: string; observed_at: Date | null }[];
  whop_api_version: string | null;
}

/** PUT /api/companies/:companyId/settings: the version just saved. */
export interface SavedSettingsView {
  version: number;
  settings: NudgeSettings;
}

export async function presentSettings(companyId: string, q: Queryable, server: SettingsServerFacts): Promise<SettingsView> {
  const [current, capabilities] = await Promise.all([findCurrentSettings(q, companyId), presentWhopCapabilities(companyId, q)]);
  return {
    version: current.version,
    settings: current.nudge,
    placeholders: PLACEHOLDERS,
    variants: DECLINE_VARIANTS,
    default_playbooks: defaultPlaybookSettings(),
    smtp_configured: server.smtpConfigured,
    whop_configured: server.whopConfigured,
    webhook_url: `${server.publicUrl.replace(/\/$/, '')}/api/webhooks/whop`,
    whop_capabilities: capabilities.map((c) => ({ field: c.field, capability: c.capability, status: c.status, permission: c.permission, observed_at: c.observedAt })),
    whop_api_version: server.whopApiVersion,
  };
}

export function presentSavedSettings(saved: { version: number; settings: NudgeSettings }): SavedSettingsView {
  return { version: saved.version, settings: saved.settings };
}
