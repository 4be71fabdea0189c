import type { FastifyInstance } from 'fastify';
import { CHANNELS } from '../../domain/channels.ts';
import type { AppDb } from '../../db/client.ts';
import type { MemberSubject } from '../../db/repositories/member-footprint.repository.ts';
import type { OptOutChannel } from '../../db/schema/member-opt-outs.ts';
import type { Clock } from '../../integrations/clock.ts';
import { presentErasureReceipt, presentErasureReceipts, presentMemberExport } from '../../presenters/member-data.presenter.ts';
import { eraseMemberData } from '../../services/members/erase-member-data.ts';
import { downloadMemberExport, exportMemberData } from '../../services/members/export-member-data.ts';
import { optOutMember } from '../../services/members/opt-out-member.ts';
import { sendError } from '../errors.ts';
import type { Audit } from '../plugins/audit.ts';
import type { Auth } from '../plugins/auth.ts';
import { companyScopeOf, useCompanyScope } from '../plugins/company-scope.ts';
import { sendResult } from '../send-result.ts';
import { companyParams } from './companies.ts';

export interface MemberDataRouteDeps {
  db: AppDb;
  auth: Auth;
  audit: Audit;
  clock: Clock;
}

const exportParams = { type: 'object', required: ['companyId', 'exportId'], properties: { ...companyParams.properties, exportId: { type: 'string', format: 'uuid' } } } as const;
/** A member is named by exactly one of their Whop user id or their email address. */
const subjectProperties = {
  user_id: { type: 'string', pattern: '^user_[A-Za-z0-9_-]{1,64}$' },
  email: { type: 'string', format: 'email', maxLength: 320 },
} as const;

type Params = { companyId: string };
type SubjectBody = { user_id?: string; email?: string };

/** null (the caller answers 400) unless exactly one of user_id and email is given. */
function subjectOf(body: SubjectBody): MemberSubject | null {
  if (Boolean(body.user_id) === Boolean(body.email)) return null;
  return body.user_id ? { kind: 'user_id', value: body.user_id } : { kind: 'email', value: body.email! };
}

const NO_SUBJECT = 'user_id or email: give exactly one of them to name the member';

/**
 * Member data rights (GDPR / CCPA), for the creator of the company or an operator: export (a JSON
 * document downloadable for 7 days), erasure (with a receipt), opt-out on the member's behalf.
 * Every call is scoped to the company in the path (useCompanyScope); the services audit each action.
 */
export async function memberDataRoutes(app: FastifyInstance, deps: MemberDataRouteDeps): Promise<void> {
  const { db, clock } = deps;
  useCompanyScope(app, deps);

  app.post<{ Params: Params; Body: SubjectBody }>(
    '/api/companies/:companyId/member-data/exports',
    { schema: { params: companyParams, body: { type: 'object', additionalProperties: false, properties: subjectProperties } } },
    async (request, reply) => {
      const { companyId, actor } = companyScopeOf(request);
      const subject = subjectOf(request.body);
      if (!subject) return sendError(reply, 'invalid_body', NO_SUBJECT);
      const result = await exportMemberData({ db, clock }, { companyId, subject, actor, ip: request.ip });
      return sendResult(reply, result, (created) => reply.code(201).send(presentMemberExport(companyId, created)));
    },
  );

  app.get<{ Params: Params & { exportId: string } }>(
    '/api/companies/:companyId/member-data/exports/:exportId',
    { schema: { params: exportParams } },
    async (request, reply) => {
      const { companyId, actor } = companyScopeOf(request);
      const result = await downloadMemberExport({ db, clock }, { companyId, exportId: request.params.exportId, actor, ip: request.ip });
      return sendResult(reply, result, (found) =>
        reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${found.fileName}"`)
          .header('cache-control', 'no-store')
          .send(found.document),
      );
    },
  );

  app.post<{ Params: Params; Body: SubjectBody & { confirm: true; opt_out?: boolean } }>(
    '/api/companies/:companyId/member-data/erasures',
    {
      schema: {
        params: companyParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['confirm'],
          properties: { ...subjectProperties, confirm: { const: true }, opt_out: { type: 'boolean' } },
        },
      },
    },
    async (request, reply) => {
      const { companyId, actor } = companyScopeOf(request);
      const subject = subjectOf(request.body);
      if (!subject) return sendError(reply, 'invalid_body', NO_SUBJECT);
      const result = await eraseMemberData({ db, clock }, { companyId, subject, actor, ip: request.ip, optOut: request.body.opt_out === true });
      return sendResult(reply, result, presentErasureReceipt);
    },
  );

  app.get<{ Params: Params }>('/api/companies/:companyId/member-data/erasures', { schema: { params: companyParams } }, async (request) =>
    presentErasureReceipts(companyScopeOf(request).companyId, db),
  );

  app.post<{ Params: Params; Body: SubjectBody & { channels: OptOutChannel[] } }>(
    '/api/companies/:companyId/member-data/opt-outs',
    {
      schema: {
        params: companyParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['channels'],
          properties: { ...subjectProperties, channels: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...CHANNELS] } } },
        },
      },
    },
    async (request, reply) => {
      const { companyId, actor } = companyScopeOf(request);
      const subject = subjectOf(request.body);
      if (!subject) return sendError(reply, 'invalid_body', NO_SUBJECT);
      const result = await optOutMember({ db }, { companyId, subject, channels: request.body.channels, actor, ip: request.ip });
      return sendResult(reply, result, (done) => ({ opted_out: done.optedOut, newly_opted_out: done.newlyOptedOut }));
    },
  );
}
