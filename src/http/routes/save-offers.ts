import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../../domain/message-template.ts';
import { presentSaveOffer } from '../../presenters/save-offer.presenter.ts';
import { acceptSaveOffer, type AcceptSaveOfferResult, type SaveDeps } from '../../services/saves/accept-save-offer.ts';
import { errorBody } from '../errors.ts';
import { memberPage } from '../member-page.ts';

type Query = { t?: unknown };

const page = (title: string, brand: string | null, body: string) => memberPage({ title, brand, body });
const NOT_AVAILABLE = page('This offer link is not complete', null, '<p>The link may have been cut off when it was copied. Open it again from the message you received. Your membership has not been changed.</p>');

/**
 * The save offer's page (issue #15 §2), reached through the click redirect. GET shows the offer
 * and a button; it changes nothing (mail scanners fetch links). POST (the button, or a JSON client)
 * accepts: the scheduled cancellation is undone in Whop and the save recorded. Bad input answers
 * 4xx: HTML for a browser, `{ error: { code, message } }` otherwise.
 */
export async function saveOfferRoutes(app: FastifyInstance, deps: SaveDeps): Promise<void> {
  // The page's form posts an empty urlencoded body; nothing in it is read (the token is in the query).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) => done(null, {}));
  const html = (reply: FastifyReply) => reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  const wantsHtml = (request: FastifyRequest) => request.headers.accept?.includes('text/html') === true;

  app.get<{ Querystring: Query }>('/save', async (request, reply) => {
    const view = await presentSaveOffer(deps, request.query.t);
    if (!view.ok) return html(reply).code(view.reason === 'invalid_token' ? 400 : 404).send(NOT_AVAILABLE);
    const brand = view.companyName;
    const code = view.promo
      ? `<p data-testid="save-promo-code">Your promo code: <strong>${escapeHtml(view.promo.code)}</strong> (${escapeHtml(view.promo.offer)}${view.promo.expiresAt ? `, valid until ${escapeHtml(view.promo.expiresAt.toISOString().slice(0, 10))}` : ''}).</p>`
      : '';
    if (view.accepted || view.status === 'saved' || view.status === 'held')
      return html(reply).send(page('Your membership continues', brand, `<p data-testid="save-done">Your cancellation is undone: nothing more to do.</p>${code}`));
    if (view.status !== 'open') return html(reply).send(page('This offer has ended', brand, '<p data-testid="save-ended">Your membership was already cancelled, so this offer can no longer be used.</p>'));
    const ends = view.cancelsAt ? `<p class="muted">If you do nothing, your membership ends on ${escapeHtml(view.cancelsAt.toISOString().slice(0, 10))} as you asked.</p>` : '<p class="muted">If you do nothing, your cancellation goes ahead as you asked.</p>';
    // No action attribute: the form posts back to this very URL (token included).
    return html(reply).send(
      page(view.copy.title, brand, `<p>${escapeHtml(view.copy.lead)}</p>${code}<form method="post"><button class="primary" type="submit" data-testid="save-accept">${escapeHtml(view.copy.button)}</button></form>${ends}`),
    );
  });

  app.post<{ Querystring: Query }>('/save', async (request, reply) => {
    const result = await acceptSaveOffer(deps, { token: request.query.t, ip: request.ip });
    if (wantsHtml(request)) return answerHtml(reply, result, html);
    if (result.ok) return reply.send({ accepted: true, already_accepted: result.alreadyAccepted, incentive: result.incentive });
    return reply.code(statusOf(result)).send(result.reason === 'invalid_token' ? errorBody('bad_request', result.message) : { error: { code: codeOf(result), reason: result.reason, message: result.message } });
  });
}

function statusOf(result: Exclude<AcceptSaveOfferResult, { ok: true }>): number {
  switch (result.reason) {
    case 'invalid_token':
      return 400;
    case 'not_found':
    case 'held_out':
      return 404;
    case 'case_closed':
      return 409;
    case 'whop_not_configured':
      return 503;
    case 'whop_failed':
      return 502;
  }
}

function codeOf(result: Exclude<AcceptSaveOfferResult, { ok: true }>) {
  return ({ 400: 'bad_request', 404: 'not_found', 409: 'conflict', 502: 'bad_gateway', 503: 'unavailable' } as const)[statusOf(result) as 400 | 404 | 409 | 502 | 503];
}

function answerHtml(reply: FastifyReply, result: AcceptSaveOfferResult, html: (reply: FastifyReply) => FastifyReply) {
  if (result.ok) {
    const days = result.incentive === 'failed' ? `<p class="muted">${result.offer === 'pause' ? 'The pause could not be set up just now' : 'The free days could not be added just now'}; your membership is kept all the same.</p>` : '';
    return html(reply).send(page('Your membership continues', null, `<p data-testid="save-done">Your cancellation is undone: your membership renews as before.</p>${days}`));
  }
  if (result.reason === 'invalid_token' || result.reason === 'not_found' || result.reason === 'held_out') return html(reply).code(statusOf(result)).send(NOT_AVAILABLE);
  if (result.reason === 'case_closed') return html(reply).code(409).send(page('This offer has ended', null, `<p>${escapeHtml(result.message)}. Your membership was not changed.</p>`));
  return html(reply).code(statusOf(result)).send(page('Please try again', null, '<p>We could not reach Whop to keep your membership. Nothing was changed; please try again in a minute.</p>'));
}
