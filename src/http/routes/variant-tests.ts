import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { DECLINE_VARIANTS } from '../../domain/decline-variant.ts';
import { CHANNELS } from '../../domain/message-template.ts';
import { MAX_NUDGES } from '../../domain/nudge-settings.ts';
import { TEST_VARIANTS, type TestVariant } from '../../domain/variant-test.ts';
import type { Clock } from '../../integrations/clock.ts';
import { presentVariantTest } from '../../presenters/variants.presenter.ts';
import { keepTestVariantWinner, type KeepTestVariantResult } from '../../services/settings/keep-test-variant.ts';
import { startVariantTest, type StartVariantTestResult } from '../../services/settings/start-variant-test.ts';
import type { Audit } from '../plugins/audit.ts';
import type { Auth } from '../plugins/auth.ts';
import { companyScopeOf, useCompanyScope } from '../plugins/company-scope.ts';
import { sendResult, type Refusal } from '../send-result.ts';
import { companyParams } from './companies.ts';

export interface VariantTestRouteDeps {
  db: AppDb;
  auth: Auth;
  audit: Audit;
  clock: Clock;
}

type Params = { companyId: string };
type StartBody = { channel: string; step?: number | null; decline_variant?: string; b: Record<string, string> };

/** Each refusal in words (send-result.ts gives its status). */
function refusalOf(failed: Extract<StartVariantTestResult | KeepTestVariantResult, { ok: false }>, startedVersion?: number): Refusal {
  switch (failed.reason) {
    case 'invalid_settings':
      return { reason: failed.reason, message: failed.problems.map((p) => `${p.field}: ${p.message}`).join('; '), detail: { problems: failed.problems } };
    case 'test_running':
      return { reason: failed.reason, message: `a variant test is already running (started in settings version ${failed.startedVersion}): keep a winner before starting another` };
    case 'no_test':
      return { reason: failed.reason, message: 'no variant test is running: nothing was changed' };
    case 'test_changed':
      return { reason: failed.reason, message: `the running variant test is not the one started in settings version ${startedVersion} (it ended or another started): reload; nothing was changed` };
  }
}

/**
 * `/api/companies/:companyId/variant-test` (#15 §5): GET the running test and its figures; POST
 * starts one (variant B's approved text); POST `/keep` ends it with the winner. Both writes are
 * settings changes (a new version) and audited; texts stay out of the audit (they are in the
 * settings version).
 */
export async function variantTestRoutes(app: FastifyInstance, deps: VariantTestRouteDeps): Promise<void> {
  useCompanyScope(app, deps);
  const { db } = deps;

  app.get<{ Params: Params }>('/api/companies/:companyId/variant-test', { schema: { params: companyParams } }, async (request) =>
    presentVariantTest(companyScopeOf(request).companyId, db, deps.clock.now()),
  );

  app.post<{ Params: Params; Body: StartBody }>(
    '/api/companies/:companyId/variant-test',
    {
      schema: {
        params: companyParams,
        body: {
          type: 'object',
          required: ['channel', 'b'],
          additionalProperties: false,
          properties: {
            channel: { type: 'string', enum: [...CHANNELS] },
            step: { type: ['integer', 'null'], minimum: 0, maximum: MAX_NUDGES - 1 },
            decline_variant: { type: 'string', enum: [...DECLINE_VARIANTS] },
            b: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    },
    async (request, reply: FastifyReply) => {
      const scope = companyScopeOf(request);
      const { channel, step = null, decline_variant = 'generic', b } = request.body;
      const result = await startVariantTest({ db }, { companyId: scope.companyId, actor: scope.actor, test: { channel, step, decline_variant, b } });
      await scope.audit(
        'variant_test.start',
        `templates.${channel}${step === null ? '' : `.steps.${step}`}.${decline_variant}`,
        result.ok ? { ok: true, version: result.version } : { ok: false, reason: result.reason, ...(result.reason === 'invalid_settings' ? { problems: result.problems.map((p) => p.field) } : {}) },
      );
      return sendResult(reply, result, (saved) => reply.code(201).send({ version: saved.version, variant_test: saved.settings.variant_test }), (failed) => refusalOf(failed));
    },
  );

  app.post<{ Params: Params; Body: { winner: TestVariant; started_version: number } }>(
    '/api/companies/:companyId/variant-test/keep',
    {
      schema: {
        params: companyParams,
        body: {
          type: 'object',
          required: ['winner', 'started_version'],
          additionalProperties: false,
          properties: { winner: { type: 'string', enum: [...TEST_VARIANTS] }, started_version: { type: 'integer', minimum: 1 } },
        },
      },
    },
    async (request, reply: FastifyReply) => {
      const scope = companyScopeOf(request);
      const { winner, started_version: startedVersion } = request.body;
      const result = await keepTestVariantWinner({ db }, { companyId: scope.companyId, actor: scope.actor, winner, startedVersion });
      await scope.audit('variant_test.keep', `variant_test.${startedVersion}`, result.ok ? { ok: true, winner, version: result.version } : { ok: false, winner, reason: result.reason });
      return sendResult(reply, result, (kept) => ({ version: kept.version, winner, settings: kept.settings }), (failed) => refusalOf(failed, startedVersion));
    },
  );
}
