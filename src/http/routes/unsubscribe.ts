import type { FastifyInstance } from 'fastify';
import type { AppDb } from '../../db/client.ts';
import { unsubscribeMember } from '../../services/unsubscribe-member.ts';
import { errorBody } from '../errors.ts';

const PAGE = (message: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Unsubscribe</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5"><h1>Unsubscribe</h1><p>${message}</p></body></html>`;

/**
 * GET: the link in every email (a person clicking). POST: RFC 8058 one-click from the mail client
 * (List-Unsubscribe-Post). Both add the address to the company's suppression list.
 */
export async function unsubscribeRoutes(app: FastifyInstance, deps: { db: AppDb; signingKey: string }): Promise<void> {
  // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` as a form. The token is in the
  // query; the body is read (4 KiB at most) and ignored.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data'], { parseAs: 'string', bodyLimit: 4096 }, (_request, _body, done) => done(null, {}));
  const schema = { querystring: { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 10, maxLength: 2000 } } } } as const;
  app.get<{ Querystring: { token: string } }>('/api/unsubscribe', { schema }, async (request, reply) => {
    const result = await unsubscribeMember(deps, request.query.token);
    reply.header('content-type', 'text/html; charset=utf-8');
    if (!result.ok) return reply.code(400).send(PAGE('This unsubscribe link is not valid. Reply to the email and we will remove you by hand.'));
    return reply.send(PAGE('You will not receive further payment reminder emails for this membership. You can still fix your payment from your Whop account.'));
  });
  app.post<{ Querystring: { token: string } }>('/api/unsubscribe', { schema }, async (request, reply) => {
    const result = await unsubscribeMember(deps, request.query.token);
    if (!result.ok) return reply.code(400).send(errorBody('bad_request', 'token: not a valid unsubscribe token'));
    return reply.send({ unsubscribed: true });
  });
}
