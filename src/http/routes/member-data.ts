import { CHANNELS } from '../../domain/channels.ts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { desc, eq } from 'drizzle-orm';
import type { MemberSubject } from '../../db/repositories/member-footprint.repository.ts';
import { recordOptOuts } from '../../db/repositories/outreach.repository.ts';
import { recordAuditEvent } from '../../db/repositories/audit-log.repository.ts';
import { memberErasures } from '../../db/schema/member-data.ts';
import type { OptOutChannel } from '../../db/schema/member-opt-outs.ts';
import type { Clock } from '../../integrations/clock.ts';
import { eraseMemberData } from '../../services/members/erase-member-data.ts';
import { downloadMemberExport, exportMemberData } from '../../services/members/export-member-data.ts';
import { memberTarget, subjectHash } from '../../services/members/member-subject.ts';
import { errorBody } from '../errors.ts';
import { companyParams } from './companies.ts';
import { actorOf, type Auth } from '../plugins/auth.ts';

export interface MemberDataRouteDeps {
  db: AppDb;
  auth: Auth;
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

const NO_SUBJECT = errorBody('invalid_body', 'user_id or email: give exactly one of them to name the member');

function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).send(errorBody('not_found', message));
}

/**
 * Member data rights (GDPR / CCPA), for the creator of the company or an operator: export (a JSON
 * document downloadable for 7 days), erasure (with a receipt), opt-out on the member's behalf.
 * Every call is scoped to the company in the path and audited.
 */
export async function memberDataRoutes(app: FastifyInstance, deps: MemberDataRouteDeps): Promise<void> {
  const { auth, db, clock } = deps;

  app.post<{ Params: Params; Body: SubjectBody }>(
    '/api/companies/:companyId/member-data/exports',
    { schema: { params: companyParams, body: { type: 'object', additionalProperties: false, properties: subjectProperties } } },
    async (request, reply) => {
      const principal = await auth.authorize(request, reply, request.params.companyId);
      if (!principal) return reply;
      const subject = subjectOf(request.body);
      if (!subject) return reply.code(400).send(NO_SUBJECT);
      const result = await exportMemberData({ db, clock }, { companyId: request.params.companyId, subject, actor: actorOf(principal), ip: request.ip });
      if (!result.ok) return notFound(reply, result.message);
      return reply.code(201).send({
        export: {
          id: result.id,
          expires_at: result.expiresAt.toISOString(),
          size_bytes: result.sizeBytes,
          counts: result.counts,
          download_url: `/api/companies/${request.params.companyId}/member-data/exports/${result.id}`,
        },
      });
    },
  );

  app.get<{ Params: Params & { exportId: string } }>(
    '/api/companies/:companyId/member-data/exports/:exportId',
    { schema: { params: exportParams } },
    async (request, reply) => {
      const principal = await auth.authorize(request, reply, request.params.companyId);
      if (!principal) return reply;
      const result = await downloadMemberExport({ db, clock }, { companyId: request.params.companyId, exportId: request.params.exportId, actor: actorOf(principal), ip: request.ip });
      if (!result.ok) return result.reason === 'expired' ? reply.code(410).send(errorBody('gone', result.message)) : notFound(reply, result.message);
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${result.fileName}"`)
        .header('cache-control', 'no-store')
        .send(result.document);
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
      const principal = await auth.authorize(request, reply, request.params.companyId);
      if (!principal) return reply;
      const subject = subjectOf(request.body);
      if (!subject) return reply.code(400).send(NO_SUBJECT);
      const result = await eraseMemberData({ db, clock }, { companyId: request.params.companyId, subject, actor: actorOf(principal), ip: request.ip, optOut: request.body.opt_out === true });
      if (!result.ok) return notFound(reply, result.message);
      return reply.send({ receipt: { id: result.receiptId, erased_at: result.at.toISOString(), counts: result.counts } });
    },
  );

  app.get<{ Params: Params }>('/api/companies/:companyId/member-data/erasures', { schema: { params: companyParams } }, async (request, reply) => {
    if (!(await auth.authorize(request, reply, request.params.companyId))) return reply;
    const rows = await db
      .select({ id: memberErasures.id, subject_kind: memberErasures.subjectKind, requested_by: memberErasures.requestedBy, counts: memberErasures.counts, erased_at: memberErasures.createdAt })
      .from(memberErasures)
      .where(eq(memberErasures.companyId, request.params.companyId))
      .orderBy(desc(memberErasures.createdAt))
      .limit(200);
    return { receipts: rows };
  });

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
      const principal = await auth.authorize(request, reply, request.params.companyId);
      if (!principal) return reply;
      const { companyId } = request.params;
      const subject = subjectOf(request.body);
      if (!subject) return reply.code(400).send(NO_SUBJECT);
      const channels = request.body.channels;
      if (subject.kind === 'email' && channels.some((c) => c !== 'email'))
        return reply.code(400).send(errorBody('bad_request', 'channels: push and dm opt-outs need the member\'s user_id (Whop delivers them by user)'));
      if (subject.kind === 'user_id' && channels.includes('email'))
        return reply.code(400).send(errorBody('bad_request', 'channels: an email opt-out needs the member\'s email address'));
      const actor = actorOf(principal);
      const added = await db.transaction(async (tx) => {
        const added = await recordOptOuts(tx, companyId, subject.kind === 'email' ? { email: subject.value } : { whopUserId: subject.value }, channels, { reason: 'member_request', source: actor });
        if (added.length > 0)
          await recordAuditEvent(tx, { companyId, actor, action: 'member.opt_out', target: memberTarget(subjectHash(subject)), ip: request.ip, detail: { ok: true, channels: added, reason: 'member_request' } });
        return added;
      });
      return reply.send({ opted_out: channels, newly_opted_out: added });
    },
  );
}
