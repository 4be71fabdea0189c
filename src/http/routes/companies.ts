import type { FastifyInstance } from 'fastify';
import { CHANNELS, type Channel } from '../../domain/channels.ts';
import type { AppDb } from '../../db/client.ts';
import { TEMPLATE_REASONS, type TemplateReason } from '../../domain/message-template.ts';
import { presentCasesCsv } from '../../presenters/cases-csv.presenter.ts';
import { CASE_SORTS, decodeCursor, presentCase, presentCaseList, type CaseSort } from '../../presenters/cases.presenter.ts';
import { presentCompany } from '../../presenters/company.presenter.ts';
import { presentKpis } from '../../presenters/kpis.presenter.ts';
import { presentSaveOfferPreview, presentSettingsPreview } from '../../presenters/settings-preview.presenter.ts';
import type { SaveOfferKind } from '../../domain/save-case.ts';
import { SAVE_OFFER_KINDS, SAVE_OFFER_SURFACES, type SaveOfferSurface } from '../../domain/save-offer-template.ts';
import { presentSavedSettings, presentSettings } from '../../presenters/settings.presenter.ts';
import { cancelCase } from '../../services/cases/cancel-case.ts';
import { cancelMembership } from '../../services/cases/cancel-membership.ts';
import { nudgeCaseNow } from '../../services/nudges/nudge-case-now.ts';
import type { NudgeDeps } from '../../services/nudges/send-nudge.ts';
import { updateCompanySettings } from '../../services/settings/update-company-settings.ts';
import type { SettingsProblem } from '../../domain/nudge-settings.ts';
import { sendError } from '../errors.ts';
import type { Audit } from '../plugins/audit.ts';
import type { Auth } from '../plugins/auth.ts';
import { companyScopeOf, useCompanyScope } from '../plugins/company-scope.ts';
import { sendRefusal, sendResult, type Refusal } from '../send-result.ts';

