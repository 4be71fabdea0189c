import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { unsubscribeMember } from '../../services/unsubscribe-member.ts';
import { errorBody } from '../errors.ts';

const PAGE = (message: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Unsubscribe</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5"><h1>Unsubscribe</h1><p>${message}</p></body></html>`;

/**
 * GET: the link in every email (a person clicking). POST: RFC 8058 one-click from the mail client
 * (List-Unsubscribe-Post): email only. POST ?scope=all (the page's button): every channel.
 */
export async function unsubscribeRoutes(app: FastifyInstance, deps: { db: AppDb; signingKey: string }): Promise<void> {
  // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` as a form; the page's own button
  // posts `scope=all`. The token is in the query; of the body (4 KiB at most) only scope is read.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) =>
    done(null, { scope: new URLSearchParams(String(body)).get('scope') === 'all' ? 'all' : undefined }),
  );
  const schema = {
    querystring: {
      type: 'object',
      required: ['token'],
      properties: { token: { type: 'string', minLength: 10, maxLength: 2000 }, scope: { type: 'string', enum: ['email', 'all'] } },
    },
  } as const;
  type Query = { token: string; scope?: 'email' | 'all' };
  app.get<{ Querystring: Query }>('/api/unsubscribe', { schema }, async (request, reply) => {
    const result = await unsubscribeMember(deps, request.query.token, 'email', request.ip);
    reply.header('content-type', 'text/html; charset=utf-8');
    if (!result.ok) return reply.code(400).send(PAGE('This unsubscribe link is not valid. Reply to the email and we will remove you by hand.'));
    // No action: the form posts back to this very URL (token included), so the page never repeats the token.
    const allForm = `<form method="post"><input type="hidden" name="scope" value="all"><button type="submit">Also stop Whop notifications and messages about this payment</button></form>`;
    return reply.send(PAGE(`You will not receive further payment reminder emails for this membership. You can still fix your payment from your Whop account.</p>${allForm}<p>`));
  });
  app.post<{ Querystring: Query; Body: { scope?: 'all' } | undefined }>('/api/unsubscribe', { schema }, async (request, reply) => {
    const scope = request.query.scope ?? request.body?.scope ?? 'email';
    const result = await unsubscribeMember(deps, request.query.token, scope, request.ip);
    if (!result.ok) return reply.code(400).send(errorBody('bad_request', 'token: not a valid unsubscribe token'));
    if (scope === 'all' && request.headers.accept?.includes('text/html'))
      return reply.header('content-type', 'text/html; charset=utf-8').send(PAGE(`You will not receive further payment reminders for this membership on: ${result.channels.join(', ')}.`));
    return reply.send({ unsubscribed: true, channels: result.channels });
  });
}
