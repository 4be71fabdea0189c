import type { ChannelModule } from './channel-module.ts';
import { whyWhopUserUnreachable } from './whop-recipient.ts';

/** Whop push notifications (title + body), through the Whop gateway. */
export const push: ChannelModule = {
  isConfigured: (deps) => deps.whop !== null,
  whyUnreachable: (to) => whyWhopUserUnreachable('push', to),
  render: (composed) => ({ renderedSubject: composed.push.title, renderedBody: composed.push.body }),
  async send(deps, composed, to) {
    const pushed = await deps.whop!.sendPush({ companyId: to.companyId, productId: to.productId, userId: to.userId!, title: composed.push.title, content: composed.push.body });
    return pushed.ok ? { ok: true, providerMessageId: null } : { ...pushed, maybeDelivered: pushed.maybeApplied === true };
  },
};
