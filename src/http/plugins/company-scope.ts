import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditAction } from '../../db/repositories/audit-log.repository.ts';
import type { Audit } from './audit.ts';
import { actorOf, type Auth, type Principal } from './auth.ts';

/** Who asks, for which company, and the audit of what they did (scoped to that company and actor). */
export interface CompanyScope {
  companyId: string;
  principal: Principal;
  /** `operator:<email>` or `creator:<user id>`, for timelines and the audit log. */
  actor: string;
  /** Records the action once its outcome is known (never fails the answer: see createAudit). */
  audit(action: AuditAction, target: string, detail: Record<string, unknown>): Promise<void>;
}

/** An operator's request, and its audit (company-less: operator actions span companies). */
export interface OperatorScope {
  operator: Extract<Principal, { kind: 'operator' }>;
  actor: string;
  audit(action: AuditAction, target: string, detail: Record<string, unknown>): Promise<void>;
}

const companyScopes = new WeakMap<FastifyRequest, CompanyScope>();
const operatorScopes = new WeakMap<FastifyRequest, OperatorScope>();

/**
 * Every route `app` registers is under `/api/companies/:companyId`: one preHandler authorizes the
 * principal for that company (401, 403 on a missing CSRF token, 404 for a company that is not
 * theirs, all through errors.ts) before any handler runs. A preHandler runs after the schema, so
 * bad input still answers 400 before credentials are looked at, as it did when each handler asked.
 * Call it first in a route plugin; handlers read the scope with companyScopeOf(request).
 */
export function useCompanyScope(app: FastifyInstance, deps: { auth: Auth; audit: Audit }): void {
  app.addHook('preHandler', async (request, reply) => {
    const companyId = (request.params as { companyId?: unknown }).companyId;
    if (typeof companyId !== 'string') throw new Error(`${request.routeOptions.url ?? 'route'} is company-scoped but has no :companyId`);
    const principal = await deps.auth.authorize(request, reply, companyId);
    if (!principal) return reply;
    const actor = actorOf(principal);
    companyScopes.set(request, { companyId, principal, actor, audit: (action, target, detail) => deps.audit(request, { companyId, actor, action, target, detail }) });
  });
}

/** Operators only, for every route `app` registers: a creator gets the 404 an unknown route gets. */
export function useOperatorScope(app: FastifyInstance, deps: { auth: Auth; audit?: Audit }): void {
  app.addHook('preHandler', async (request, reply) => {
    const operator = await deps.auth.authorizeOperator(request, reply);
    if (!operator) return reply;
    const actor = actorOf(operator);
    operatorScopes.set(request, {
      operator,
      actor,
      audit: async (action, target, detail) => {
        if (!deps.audit) throw new Error('useOperatorScope: no audit given');
        await deps.audit(request, { companyId: null, actor, action, target, detail });
      },
    });
  });
}

/** The scope the preHandler set; a handler outside useCompanyScope is a bug, not a 4xx. */
export function companyScopeOf(request: FastifyRequest): CompanyScope {
  const scope = companyScopes.get(request);
  if (!scope) throw new Error(`${request.routeOptions.url ?? 'route'} read a company scope it was not given (useCompanyScope)`);
  return scope;
}

export function operatorScopeOf(request: FastifyRequest): OperatorScope {
  const scope = operatorScopes.get(request);
  if (!scope) throw new Error(`${request.routeOptions.url ?? 'route'} read an operator scope it was not given (useOperatorScope)`);
  return scope;
}
