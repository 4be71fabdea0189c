import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { DECLINE_VARIANTS } from '../../domain/decline-variant.ts';
import { CHANNELS } from '../../domain/message-template.ts';
import { MAX_REMINDERS } from '../../domain/outreach-settings.ts';
import { TEST_VARIANTS, type TestVariant } from '../../domain/variant-test.ts';
import type { Clock } from '../../integrations/clock.ts';
import { presentVariantTest } from '../../presenters/variants.presenter.ts';
import { keepTestVariantWinner } from '../../services/settings/keep-test-variant.ts';
import { startVariantTest } from '../../services/settings/start-variant-test.ts';
import type { Audit } from '../plugins/audit.ts';
import { actorOf, type Auth } from '../plugins/auth.ts';
import { companyParams } from './companies.ts';

export interface VariantTestRouteDeps {
  db: AppDb;
  auth: Auth;
  audit: Audit;
  clock: Clock;
}

type Params = { companyId: string };
type StartBody = { channel: string; step?: number | null; decline_variant?: string; b: Record<string, string> };

/**
 * `/api/companies/:companyId/variant-test` (#15 §5): GET the running test and its figures; POST
 * starts one (variant B's approved text); POST `/keep` ends it with the winner. Both writes are
 * settings changes (a new version) and audited; texts stay out of the audit (they are in the
 * settings version).
 */
export async function variantTestRoutes(app: FastifyInstance, deps: VariantTestRouteDeps): Promise<void> {
  const { auth, audit, db } = deps;

  app.get<{ Params: Params }>('/api/companies/:companyId/variant-test', { schema: { params: companyParams } }, async (request, reply) => {
    if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
    return presentVariantTest(request.params.companyId, db, deps.clock.now());
  });

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
            step: { type: ['integer', 'null'], minimum: 0, maximum: MAX_REMINDERS - 1 },
            decline_variant: { type: 'string', enum: [...DECLINE_VARIANTS] },
            b: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    },
    async (request, reply) => {
      const { companyId } = request.params;
      const principal = await auth.authorize(request, reply, companyId);
      if (!principal) return reply;
      const { channel, step = null, decline_variant = 'generic', b } = request.body;
      const result = await startVariantTest({ db }, { companyId, actor: actorOf(principal), test: { channel, step, decline_variant, b } });
      const target = `templates.${channel}${step === null ? '' : `.steps.${step}`}.${decline_variant}`;
      await audit(request, {
        companyId,
        actor: actorOf(principal),
        action: 'variant_test.start',
        target,
        detail: result.ok ? { ok: true, version: result.version } : { ok: false, reason: result.reason, ...(result.reason === 'invalid_settings' ? { problems: result.problems.map((p) => p.field) } : {}) },
      });
      if (result.ok) return reply.code(201).send({ version: result.version, variant_test: result.settings.variant_test });
      if (result.reason === 'test_running')
        return reply.code(409).send({ error: { code: 'conflict', reason: 'test_running', message: `a variant test is already running (started in settings version ${result.startedVersion}): keep a winner before starting another` } });
      return reply.code(400).send({ error: { code: 'invalid_settings', message: result.problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems: result.problems } });
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
    async (request, reply) => {
      const { companyId } = request.params;
      const principal = await auth.authorize(request, reply, companyId);
      if (!principal) return reply;
      const { winner, started_version: startedVersion } = request.body;
      const result = await keepTestVariantWinner({ db }, { companyId, actor: actorOf(principal), winner, startedVersion });
      await audit(request, {
        companyId,
        actor: actorOf(principal),
        action: 'variant_test.keep',
        target: `variant_test.${startedVersion}`,
        detail: result.ok ? { ok: true, winner, version: result.version } : { ok: false, winner, reason: result.reason },
      });
      if (result.ok) return { version: result.version, winner, settings: result.settings };
      if (result.reason === 'no_test') return reply.code(409).send({ error: { code: 'conflict', reason: 'no_test', message: 'no variant test is running: nothing was changed' } });
      if (result.reason === 'test_changed')
        return reply.code(409).send({ error: { code: 'conflict', reason: 'test_changed', message: `the running variant test is not the one started in settings version ${startedVersion} (it ended or another started): reload, nothing was changed` } });
      return reply.code(400).send({ error: { code: 'invalid_settings', message: result.problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems: result.problems } });
    },
  );
}
