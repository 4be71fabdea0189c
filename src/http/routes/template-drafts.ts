import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { DECLINE_VARIANTS, type DeclineVariant } from '../../domain/decline-variant.ts';
import { CHANNELS, type Channel } from '../../domain/channels.ts';
import { MAX_NUDGES } from '../../domain/nudge-settings.ts';
import { BRIEF_MAX_LENGTH, type DraftTarget } from '../../domain/template-draft.ts';
import type { SaveOfferKind } from '../../domain/save-case.ts';
import { saveOfferDraftFieldKey, type SaveOfferDraftTarget } from '../../domain/save-offer-draft.ts';
import { SAVE_OFFER_KINDS, SAVE_OFFER_SURFACES, type SaveOfferSurface } from '../../domain/save-offer-template.ts';
import type { ChatCompletionsClient } from '../../integrations/ai/chat-completions-client.ts';
import { presentDraftAvailability, presentTemplateDraft } from '../../presenters/template-draft.presenter.ts';
import { draftTemplate, type DraftTemplateResult } from '../../services/settings/draft-template.ts';
import { sendError } from '../errors.ts';
import type { Audit } from '../plugins/audit.ts';
import type { Auth } from '../plugins/auth.ts';
import { companyScopeOf, useCompanyScope } from '../plugins/company-scope.ts';
import { sendResult, type Refusal } from '../send-result.ts';
import { companyParams } from './companies.ts';

/** Drafts one company may ask for per hour: each is a paid model call; a creator writing copy needs a few dozen at most. */
export const DRAFTS_PER_COMPANY_PER_HOUR = 30;

export interface TemplateDraftRouteDeps {
  db: AppDb;
  auth: Auth;
  audit: Audit;
  /** Null when OPENROUTER_API_KEY is unset: the feature is absent. */
  ai: ChatCompletionsClient | null;
}

type Params = { companyId: string };
type Body = { channel: SaveOfferSurface; step?: number | null; variant?: DeclineVariant; offer?: SaveOfferKind; brief: { product: string; tone?: string; language?: string } };

const NOT_CONFIGURED = 'AI drafting is off on this server: the operator has not set OPENROUTER_API_KEY';

/** Each refusal in words (the table in send-result.ts gives its status); the body also names the `reason`. */
function refusalOf(result: Extract<DraftTemplateResult, { ok: false }>): Refusal {
  switch (result.reason) {
    case 'ai_not_configured':
      return { reason: result.reason, message: NOT_CONFIGURED };
    case 'invalid_request':
      return { reason: result.reason, message: result.problems.map((p) => `${p.field}: ${p.message}`).join('; '), detail: { problems: result.problems } };
    case 'ai_timeout':
      return { reason: result.reason, message: `The AI model did not answer within ${result.timeoutSeconds} seconds. Nothing was changed; try again.` };
    case 'ai_rate_limited':
      return { reason: result.reason, message: 'The AI service is busy (HTTP 429). Nothing was changed; try again in a minute.', detail: { retry_after_seconds: result.retryAfterSeconds } };
    case 'ai_failed':
      return { reason: result.reason, message: `The AI service failed${result.status === null ? ' (unreachable)' : ` (HTTP ${result.status})`}. Nothing was changed; try again later.` };
    case 'ai_refused':
      return { reason: result.reason, message: 'The AI model declined to write this message. Nothing was changed; try rewording the brief.' };
    case 'ai_malformed_answer':
      return { reason: result.reason, message: `The AI model's answer was not a usable message (${result.problems.join('; ')}). Nothing was changed; try again.`, detail: { problems: result.problems } };
  }
}

/**
 * `/api/companies/:companyId/settings/drafts`: AI-drafted copy. GET says whether it is available;
 * POST drafts one template and changes nothing (approving is a PUT /settings like any edit).
 * Scoped, authorized and audited like the other settings routes; drafts are limited per company,
 * counted only once the caller is authorized (else anyone could spend a company's quota).
 */
