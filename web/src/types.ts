/**
 * Shapes of the dashboard JSON API (docs/api.md): the presenters' DTO types as JSON delivers them
 * (`Json<T>`: Dates arrive as ISO strings). Imported, never restated: a field a presenter drops or
 * renames fails `npm run typecheck` here. Only `import type` from src/presenters (test/unit/web-imports.test.ts).
 */
import type { AdminOverviewView, CompanySummary as CompanySummaryDto } from '../../src/presenters/admin-overview.presenter.ts';
import type { CaseDetailView, CaseListView } from '../../src/presenters/cases.presenter.ts';
import type { CompanyView } from '../../src/presenters/company.presenter.ts';
import type { Json } from '../../src/presenters/json.ts';
import type { ControlGroupView, CurrencyAmount as CurrencyAmountDto, KpisView, MoneyLine as MoneyLineDto } from '../../src/presenters/kpis.presenter.ts';
import type { SettingsPreview } from '../../src/presenters/settings-preview.presenter.ts';
import type { SettingsView } from '../../src/presenters/settings.presenter.ts';
import type { Channel } from '../../src/domain/channels.ts';
import type { DeclineVariant } from '../../src/domain/decline-variant.ts';
import type { NudgeSettings, PlaybookSetting } from '../../src/domain/nudge-settings.ts';
import type { TemplateReason } from '../../src/domain/message-template.ts';

/** The server's one channel list (src/domain/channels.ts). */
export { CHANNELS, type Channel } from '../../src/domain/channels.ts';
export { DECLINE_VARIANTS, type DeclineVariant } from '../../src/domain/decline-variant.ts';
export { CASE_STATUSES, type CaseStatus } from '../../src/domain/recovery-case.ts';
export type { Rate } from '../../src/domain/kpi-formulas.ts';
export type { SettingsProblem } from '../../src/domain/nudge-settings.ts';
export { TEMPLATE_REASONS, type TemplateReason } from '../../src/domain/message-template.ts';
export { DECLINE_CATEGORIES, type DeclineCategory } from '../../src/domain/decline-variant.ts';
export type { PlaybookSetting } from '../../src/domain/nudge-settings.ts';
/** One step of a playbook as the settings API stores it (docs/playbooks.md). */
export type PlaybookStep = PlaybookSetting['steps'][number];

/** GET /api/auth/me (routes/auth.ts): who is signed in. */
export type Me = { kind: 'operator'; email: string; csrf_token: string } | { kind: 'creator'; user_id: string };

export type CompanyInfo = Json<CompanyView>;
export type CompanySummary = Json<CompanySummaryDto>;
export type AdminOverview = Json<AdminOverviewView>;

export type Kpis = Json<KpisView>;
export type MoneyLine = Json<MoneyLineDto>;
export type CurrencyAmount = Json<CurrencyAmountDto>;
export type ControlGroup = Json<ControlGroupView>;

export type CaseList = Json<CaseListView>;
export type CaseDetail = Json<CaseDetailView>;
export type RecoveryCase = CaseList['cases'][number] & Partial<Omit<CaseDetail['case'], keyof CaseList['cases'][number]>>;
export type CaseEvent = CaseDetail['timeline'][number];
export type Delivery = CaseDetail['deliveries'][number];
export type Incentive = CaseDetail['incentives'][number];

export type VariantTexts = Partial<Record<TemplateReason, string>>;
/** One channel's parts (push: title/body, dm: body, email: subject/body), each per variant. */
export type TemplateParts = Partial<Record<string, VariantTexts>>;
export type ChannelTemplates = TemplateParts & { steps?: Record<string, TemplateParts> };

export type QuietHours = NonNullable<NudgeSettings['quiet_hours']>;

/**
 * The server's settings (NudgeSettings: `enable_<channel>` for every channel, then the rest). What the form sends back may be invalid (the server
 * names each problem), so there its numbers are any numbers and its templates any texts.
 */
export type Settings = Omit<NudgeSettings, 'incentive_days' | 'templates'> & { incentive_days: number; templates: Partial<Record<Channel, ChannelTemplates>> };

export type SettingsResponse = Json<SettingsView>;
export type PreviewResult = SettingsPreview;

/** A case action's answer (routes/companies.ts): the service's result, shown as a sentence. */
export interface ActionResponse {
  ok: true;
  result?: unknown;
}
