import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { findCompanyName, findCurrentSettings } from '../../db/repositories/companies.repository.ts';
import { composeNudge } from '../../domain/compose-nudge.ts';
import { DECLINE_VARIANTS } from '../../domain/decline-variant.ts';
import { PLACEHOLDERS, placeholderValuesOf } from '../../domain/message-template.ts';
import { describePromoOffer } from '../../domain/promo-code.ts';
import { parseOutreachSettings } from '../../domain/outreach-settings.ts';
import { presentCasesCsv } from '../../presenters/cases-csv.presenter.ts';
import { CASE_SORTS, decodeCursor, presentCase, presentCaseList, type CaseSort } from '../../presenters/cases.presenter.ts';
import { presentKpis } from '../../presenters/kpis.presenter.ts';
import { cancelCase } from '../../services/cases/cancel-case.ts';
import { cancelMembership } from '../../services/cases/cancel-membership.ts';
import type { ActionRefusal } from '../../services/cases/find-actionable-case.ts';
import { nudgeCaseNow } from '../../services/nudges/nudge-case-now.ts';
import type { OutreachDeps } from '../../services/nudges/send-nudge.ts';
import { updateCompanySettings } from '../../services/settings/update-company-settings.ts';
import { presentWhopCapabilities } from '../../presenters/whop-capabilities.presenter.ts';
import { errorBody } from '../errors.ts';
import type { Audit } from '../plugins/audit.ts';
import { actorOf, type Auth } from '../plugins/auth.ts';

export interface CompanyRouteDeps {
  db: AppDb;
  auth: Auth;
  outreach: OutreachDeps;
  publicUrl: string;
  audit: Audit;
}

/** The company in the path: the scope of every creator route. */
export const companyParams = { type: 'object', required: ['companyId'], properties: { companyId: { type: 'string', pattern: '^biz_[A-Za-z0-9_-]{1,64}$' } } } as const;
const caseParams = { type: 'object', required: ['companyId', 'caseId'], properties: { ...companyParams.properties, caseId: { type: 'string', maxLength: 64 } } } as const;
const caseFilterProperties = {
  status: { type: 'string', enum: ['open', 'recovered', 'closed_no_recovery'] },
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  q: { type: 'string', maxLength: 200 },
} as const;

type Params = { companyId: string };
type CaseParams = Params & { caseId: string };
type Filters = { status?: 'open' | 'recovered' | 'closed_no_recovery'; from?: string; to?: string; q?: string };