export async function templateDraftRoutes(app: FastifyInstance, deps: TemplateDraftRouteDeps): Promise<void> {
  useCompanyScope(app, deps);
  const keys = new WeakMap<FastifyRequest, string>();
  const limiter = app.createRateLimit({ max: DRAFTS_PER_COMPANY_PER_HOUR, timeWindow: 3_600_000, keyGenerator: (request) => keys.get(request) ?? 'unknown', skipOnError: true });

  app.get<{ Params: Params }>('/api/companies/:companyId/settings/drafts', { schema: { params: companyParams } }, async () =>
    presentDraftAvailability(deps.ai, NOT_CONFIGURED, DRAFTS_PER_COMPANY_PER_HOUR),
  );

  app.post<{ Params: Params; Body: Body }>(
    '/api/companies/:companyId/settings/drafts',
    {
      bodyLimit: 16 * 1024,
      schema: {
        params: companyParams,
        body: {
          type: 'object',
          required: ['channel', 'brief'],
          additionalProperties: false,
          properties: {
            // 'page' (the member's offer page) only with `offer`.
            channel: { type: 'string', enum: [...SAVE_OFFER_SURFACES] },
            step: { type: ['integer', 'null'], minimum: 0, maximum: MAX_NUDGES - 1 },
            variant: { type: 'string', enum: [...DECLINE_VARIANTS] },
            /** A save offer's copy (issue #15 §4): the offer kind; step and variant are then not allowed. */
            offer: { type: 'string', enum: [...SAVE_OFFER_KINDS] },
            brief: {
              type: 'object',
              required: ['product'],
              additionalProperties: false,
              properties: {
                product: { type: 'string', maxLength: BRIEF_MAX_LENGTH.product },
                tone: { type: 'string', maxLength: BRIEF_MAX_LENGTH.tone },
                language: { type: 'string', maxLength: BRIEF_MAX_LENGTH.language },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const scope = companyScopeOf(request);
      const { companyId } = scope;
      const { channel, offer, step, variant } = request.body;
      if (offer !== undefined && (step !== undefined || variant !== undefined)) return sendError(reply, 'bad_request', 'body/offer: a save offer has no reminder step or decline variant; send offer and channel only');
      if (offer === undefined && channel === 'page') return sendError(reply, 'bad_request', 'body/channel: "page" is the save offer page; name the offer kind in body/offer');
      const target: DraftTarget | SaveOfferDraftTarget = offer !== undefined ? { offer, channel } : { channel: channel as Channel, step: step ?? null, variant: variant ?? 'generic' };
      const audited = 'offer' in target ? saveOfferDraftFieldKey(target, '*').slice(0, -2) : `templates.${target.channel}${target.step === null ? '' : `.steps.${target.step}`}.${target.variant}`;
      if (deps.ai !== null) {
        keys.set(request, `ai-drafts:${companyId}`);
        const verdict = await limiter(request);
        if (!verdict.isAllowed && verdict.isExceeded) {
          const retryAfter = Math.max(1, verdict.ttlInSeconds);
          await scope.audit('settings.draft', audited, { ok: false, reason: 'rate_limited' });
          return sendError(reply.header('retry-after', String(retryAfter)), 'rate_limited', `at most ${DRAFTS_PER_COMPANY_PER_HOUR} drafts per hour for a company; try again in ${Math.ceil(retryAfter / 60)} minute(s)`);
        }
      }
      const brief = { product: request.body.brief.product, tone: request.body.brief.tone ?? '', language: request.body.brief.language ?? '' };
      const result = await draftTemplate({ db: deps.db, ai: deps.ai }, { companyId, target, brief });
      // The brief and the texts stay out of the audit: the outcome and the target are what an operator needs.
      await scope.audit('settings.draft', audited, result.ok ? { ok: true, model: result.model, settings_version: result.settingsVersion } : { ok: false, reason: result.reason });
      if (!result.ok && result.reason === 'ai_rate_limited' && result.retryAfterSeconds !== null) reply.header('retry-after', String(result.retryAfterSeconds));
      return sendResult(reply, result, (drafted) => presentTemplateDraft(target, drafted), refusalOf);
    },
  );
}
