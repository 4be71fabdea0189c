import type { ChannelModule } from './channel-module.ts';
import { whyWhopUserUnreachable } from './whop-recipient.ts';

/** Whop direct messages (Markdown body), through the Whop gateway. */
export const dm: ChannelModule = {
  isConfigured: (deps) => deps.whop !== null,
  whyUnreachable: (to) => whyWhopUserUnreachable('dm', to),
  render: (composed) => ({ renderedSubject: null, renderedBody: composed.dm.body }),
  async send(deps, composed, to) {
    const sent = await deps.whop!.sendDirectMessage({ companyId: to.companyId, userId: to.userId!, content: composed.dm.body });
    return sent.ok ? { ok: true, providerMessageId: sent.value.messageId } : { ...sent, maybeDelivered: sent.maybeApplied === true };
  },
};
