import { DECLINE_VARIANTS, type DeclineVariant } from '../domain/decline-variant.ts';
import { CHANNELS, type Channel } from '../domain/message-template.ts';
import type { DraftParts, DraftTarget } from '../domain/template-draft.ts';
import type { SaveOfferDraftTarget } from '../domain/save-offer-draft.ts';
import { SAVE_OFFER_KINDS, SAVE_OFFER_SURFACES, type SaveOfferSurface } from '../domain/save-offer-template.ts';
import type { SaveOfferKind } from '../domain/save-case.ts';
import type { DraftTemplateResult } from '../services/settings/draft-template.ts';

/** GET …/settings/drafts: whether AI drafting is on here, and for what. */
export type DraftAvailabilityView =
  | { available: false; message: string }
  | { available: true; model: string; channels: readonly Channel[]; variants: readonly DeclineVariant[]; save_offers: { offers: readonly SaveOfferKind[]; channels: readonly SaveOfferSurface[] }; drafts_per_hour: number };

/** POST …/settings/drafts: the draft beside the company's current text; nothing is saved. */
export interface TemplateDraftView {
  target: DraftTarget | SaveOfferDraftTarget;
  draft: DraftParts;
  current: DraftParts;
  settings_version: number;
  model: string;
}

export function presentDraftAvailability(ai: { model: string } | null, offMessage: string, draftsPerHour: number): DraftAvailabilityView {
  return ai === null ? { available: false, message: offMessage } : { available: true, model: ai.model, channels: CHANNELS, variants: DECLINE_VARIANTS, save_offers: { offers: SAVE_OFFER_KINDS, channels: SAVE_OFFER_SURFACES }, drafts_per_hour: draftsPerHour };
}

export function presentTemplateDraft(target: DraftTarget | SaveOfferDraftTarget, drafted: Extract<DraftTemplateResult, { ok: true }>): TemplateDraftView {
  return { target, draft: drafted.draft, current: drafted.current, settings_version: drafted.settingsVersion, model: drafted.model };
}
