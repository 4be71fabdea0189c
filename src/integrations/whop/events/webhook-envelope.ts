import { z } from 'zod';

/**
 * The v1 envelope, identical for every Whop event (reference §1.1):
 * `{ id: "msg_…", api_version: "v1", type, timestamp: ISO send time, data, company_id?: "biz_…" | null }`;
 * from 2026-08-14 `account_id` instead of `company_id`.
 * Loose: Whop adds fields without notice and an unknown field must never make us reject an event.
 */
export const webhookEnvelope = z.looseObject({
  id: z.string().nullish(),
  api_version: z.string().nullish(),
  type: z.string().min(1),
  /** When Whop sent the message, not when the thing happened: only a last-resort occurredAt. */
  timestamp: z.string().nullish(),
  /** Checked here only for being an object; each event file parses the part it needs. */
  data: z.looseObject({}),
  /** Set on app webhooks, which receive every installed company's events. */
  company_id: z.string().nullish(),
  /** The same, for webhooks pinned on or after 2026-08-14 (Whop renamed company to account). */
  account_id: z.string().nullish(),
});

export type WebhookEnvelope = z.infer<typeof webhookEnvelope>;
