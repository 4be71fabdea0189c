import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { DECLINE_VARIANTS, type DeclineVariant } from '../../domain/decline-variant.ts';
import { CHANNELS, type Channel } from '../../domain/channels.ts';
import { MAX_REMINDERS } from '../../domain/outreach-settings.ts';
import { BRIEF_MAX_LENGTH } from '../../domain/template-draft.ts';
import type { ChatCompletionsClient } from '../../integrations/ai/chat-completions-client.ts';
import { draftTemplate, type DraftTemplateResult } from '../../services/settings/draft-template.ts';
import { errorBody, type ErrorCode } from '../errors.ts';
import type { Audit } from '../plugins/audit.ts';
import { actorOf, type Auth } from '../plugins/auth.ts';
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
type Body = { channel: Channel; step?: number | null; variant?: DeclineVariant; brief: { product: string; tone?: string; language?: string } };

const NOT_CONFIGURED = 'AI drafting is off on this server: the operator has not set OPENROUTER_API_KEY';

/** Status, code and plain message of each refusal; the body also names the `reason`. */
function refusalOf(result: Extract<DraftTemplateResult, { ok: false }>): { status: number; code: ErrorCode; message: string; extra?: Record<string, unknown> } {
  switch (result.reason) {
    case 'ai_not_configured':
      return { status: 409, code: 'conflict', message: NOT_CONFIGURED };
    case 'invalid_request':
      return { status: 400, code: 'bad_request', message: result.problems.map((p) => `${p.field}: ${p.message}`).join('; '), extra: { problems: result.problems } };
    case 'ai_timeout':
      return { status: 504, code: 'gateway_timeout', message: `The AI model did not answer within ${result.timeoutSeconds} seconds. Nothing was changed; try again.` };
    case 'ai_rate_limited':
      return { status: 503, code: 'unavailable', message: 'The AI service is busy (HTTP 429). Nothing was changed; try again in a minute.', extra: { retry_after_seconds: result.retryAfterSeconds } };
    case 'ai_failed':
      return { status: 502, code: 'bad_gateway', message: `The AI service failed${result.status === null ? ' (unreachable)' : ` (HTTP ${result.status})`}. Nothing was changed; try again later.` };
    case 'ai_refused':
      return { status: 502, code: 'bad_gateway', message: 'The AI model declined to write this message. Nothing was changed; try rewording the brief.' };
    case 'ai_malformed_answer':
      return { status: 502, code: 'bad_gateway', message: `The AI model's answer was not a usable message (${result.problems.join('; ')}). Nothing was changed; try again.`, extra: { problems: result.problems } };
  }
}

/**
 * `/api/companies/:companyId/settings/drafts`: AI-drafted copy. GET says whether it is available;
 * POST drafts one template and changes nothing (approving is a PUT /settings like any edit).
 * Scoped, authorized and audited like the other settings routes; drafts are limited per company,
 * counted only once the caller is authorized (else anyone could spend a company's quota).
 */
export async function templateDraftRoutes(app: FastifyInstance, deps: TemplateDraftRouteDeps): Promise<void> {
  const { auth, audit } = deps;
  const keys = new WeakMap<FastifyRequest, string>();
  const limiter = app.createRateLimit({ max: DRAFTS_PER_COMPANY_PER_HOUR, timeWindow: 3_600_000, keyGenerator: (request) => keys.get(request) ?? 'unknown', skipOnError: true });

  app.get<{ Params: Params }>('/api/companies/:companyId/settings/drafts', { schema: { params: companyParams } }, async (request, reply) => {
    if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
    return deps.ai === null
      ? { available: false, message: NOT_CONFIGURED }
      : { available: true, model: deps.ai.model, channels: CHANNELS, variants: DECLINE_VARIANTS, drafts_per_hour: DRAFTS_PER_COMPANY_PER_HOUR };
  });

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
            channel: { type: 'string', enum: [...CHANNELS] },
            step: { type: ['integer', 'null'], minimum: 0, maximum: MAX_REMINDERS - 1 },
            variant: { type: 'string', enum: [...DECLINE_VARIANTS] },
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
      const { companyId } = request.params;
      const principal = await auth.authorize(request, reply, companyId);
      if (!principal) return reply;
      const target = { channel: request.body.channel, step: request.body.step ?? null, variant: request.body.variant ?? 'generic' } as const;
      const who = { companyId, actor: actorOf(principal), action: 'settings.draft', target: `templates.${target.channel}${target.step === null ? '' : `.steps.${target.step}`}.${target.variant}` } as const;
      if (deps.ai !== null) {
        keys.set(request, `ai-drafts:${companyId}`);
        const verdict = await limiter(request);
        if (!verdict.isAllowed && verdict.isExceeded) {
          const retryAfter = Math.max(1, verdict.ttlInSeconds);
          await audit(request, { ...who, detail: { ok: false, reason: 'rate_limited' } });
          return reply.code(429).header('retry-after', String(retryAfter)).send(errorBody('rate_limited', `at most ${DRAFTS_PER_COMPANY_PER_HOUR} drafts per hour for a company; try again in ${Math.ceil(retryAfter / 60)} minute(s)`));
        }
      }
      const brief = { product: request.body.brief.product, tone: request.body.brief.tone ?? '', language: request.body.brief.language ?? '' };
      const result = await draftTemplate({ db: deps.db, ai: deps.ai }, { companyId, target, brief });
      // The brief and the texts stay out of the audit: the outcome and the target are what an operator needs.
      await audit(request, { ...who, detail: result.ok ? { ok: true, model: result.model, settings_version: result.settingsVersion } : { ok: false, reason: result.reason } });
      if (result.ok) return { target, draft: result.draft, current: result.current, settings_version: result.settingsVersion, model: result.model };
      const refusal = refusalOf(result);
      if (result.reason === 'ai_rate_limited' && result.retryAfterSeconds !== null) reply.header('retry-after', String(result.retryAfterSeconds));
      return reply.code(refusal.status).send({ error: { code: refusal.code, reason: result.reason, message: refusal.message, ...refusal.extra } });
    },
  );
}