/** Accepts a date (2026-01-31) or a date-time; the bound of a bare date covers the whole day. */
function dateBound(value: string | undefined, end: boolean): Date | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z`) : new Date(value);
}

function filtersOf(query: Filters) {
  return { status: query.status, from: dateBound(query.from, false), to: dateBound(query.to, true), q: query.q?.trim() || undefined };
}

/** Why a "nudge now" sent nothing, in words (the reason code goes along). */
const NUDGE_NOT_SENT: Record<'not_found' | 'case_closed' | 'no_steps_left' | 'not_due' | 'held_out', string> = {
  held_out: 'this case is in the control group: Churn Saver sends it nothing, so the dashboard can measure what reminders add',
  not_found: 'the case no longer exists',
  case_closed: 'the case is no longer open; nothing was sent',
  no_steps_left: 'every reminder of this case has already gone out; nothing was sent',
  not_due: 'the reminder is not due yet; nothing was sent',
};

/** Refusals of case actions: unknown → 404, refused → 409 with the reason. */
function sendRefusal(reply: FastifyReply, refusal: ActionRefusal | { ok: false; reason: string; message: string }) {
  if (refusal.reason === 'not_found') return reply.code(404).send(errorBody('not_found', refusal.message));
  if (refusal.reason === 'whop_failed') return reply.code(502).send(errorBody('bad_gateway', refusal.message));
  return reply.code(409).send({ error: { code: 'conflict', reason: refusal.reason, message: refusal.message } });
}

/** The creator dashboard's API: every route is scoped to the company in the path, after auth. */
export async function companyRoutes(app: FastifyInstance, deps: CompanyRouteDeps): Promise<void> {
  const { auth, db, audit } = deps;
  const now = () => deps.outreach.clock.now();
  const dateLike = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?$' } as const;
  const filterProps = { ...caseFilterProperties, from: dateLike, to: dateLike };

  // The company as the dashboard's header names it: Whop's title, null until an event named it.
  app.get<{ Params: Params }>('/api/companies/:companyId', { schema: { params: companyParams } }, async (request, reply) => {
    if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
    return { company: { id: request.params.companyId, name: await findCompanyName(db, request.params.companyId) } };
  });

  app.get<{ Params: Params; Querystring: { window?: number } }>(
    '/api/companies/:companyId/kpis',
    { schema: { params: companyParams, querystring: { type: 'object', additionalProperties: false, properties: { window: { type: 'integer', minimum: 1, maximum: 365 } } } } },
    async (request, reply) => {
      if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
      return presentKpis(request.params.companyId, db, request.query.window ?? 30, now());
    },
  );

  app.get<{ Params: Params; Querystring: Filters & { sort?: string; limit?: number; cursor?: string } }>(
    '/api/companies/:companyId/cases',
    {
      schema: {
        params: companyParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProps,
            sort: { type: 'string', pattern: `^-?(${CASE_SORTS.join('|')})$` },
            limit: { type: 'integer', minimum: 1, maximum: 200 },
            cursor: { type: 'string', maxLength: 500 },
          },
        },
      },
    },
    async (request, reply) => {
      if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
      const { sort = '-first_failure_at', limit = 50, cursor } = request.query;
      if (cursor && !decodeCursor(cursor)) return reply.code(400).send(errorBody('bad_request', 'cursor: not a cursor from next_cursor'));
      return presentCaseList(request.params.companyId, db, {
        ...filtersOf(request.query),
        sort: sort.replace(/^-/, '') as CaseSort,
        descending: sort.startsWith('-'),
        limit,
        cursor,
      });
    },
  );

  app.get<{ Params: Params; Querystring: Filters }>(
    '/api/companies/:companyId/cases.csv',
    { schema: { params: companyParams, querystring: { type: 'object', additionalProperties: false, properties: filterProps } } },
    async (request, reply) => {
      const principal = await auth.authorize(request, reply, request.params.companyId);
      if (!principal) return reply;
      const { status, from, to, q } = request.query;
      // The search text may be a member's email: the audit keeps only that there was one.
      await audit(request, { companyId: request.params.companyId, actor: actorOf(principal), action: 'cases.export_csv', target: 'cases', detail: { ok: true, status, from, to, searched: Boolean(q?.trim()) } });
      const day = now().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="cases-${request.params.companyId}-${day}.csv"`)
        .send(presentCasesCsv(request.params.companyId, db, filtersOf(request.query)));
    },
  );

  app.get<{ Params: CaseParams }>('/api/companies/:companyId/cases/:caseId', { schema: { params: caseParams } }, async (request, reply) => {
    if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
    const found = await presentCase(request.params.companyId, db, request.params.caseId, now());
    return found ?? reply.code(404).send(errorBody('not_found', `no case ${request.params.caseId} in this company`));
  });

  // Action bodies are `{}` or `{ "force": true }`; settings keep the app's 256 KiB (templates).
  const ACTION_BODY_LIMIT = 1024;
  const actionSchema = { params: caseParams, body: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean' } } } } as const;
  app.post<{ Params: CaseParams; Body: { force?: boolean } }>('/api/companies/:companyId/cases/:caseId/nudge', { schema: actionSchema, bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
    const principal = await auth.authorize(request, reply, request.params.companyId);
    if (!principal) return reply;
    const who = { companyId: request.params.companyId, actor: actorOf(principal), action: 'case.nudge', target: request.params.caseId } as const;
    if (request.body?.force && principal.kind !== 'operator') {
      await audit(request, { ...who, detail: { ok: false, reason: 'force_not_allowed', force: true } });
      return reply.code(403).send(errorBody('forbidden', 'force: only operators may ignore min_gap_hours'));
    }
    const result = await nudgeCaseNow(deps.outreach, { ...request.params, actor: actorOf(principal), force: request.body?.force === true });
    await audit(request, {
      ...who,
      detail: !result.ok
        ? { ok: false, reason: result.reason }
        : result.result.ok
          ? { ok: true, force: request.body?.force === true, outcome: result.result.outcome, step: result.result.step }
          : { ok: false, force: request.body?.force === true, reason: result.result.reason },
    });
    if (!result.ok) return sendRefusal(reply, result.reason === 'too_soon' ? { ...result, message: `${result.message}; allowed from ${result.allowedAt.toISOString()}` } : result);
    // A nudge that did nothing is refused, not a 200 with ok:false (docs/api.md).
    if (!result.result.ok) return sendRefusal(reply, { ok: false, reason: result.result.reason, message: NUDGE_NOT_SENT[result.result.reason] });
    return { ok: true, result: result.result };
  });
  app.post<{ Params: CaseParams }>('/api/companies/:companyId/cases/:caseId/cancel', { schema: actionSchema, bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
    const principal = await auth.authorize(request, reply, request.params.companyId);
    if (!principal) return reply;
    const result = await cancelCase(deps.outreach, { ...request.params, actor: actorOf(principal) });
    await audit(request, { companyId: request.params.companyId, actor: actorOf(principal), action: 'case.cancel', target: request.params.caseId, detail: result.ok ? { ok: true } : { ok: false, reason: result.reason } });
    return result.ok ? { ok: true, result } : sendRefusal(reply, result);
  });
  for (const [path, mode] of [['cancel-membership', 'at_period_end'], ['terminate', 'immediate']] as const) {
    app.post<{ Params: CaseParams }>(`/api/companies/:companyId/cases/:caseId/${path}`, { schema: actionSchema, bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
      const principal = await auth.authorize(request, reply, request.params.companyId);
      if (!principal) return reply;
      const result = await cancelMembership(deps.outreach, { ...request.params, mode, actor: actorOf(principal) });
      await audit(request, {
        companyId: request.params.companyId,
        actor: actorOf(principal),
        action: mode === 'immediate' ? 'membership.terminate' : 'membership.cancel',
        target: request.params.caseId,
        detail: result.ok ? { ok: true, mode } : { ok: false, mode, reason: result.reason },
      });
      if (result.ok) return { ok: true, result };
      if (result.reason === 'whop_not_configured') return reply.code(409).send({ error: { code: 'conflict', reason: result.reason, message: result.message } });
      return sendRefusal(reply, result);
    });
  }

  app.get<{ Params: Params }>('/api/companies/:companyId/settings', { schema: { params: companyParams } }, async (request, reply) => {
    if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
    const [current, capabilities] = await Promise.all([findCurrentSettings(db, request.params.companyId), presentWhopCapabilities(request.params.companyId, db)]);
    return {
      version: current.version,
      settings: current.outreach,
      placeholders: PLACEHOLDERS,
      variants: DECLINE_VARIANTS,
      smtp_configured: deps.outreach.email !== null,
      whop_configured: deps.outreach.whop !== null,
      webhook_url: `${deps.publicUrl.replace(/\/$/, '')}/api/webhooks/whop`,
      // Fields Whop withheld for lack of an app permission: what is off, and what turns it on.
      whop_capabilities: capabilities.map((c) => ({ field: c.field, capability: c.capability, status: c.status, permission: c.permission, observed_at: c.observedAt })),
      whop_api_version: deps.outreach.whop?.apiVersion ?? null,
    };
  });

  app.put<{ Params: Params; Body: unknown }>('/api/companies/:companyId/settings', { schema: { params: companyParams, body: { type: 'object' } } }, async (request, reply) => {
    const principal = await auth.authorize(request, reply, request.params.companyId);
    if (!principal) return reply;
    const saved = await updateCompanySettings({ db }, { companyId: request.params.companyId, settings: request.body, actor: actorOf(principal) });
    // Field names, not values: templates are long and the new values are in company_settings anyway.
    const fields = request.body !== null && typeof request.body === 'object' ? Object.keys(request.body).sort().slice(0, 50).map((k) => k.slice(0, 64)) : [];
    await audit(request, {
      companyId: request.params.companyId,
      actor: actorOf(principal),
      action: 'settings.update',
      target: 'settings',
      detail: saved.ok ? { ok: true, version: saved.version, fields } : { ok: false, reason: saved.reason, fields, problems: saved.problems.map((p) => p.field) },
    });
    if (!saved.ok) {
      const message = saved.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
      return reply.code(400).send({ error: { code: 'invalid_settings', message, problems: saved.problems } });
    }
    return { version: saved.version, settings: saved.settings };
  });

  app.post<{ Params: Params; Body: { settings?: unknown; channel: 'push' | 'dm' | 'email'; step?: number; variant?: string } }>(
    '/api/companies/:companyId/settings/preview',
    {
      schema: {
        params: companyParams,
        body: {
          type: 'object',
          required: ['channel'],
          additionalProperties: false,
          properties: { settings: { type: 'object' }, channel: { type: 'string', enum: ['push', 'dm', 'email'] }, step: { type: 'integer', minimum: 0, maximum: 9 }, variant: { type: 'string', enum: [...DECLINE_VARIANTS] } },
        },
      },
    },
    async (request, reply) => {
      if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
      const parsed = parseOutreachSettings(request.body.settings ?? {});
      if (!parsed.ok) {
        return reply.code(400).send({ error: { code: 'invalid_settings', message: parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems: parsed.problems } });
      }
      const composed = composeNudge({
        settings: parsed.settings,
        stepIndex: request.body.step ?? 0,
        variant: (request.body.variant ?? 'generic') as (typeof DECLINE_VARIANTS)[number],
        values: placeholderValuesOf({
          memberName: 'Dana Reyes',
          product: 'Northwind Signals',
          amount: '$29.99',
          manageUrl: 'https://whop.com/billing/manage/mem_example',
          incentiveDays: (request.body.step ?? 0) === 0 && parsed.settings.incentive_type === 'free_days' ? parsed.settings.incentive_days : 0,
          // A case's code is shown from the step that created it on (the first), while it is valid.
          promo: parsed.settings.incentive_type === 'promo_code' ? { code: 'SAVE-EXAMPLE1', offer: describePromoOffer(parsed.settings.promo_code) } : null,
        }),
        unsubscribeUrl: `${deps.publicUrl.replace(/\/$/, '')}/api/unsubscribe?token=example`,
      });
      const channel = request.body.channel;
      if (channel === 'email') return { subject: composed.email.subject, body: composed.email.text };
      if (channel === 'push') return { title: composed.push.title, body: composed.push.body };
      return { body: composed.dm.body };
    },
  );
}
