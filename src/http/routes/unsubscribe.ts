import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { channelListText, WHOP_CHANNELS } from '../../domain/channels.ts';
import { escapeHtml } from '../../domain/message-template.ts';
import { presentUnsubscribe } from '../../presenters/unsubscribe.presenter.ts';
import { unsubscribeMember } from '../../services/members/unsubscribe-member.ts';
import { errorBody } from '../errors.ts';
import { memberPage } from '../member-page.ts';

type Scope = 'email' | 'all';
type Query = { token?: unknown; scope?: unknown };

const INVALID_LINK = memberPage({
  title: 'This unsubscribe link is not complete',
  brand: null,
  body: '<p>The link may have been cut off when it was copied. Open it again from the email, or reply to the email and ask to be removed: nobody will send you further reminders after that.</p>',
});

/**
 * GET (the link in the email's body, and whatever a mail scanner fetches): a page in the
 * creator's name with the buttons; it changes nothing. POST: RFC 8058 one-click from the mail
 * client (List-Unsubscribe-Post, `List-Unsubscribe=One-Click`): email only; the page's buttons
 * post `scope=email` or `scope=all` (email, Whop push and DMs) to the same URL.
 */
export async function unsubscribeRoutes(app: FastifyInstance, deps: { db: AppDb; signingKey: string }): Promise<void> {
  // Mail clients POST a form; of the body (4 KiB at most) only scope is read. The token is in the query.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
    const scope = new URLSearchParams(String(body)).get('scope');
    done(null, { scope: scope === 'all' || scope === 'email' ? scope : undefined });
  });
  const html = (reply: FastifyReply) => reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
  const wantsHtml = (request: FastifyRequest) => request.headers.accept?.includes('text/html') === true;

  app.get<{ Querystring: Query }>('/api/unsubscribe', async (request, reply) => {
    const page = await presentUnsubscribe(deps, request.query.token);
    if (!page.ok) return html(reply).code(400).send(INVALID_LINK);
    const from = page.companyName ? escapeHtml(page.companyName) : 'this community';
    const buttons = [
      `<button class="primary" type="submit" name="scope" value="email" data-testid="unsubscribe-email">Stop reminder emails</button>`,
      page.canStopWhop ? `<button class="secondary" type="submit" name="scope" value="all" data-testid="unsubscribe-all">Stop all reminders: ${channelListText(['email', ...WHOP_CHANNELS])}</button>` : '',
    ].join('');
    // No action attribute: the form posts back to this very URL (token included).
    return html(reply).send(
      memberPage({
        title: `Stop payment reminders from ${from}?`,
        brand: page.companyName,
        body:
          `<p>You get these messages because a payment for your ${from} membership didn't go through.</p>` +
          `<form method="post">${buttons}</form>` +
          `<p class="muted">Stopping reminders does not cancel your membership. You can still fix your payment from your Whop account.</p>`,
      }),
    );
  });

  app.post<{ Querystring: Query; Body: { scope?: Scope } | undefined }>('/api/unsubscribe', async (request, reply) => {
    const scope: Scope = request.query.scope === 'all' || request.body?.scope === 'all' ? 'all' : 'email';
    const page = await presentUnsubscribe(deps, request.query.token);
    const result = page.ok ? await unsubscribeMember(deps, request.query.token as string, scope, request.ip) : null;
    if (!page.ok || !result?.ok) {
      if (wantsHtml(request)) return html(reply).code(400).send(INVALID_LINK);
      return reply.code(400).send(errorBody('bad_request', 'token: not a valid unsubscribe token'));
    }
    if (!wantsHtml(request)) return reply.send({ unsubscribed: true, channels: result.channels });
    const from = page.companyName ? escapeHtml(page.companyName) : 'this community';
    return html(reply).send(
      memberPage({
        title: 'You are unsubscribed',
        brand: page.companyName,
        body:
          `<p data-testid="unsubscribe-done">You will not receive further payment reminders from ${from} by ${channelListText(result.channels, 'or')}.</p>` +
          `<p class="muted">Your membership is not cancelled. You can still fix your payment from your Whop account.</p>`,
      }),
    );
  });
}