export interface CompanyRouteDeps {
  db: AppDb;
  auth: Auth;
  nudge: NudgeDeps;
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

/** Invalid settings (a save or a preview): every problem in the message, and each by field. */
function invalidSettings(failed: { problems: SettingsProblem[] }): Refusal {
  return { reason: 'invalid_settings', message: failed.problems.map((p) => `${p.field}: ${p.message}`).join('; '), detail: { problems: failed.problems } };
}

/** The creator dashboard's API: every route is scoped to the company in the path (useCompanyScope). */
export async function companyRoutes(app: FastifyInstance, deps: CompanyRouteDeps): Promise<void> {
  const { db } = deps;
  useCompanyScope(app, deps);
  const now = () => deps.nudge.clock.now();
  const dateLike = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?$' } as const;
  const filterProps = { ...caseFilterProperties, from: dateLike, to: dateLike };

  app.get<{ Params: Params }>('/api/companies/:companyId', { schema: { params: companyParams } }, async (request) => presentCompany(companyScopeOf(request).companyId, db));

  app.get<{ Params: Params; Querystring: { window?: number } }>(
    '/api/companies/:companyId/kpis',
    { schema: { params: companyParams, querystring: { type: 'object', additionalProperties: false, properties: { window: { type: 'integer', minimum: 1, maximum: 365 } } } } },
    async (request) => presentKpis(companyScopeOf(request).companyId, db, request.query.window ?? 30, now()),
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
      const { sort = '-first_failure_at', limit = 50, cursor } = request.query;
      if (cursor && !decodeCursor(cursor)) return sendError(reply, 'bad_request', 'cursor: not a cursor from next_cursor');
      return presentCaseList(companyScopeOf(request).companyId, db, {
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
      const scope = companyScopeOf(request);
      const { status, from, to, q } = request.query;
      // The search text may be a member's email: the audit keeps only that there was one.
      await scope.audit('cases.export_csv', 'cases', { ok: true, status, from, to, searched: Boolean(q?.trim()) });
      const day = now().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="cases-${scope.companyId}-${day}.csv"`)
        .send(presentCasesCsv(scope.companyId, db, filtersOf(request.query)));
    },
  );

  app.get<{ Params: CaseParams }>('/api/companies/:companyId/cases/:caseId', { schema: { params: caseParams } }, async (request, reply) => {
    const found = await presentCase(companyScopeOf(request).companyId, db, request.params.caseId, now());
    return found ?? sendError(reply, 'not_found', `no case ${request.params.caseId} in this company`);
  });

  // Action bodies are `{}` or `{ "force": true }`; settings keep the app's 256 KiB (templates).
  const ACTION_BODY_LIMIT = 1024;
  const actionSchema = { params: caseParams, body: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean' } } } } as const;
  app.post<{ Params: CaseParams; Body: { force?: boolean } }>('/api/companies/:companyId/cases/:caseId/nudge', { schema: actionSchema, bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
    const scope = companyScopeOf(request);
    const { caseId } = request.params;
    const force = request.body?.force === true;
    if (force && scope.principal.kind !== 'operator') {
      await scope.audit('case.nudge', caseId, { ok: false, reason: 'force_not_allowed', force: true });
      return sendError(reply, 'forbidden', 'force: only operators may ignore min_gap_hours');
    }
    const result = await nudgeCaseNow(deps.nudge, { companyId: scope.companyId, caseId, actor: scope.actor, force });
    await scope.audit(
      'case.nudge',
      caseId,
      !result.ok
        ? { ok: false, reason: result.reason }
        : result.result.ok
          ? { ok: true, force, outcome: result.result.outcome, step: result.result.step }
          : { ok: false, force, reason: result.result.reason },
    );
    if (!result.ok) return sendRefusal(reply, result.reason === 'too_soon' ? { reason: result.reason, message: `${result.message}; allowed from ${result.allowedAt.toISOString()}` } : result);
    // A nudge that did nothing is refused, not a 200 with ok:false (docs/api.md).
    return sendResult(reply, result.result, (sent) => ({ ok: true, result: sent }), (failed) => ({ reason: failed.reason, message: NUDGE_NOT_SENT[failed.reason] }));
  });
  app.post<{ Params: CaseParams }>('/api/companies/:companyId/cases/:caseId/cancel', { schema: actionSchema, bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
    const scope = companyScopeOf(request);
    const result = await cancelCase(deps.nudge, { companyId: scope.companyId, caseId: request.params.caseId, actor: scope.actor });
    await scope.audit('case.cancel', request.params.caseId, result.ok ? { ok: true } : { ok: false, reason: result.reason });
    return sendResult(reply, result, (cancelled) => ({ ok: true, result: cancelled }));
  });
  for (const [path, mode] of [['cancel-membership', 'at_period_end'], ['terminate', 'immediate']] as const) {
    app.post<{ Params: CaseParams }>(`/api/companies/:companyId/cases/:caseId/${path}`, { schema: actionSchema, bodyLimit: ACTION_BODY_LIMIT }, async (request, reply) => {
      const scope = companyScopeOf(request);
      const result = await cancelMembership(deps.nudge, { companyId: scope.companyId, caseId: request.params.caseId, mode, actor: scope.actor });
      await scope.audit(mode === 'immediate' ? 'membership.terminate' : 'membership.cancel', request.params.caseId, result.ok ? { ok: true, mode } : { ok: false, mode, reason: result.reason });
      return sendResult(reply, result, (changed) => ({ ok: true, result: changed }));
    });
  }

  app.get<{ Params: Params }>('/api/companies/:companyId/settings', { schema: { params: companyParams } }, async (request) =>
    presentSettings(companyScopeOf(request).companyId, db, {
      smtpConfigured: deps.nudge.email !== null,
      whopConfigured: deps.nudge.whop !== null,
      whopApiVersion: deps.nudge.whop?.apiVersion ?? null,
      publicUrl: deps.publicUrl,
    }),
  );

  app.put<{ Params: Params; Body: unknown }>('/api/companies/:companyId/settings', { schema: { params: companyParams, body: { type: 'object' } } }, async (request, reply) => {
    const scope = companyScopeOf(request);
    const saved = await updateCompanySettings({ db }, { companyId: scope.companyId, settings: request.body, actor: scope.actor });
    // Field names, not values: templates are long and the new values are in company_settings anyway.
    const fields = request.body !== null && typeof request.body === 'object' ? Object.keys(request.body).sort().slice(0, 50).map((k) => k.slice(0, 64)) : [];
    await scope.audit(
      'settings.update',
      'settings',
      saved.ok ? { ok: true, version: saved.version, fields } : { ok: false, reason: saved.reason, fields, problems: saved.problems.map((p) => p.field) },
    );
    return sendResult(reply, saved, presentSavedSettings, invalidSettings);
  });

  app.post<{ Params: Params; Body: { settings?: unknown; channel: SaveOfferSurface; step?: number; variant?: TemplateReason; offer?: SaveOfferKind } }>(
    '/api/companies/:companyId/settings/preview',
    {
      schema: {
        params: companyParams,
        body: {
          type: 'object',
          required: ['channel'],
          additionalProperties: false,
          properties: {
            settings: { type: 'object' },
            // 'page' (the member's offer page) only with `offer`.
            channel: { type: 'string', enum: [...SAVE_OFFER_SURFACES] },
            step: { type: 'integer', minimum: 0, maximum: 9 },
            variant: { type: 'string', enum: [...TEMPLATE_REASONS] },
            /** A save offer's copy instead of a nudge's (issue #15 §4). */
            offer: { type: 'string', enum: [...SAVE_OFFER_KINDS] },
          },
        },
      },
    },
    async (request, reply) => {
      const { settings = {}, channel, step = 0, variant = 'generic', offer } = request.body;
      const { companyId } = companyScopeOf(request);
      if (offer !== undefined) return sendResult(reply, await presentSaveOfferPreview(companyId, db, { settings, offer, channel }, deps.publicUrl), (rendered) => rendered.preview, invalidSettings);
      if (channel === 'page') return sendError(reply, 'bad_request', 'body/channel: "page" is the save offer page; name the offer kind in body/offer');
      return sendResult(reply, presentSettingsPreview({ settings, channel, step, variant }, deps.publicUrl), (rendered) => rendered.preview, invalidSettings);
    },
  );
}
