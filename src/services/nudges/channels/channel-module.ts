import type { Channel } from '../../../domain/channels.ts';
import type { ComposedNudge } from '../../../domain/compose-nudge.ts';
import type { NudgeDeps } from '../nudge-deps.ts';

/** Who a nudge goes to, as far as the channels need to know. */
export interface Recipient {
  companyId: string;
  userId: string | null;
  email: string | null;
  productId: string | null;
  /** Channels the member opted out of (for this company). */
  optedOut: ReadonlySet<Channel>;
}

/** `maybeDelivered`: the sending call timed out, so the provider may have delivered it. */
export type ChannelOutcome = { ok: true; providerMessageId: string | null } | { ok: false; retryable: boolean; retryAfterMs: number | null; message: string; maybeDelivered?: boolean };

/** What a delivery row keeps of the message, so the case timeline shows what the member got. */
export interface RenderedMessage {
  renderedSubject: string | null;
  renderedBody: string;
}

/**
 * One channel behind one interface. CHANNEL_MODULES is a Record<Channel, ChannelModule>, so a
 * channel added to domain/channels.ts without its module fails to compile.
 */
export interface ChannelModule {
  /** Its provider is configured; when not, the message is recorded as outbox with its text. */
  isConfigured(deps: NudgeDeps): boolean;
  /** Why this member cannot be reached on the channel (no address, opted out), or null. */
  whyUnreachable(to: Recipient): string | null;
  /** The channel's message out of the composed step. */
  render(composed: ComposedNudge): RenderedMessage;
  /** One provider call; only called when configured and reachable. */
  send(deps: NudgeDeps, composed: ComposedNudge, to: Recipient): Promise<ChannelOutcome>;
}
