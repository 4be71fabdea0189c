import type { FastifyReply } from 'fastify';
import type { SettingsPreviewResult } from '../presenters/settings-preview.presenter.ts';
import type { CancelCaseResult } from '../services/cases/cancel-case.ts';
import type { CancelMembershipResult } from '../services/cases/cancel-membership.ts';
import type { EraseResult } from '../services/members/erase-member-data.ts';
import type { DownloadResult, ExportResult } from '../services/members/export-member-data.ts';
import type { OptOutMemberResult } from '../services/members/opt-out-member.ts';
import type { NudgeNowResult } from '../services/nudges/nudge-case-now.ts';
import type { SendNudgeResult } from '../services/nudges/send-nudge.ts';
import type { RequestReconciliationResult } from '../services/reconciliation/request-reconciliation.ts';
import type { DraftTemplateResult } from '../services/settings/draft-template.ts';
import type { UpdateSettingsResult } from '../services/settings/update-company-settings.ts';
import { sendError, type ErrorCode, type ErrorDetail } from './errors.ts';

type ReasonOf<R> = R extends { ok: false; reason: infer Reason } ? Reason : never;

/** Every reason a service or presenter the routes call refuses with. A new one fails to compile until REFUSAL_CODES lists it. */
export type RefusalReason = ReasonOf<
  | NudgeNowResult
  | SendNudgeResult
  | CancelCaseResult
  | CancelMembershipResult
  | UpdateSettingsResult
  | SettingsPreviewResult
  | DraftTemplateResult
  | ExportResult
  | DownloadResult
  | EraseResult
  | OptOutMemberResult
  | RequestReconciliationResult
>;

/**
 * The one table reason → error code (and so status, through ERROR_STATUS): a case that cannot take
 * the action is a 409 conflict, a provider that failed a 502, a missing thing a 404.
 */
export const REFUSAL_CODES = {
  not_found: 'not_found',
  expired: 'gone',
  case_recovered: 'conflict',
  case_closed: 'conflict',
  too_soon: 'conflict',
  in_progress: 'conflict',
  no_steps_left: 'conflict',
  not_due: 'conflict',
  held_out: 'conflict',
  whop_not_configured: 'conflict',
  whop_failed: 'bad_gateway',
  invalid_settings: 'invalid_settings',
  invalid_request: 'bad_request',
  channel_needs_user_id: 'bad_request',
  channel_needs_email: 'bad_request',
  ai_not_configured: 'conflict',
  ai_timeout: 'gateway_timeout',
  ai_rate_limited: 'unavailable',
  ai_failed: 'bad_gateway',
  ai_refused: 'bad_gateway',
  ai_malformed_answer: 'bad_gateway',
} as const satisfies Record<RefusalReason, ErrorCode>;

/** A refusal as the client reads it: the reason, a sentence, and optional detail (problems, retry hints). */
export interface Refusal {
  reason: RefusalReason;
  message: string;
  detail?: Omit<ErrorDetail, 'reason' | 'requestId'>;
}

/**
 * Answers a refusal: `{ error: { code, message, reason?, ...detail } }` with the code's status. The
 * reason goes along when it says more than the code (`case_closed` under `conflict`).
 */
export function sendRefusal(reply: FastifyReply, refusal: Refusal): FastifyReply {
  const code = REFUSAL_CODES[refusal.reason];
  return sendError(reply, code, refusal.message, { ...(refusal.reason === code ? {} : { reason: refusal.reason }), ...refusal.detail });
}

type Ok<R> = Extract<R, { ok: true }>;
type Failed<R> = Extract<R, { ok: false }>;

/**
 * The one way a route turns a result union into a response: `ok` builds the success body (it may
 * set a status); a refusal goes through sendRefusal, with `refusalOf` giving the message when the
 * result carries none.
 */
export function sendResult<R extends { ok: boolean }>(
  reply: FastifyReply,
  result: R,
  ok: (value: Ok<R>) => unknown,
  ...refusalOf: Failed<R> extends Refusal ? [((failed: Failed<R>) => Refusal)?] : [(failed: Failed<R>) => Refusal]
): unknown {
  if (result.ok) return ok(result as Ok<R>);
  const failed = result as unknown as Failed<R>;
  const map = refusalOf[0];
  return sendRefusal(reply, map ? map(failed) : (failed as unknown as Refusal));
}
