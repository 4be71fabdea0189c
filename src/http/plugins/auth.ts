import type {} from '@fastify/cookie';
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../errors.ts';
import { setLogUserId } from '../request-log-controller.ts';

export type Principal = { kind: 'operator'; id: string; email: string; csrf: string } | { kind: 'creator'; userId: string };

export const SESSION_COOKIE = 'cs_session';
const SESSION_HOURS = 12;

export interface AuthOptions {
  /** Signs operator sessions (JWT_SECRET). */
  sessionSecret: string;
  /** Secure cookies (production, behind TLS). */
  secureCookies: boolean;
  /** Verifies Whop's x-whop-user-token; null when it is not valid (or WHOP_APP_ID is not set). */
  verifyCreatorToken: (token: string) => Promise<{ userId: string } | null>;
  /** Whether the Whop user is an admin of the company (cached by the caller). */
  isCompanyAdmin: (companyId: string, userId: string) => Promise<boolean>;
  /** Whether we know the company at all (operators may open any company we know). */
  companyExists: (companyId: string) => Promise<boolean>;
}

export function createAuth(options: AuthOptions) {
  const key = new TextEncoder().encode(`session:${options.sessionSecret}`);

  async function issueSession(reply: FastifyReply, operator: { id: string; email: string }): Promise<string> {
    const csrf = randomBytes(24).toString('base64url');
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ email: operator.email, csrf })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(operator.id)
      .setIssuedAt()
      .setExpirationTime(`${SESSION_HOURS}h`)
      .sign(key);
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: options.secureCookies, path: '/', maxAge: SESSION_HOURS * 3600 });
    return csrf;
  }

  function clearSession(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  /**
   * Who is asking: an operator (session cookie) or a creator (Whop's user token header, verified
   * with the SDK). Client-sent ids (x-company-id, a user id in the body) are never trusted.
   */
  // Asked by the rate limit and again by the route: verified once per request.
  const verified = new WeakMap<FastifyRequest, Promise<Principal | null>>();
  function principalOf(request: FastifyRequest): Promise<Principal | null> {
    let principal = verified.get(request);
    if (!principal) verified.set(request, (principal = identify(request)));
    return principal;
  }

  async function identify(request: FastifyRequest): Promise<Principal | null> {
    const principal = await resolvePrincipal(request);
    // The request's log line names who it was from (the guide's request middleware logs userId).
    if (principal) setLogUserId(request, principal.kind === 'operator' ? principal.id : principal.userId);
    return principal;
  }

  async function resolvePrincipal(request: FastifyRequest): Promise<Principal | null> {
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) {
      try {
        const { jwtVerify } = await import('jose');
        const { payload } = await jwtVerify(cookie, key, { algorithms: ['HS256'] });
        if (typeof payload.sub === 'string' && typeof payload.email === 'string' && typeof payload.csrf === 'string')
          return { kind: 'operator', id: payload.sub, email: payload.email, csrf: payload.csrf };
      } catch {
        // An expired or forged cookie is the same as none.
      }
    }
    const header = request.headers['x-whop-user-token'];
    const token = Array.isArray(header) ? header[0] : header;
    if (token) {
      const verified = await options.verifyCreatorToken(token);
      if (verified) return { kind: 'creator', userId: verified.userId };
    }
    return null;
  }

  /**
   * Answers 401 (no credentials), 403 (CSRF) or 404 (not this principal's company) and returns
   * null; otherwise the principal. A cookie-authenticated write must carry the session's CSRF token.
   */
  async function authorize(request: FastifyRequest, reply: FastifyReply, companyId?: string): Promise<Principal | null> {
    const principal = await principalOf(request);
    if (!principal) {
      await reply.code(401).send(errorBody('unauthorized', 'sign in: an operator session or a Whop user token is required'));
      return null;
    }
    if (principal.kind === 'operator' && !['GET', 'HEAD', 'OPTIONS'].includes(request.method) && request.headers['x-csrf-token'] !== principal.csrf) {
      await reply.code(403).send(errorBody('forbidden', 'x-csrf-token header missing or wrong'));
      return null;
    }
    // A creator sees their company even before its first webhook (to set it up); an operator only companies we know.
    const allowed =
      companyId === undefined ||
      (principal.kind === 'creator' ? await options.isCompanyAdmin(companyId, principal.userId) : await options.companyExists(companyId));
    if (!allowed) {
      await reply.code(404).send(errorBody('not_found', `company ${companyId} not found`));
      return null;
    }
    return principal;
  }

  /** Operators only (admin overview, company list); a creator gets 404 as if it did not exist. */
  async function authorizeOperator(request: FastifyRequest, reply: FastifyReply): Promise<Extract<Principal, { kind: 'operator' }> | null> {
    const principal = await authorize(request, reply);
    if (!principal) return null;
    if (principal.kind !== 'operator') {
      await reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
      return null;
    }
    return principal;
  }

  return { issueSession, clearSession, principalOf, authorize, authorizeOperator };
}

export type Auth = ReturnType<typeof createAuth>;

/** Who did it, for timelines and the audit log. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'operator' ? `operator:${principal.email}` : `creator:${principal.userId}`;
}
