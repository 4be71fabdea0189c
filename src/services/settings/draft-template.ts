import type { AppDb } from '../../db/client.ts';
import { findCurrentSettings } from '../../db/repositories/companies.repository.ts';
import { selectTemplate, TEMPLATE_PARTS } from '../../domain/message-template.ts';
import type { SettingsProblem } from '../../domain/nudge-settings.ts';
import {
  buildDraftPrompt,
  findBriefProblems,
  findTargetProblems,
  parseDraftAnswer,
  type DraftBrief,
  type DraftParts,
  type ChatMessage,
  type DraftTarget,
} from '../../domain/template-draft.ts';
import { buildSaveOfferDraftPrompt, parseSaveOfferDraftAnswer, type SaveOfferDraftTarget } from '../../domain/save-offer-draft.ts';
import { SAVE_OFFER_PARTS, selectSaveOfferTemplate } from '../../domain/save-offer-template.ts';
import type { ChatCompletionsClient } from '../../integrations/ai/chat-completions-client.ts';

export type DraftTemplateResult =
  | { ok: true; draft: DraftParts; current: DraftParts; settingsVersion: number; model: string }
  | { ok: false; reason: 'ai_not_configured' }
  | { ok: false; reason: 'invalid_request'; problems: SettingsProblem[] }
  | { ok: false; reason: 'ai_timeout'; timeoutSeconds: number }
  | { ok: false; reason: 'ai_rate_limited'; retryAfterSeconds: number | null }
  | { ok: false; reason: 'ai_failed'; status: number | null }
  | { ok: false; reason: 'ai_refused' }
  | { ok: false; reason: 'ai_malformed_answer'; problems: string[] };

/**
 * Asks the model for a draft of one template (a nudge's, or a save offer's when the target names
 * an `offer`) and checks it. Changes nothing: the draft goes back
 * to the creator, and only saving it as settings (updateCompanySettings) makes it copy members
 * get. The prompt holds the brief, the template's context and the company's current text for it;
 * no case, fact or member row is read here.
 */
export async function draftTemplate(
  deps: { db: AppDb; ai: ChatCompletionsClient | null },
  input: { companyId: string; target: DraftTarget | SaveOfferDraftTarget; brief: DraftBrief },
): Promise<DraftTemplateResult> {
  if (deps.ai === null) return { ok: false, reason: 'ai_not_configured' };
  const current = await findCurrentSettings(deps.db, input.companyId);
  const settings = current.nudge;
  const target = input.target;
  const problems = [...findBriefProblems(input.brief), ...('offer' in target ? [] : findTargetProblems(target, settings))];
  if (problems.length > 0) return { ok: false, reason: 'invalid_request', problems };

  let currentText: DraftParts;
  let messages: ChatMessage[];
  if ('offer' in target) {
    // The save offer's text members get today: the company's own or ours (the creator's message decides which default).
    const selected = selectSaveOfferTemplate(settings.save_offers.templates, target.offer, settings.save_offers.message !== null)[target.channel] as unknown as DraftParts;
    currentText = Object.fromEntries((SAVE_OFFER_PARTS[target.channel] as readonly string[]).map((part) => [part, selected[part] ?? '']));
    messages = buildSaveOfferDraftPrompt(target, input.brief, currentText);
  } else {
    const { channel, step, variant } = target;
    const selected = selectTemplate(settings, channel, step ?? 0, variant) as unknown as DraftParts;
    currentText = Object.fromEntries((TEMPLATE_PARTS[channel] as readonly string[]).map((part) => [part, selected[part] ?? '']));
    messages = buildDraftPrompt(target, input.brief, { nudgeOffsetsDays: settings.reminder_offsets_days, incentiveDays: settings.incentive_days, current: currentText });
  }

  const answer = await deps.ai.complete(messages);
  if (!answer.ok) {
    switch (answer.reason) {
      case 'timeout':
        return { ok: false, reason: 'ai_timeout', timeoutSeconds: answer.timeoutSeconds };
      case 'rate_limited':
        return { ok: false, reason: 'ai_rate_limited', retryAfterSeconds: answer.retryAfterSeconds };
      case 'failed':
        return { ok: false, reason: 'ai_failed', status: answer.status };
      case 'malformed_response':
        return { ok: false, reason: 'ai_malformed_answer', problems: ['the service answered something that is not a chat completion'] };
    }
  }
  if (answer.refusal !== null || answer.finishReason === 'content_filter') return { ok: false, reason: 'ai_refused' };
  if (answer.finishReason === 'length') return { ok: false, reason: 'ai_malformed_answer', problems: ['the answer was cut off at the length limit'] };
  const parsed = 'offer' in target ? parseSaveOfferDraftAnswer(answer.content, target, settings) : parseDraftAnswer(answer.content, target, settings);
  if (!parsed.ok) return { ok: false, reason: 'ai_malformed_answer', problems: parsed.problems };
  return { ok: true, draft: parsed.parts, current: currentText, settingsVersion: current.version, model: deps.ai.model };
}
