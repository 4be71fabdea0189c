import type { Me, SettingsProblem } from './types.ts';

/**
 * The dashboard's only way to the server. Same-origin fetch: inside Whop's iframe, Whop's proxy
 * adds the user token header itself; operators are authenticated by the HttpOnly session cookie
 * and must echo the CSRF token (from login or GET /api/auth/me) on every state-changing request.
 */

/** An API failure with the server's `{error: {code, message}}`, ready to show to the user. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problems: SettingsProblem[];

  constructor(status: number, code: string, message: string, problems: SettingsProblem[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problems = problems;
  }
}

let csrfToken: string | null = null;
let meRequest: Promise<Me | null> | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Who is signed in (null when nobody: 401). Cached; `refresh` asks again. */
export function loadMe(refresh = false): Promise<Me | null> {
  if (refresh || meRequest === null) {
    meRequest = request<Me>('GET', '/api/auth/me')
      .then((me) => {
        if (me.kind === 'operator') csrfToken = me.csrf_token;
        return me;
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) return null;
        meRequest = null; // a network problem: try again next time
        throw error;
      });
  }
  return meRequest;
}

/** Forget the cached identity (after login or logout). */
export function resetMe(me?: Me | null): void {
  meRequest = me === undefined ? null : Promise.resolve(me);
  if (me && me.kind === 'operator') csrfToken = me.csrf_token;
  if (me === null) csrfToken = null;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
  const changesState = method !== 'GET';
  if (changesState && csrfToken === null && path !== '/api/auth/login') {
    // Operators who reloaded the page: the token comes back from /api/auth/me. Creators have none.
    await loadMe().catch(() => null);
  }
  let response = await send(method, path, options);
  if (changesState && response.status === 403 && csrfToken !== null) {
    // A stale token (the session was renewed elsewhere): fetch the current one and try once more.
    const body = await readError(response.clone());
    if (/csrf/i.test(`${body.code} ${body.message}`)) {
      await loadMe(true).catch(() => null);
      response = await send(method, path, options);
    }
  }
  if (!response.ok) {
    const error = await readError(response);
    throw new ApiError(response.status, error.code, error.message, error.problems);
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return (await response.text()) as T;
  return (await response.json()) as T;
}

function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  return fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
  }).catch((error: unknown) => {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'Could not reach Churn Saver. Check your connection and try again.');
  });
}

/** Parses `{error: {code, message, problems?}}`, falling back to the HTTP status when the body is not that. */
export async function readError(response: Response): Promise<{ code: string; message: string; problems: SettingsProblem[] }> {
  const fallback = { code: `http_${response.status}`, message: defaultMessage(response.status), problems: [] as SettingsProblem[] };
  try {
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null || !('error' in body)) return fallback;
    const error = (body as { error: unknown }).error;
    if (typeof error !== 'object' || error === null) return fallback;
    const { code, message, problems } = error as { code?: unknown; message?: unknown; problems?: unknown };
    return {
      code: typeof code === 'string' ? code : fallback.code,
      message: typeof message === 'string' && message !== '' ? message : fallback.message,
      problems: Array.isArray(problems) ? problems.filter(isProblem) : [],
    };
  } catch {
    return fallback;
  }
}

function isProblem(value: unknown): value is SettingsProblem {
  return typeof value === 'object' && value !== null && typeof (value as SettingsProblem).field === 'string' && typeof (value as SettingsProblem).message === 'string';
}

function defaultMessage(status: number): string {
  if (status === 401) return 'You are not signed in.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many requests. Wait a moment and try again.';
  if (status >= 500) return `The server had a problem (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

/** `/api/companies/:id` + path, with the id encoded. */
export function companyPath(companyId: string, path = ''): string {
  return `/api/companies/${encodeURIComponent(companyId)}${path}`;
}

/** A query string from the defined, non-empty values (no leading `?` when empty). */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, signal ? { signal } : {}),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
};
