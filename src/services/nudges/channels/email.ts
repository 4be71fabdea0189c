import { unsubscribeUrl } from '../../members/unsubscribe-links.ts';
import type { ChannelModule } from './channel-module.ts';

/** Email over SMTP, with a one-click unsubscribe header (RFC 8058). */
export const email: ChannelModule = {
  isConfigured: (deps) => deps.email !== null,
  whyUnreachable(to) {
    if (!to.email) return 'no email address for this member';
    return to.optedOut.has('email') ? 'address unsubscribed' : null;
  },
  render: (composed) => ({ renderedSubject: composed.email.subject, renderedBody: composed.email.text }),
  async send(deps, composed, to) {
    const unsubscribe = unsubscribeUrl(deps.links.publicUrl, deps.links.signingKey, { companyId: to.companyId, email: to.email!, whopUserId: to.userId });
    const sent = await deps.email!.send({
      to: to.email!,
      subject: composed.email.subject,
      text: composed.email.text,
      html: composed.email.html,
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    // A timeout or a dropped socket without an SMTP reply: the server may have accepted it.
    return sent.ok ? { ok: true, providerMessageId: sent.messageId } : { ok: false, retryable: sent.retryable, retryAfterMs: null, message: sent.message, maybeDelivered: sent.responseCode === null && /ETIMEDOUT|ESOCKET/.test(sent.message) };
  },
};
