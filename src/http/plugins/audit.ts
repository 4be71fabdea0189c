import type { FastifyRequest } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { recordAuditEvent, type NewAuditEvent } from '../../db/repositories/audit-log.repository.ts';

/**
 * Writes a creator's or operator's action to audit.events with the client ip, once its outcome is
 * known. Called after the action committed, so a failed audit write is logged and does not turn
 * the answer into a 500: the client would retry an action that already happened (a terminate, a nudge).
 */
export function createAudit(deps: { db: AppDb }) {
  return async function audit(request: FastifyRequest, event: Omit<NewAuditEvent, 'ip'>): Promise<void> {
    try {
      await recordAuditEvent(deps.db, { ...event, ip: request.ip });
    } catch (error) {
      request.log.error({ err: error, action: event.action }, 'audit event not recorded');
    }
  };
}

export type Audit = ReturnType<typeof createAudit>;
