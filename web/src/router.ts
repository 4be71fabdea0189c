import { useSyncExternalStore } from 'react';
import { safeNextPath } from './next-path.ts';

export { safeNextPath };

/** Client-side routing on the History API: no router package, a handful of routes. */

export type Route =
  | { name: 'overview'; companyId: string }
  | { name: 'cases'; companyId: string }
  | { name: 'case'; companyId: string; caseId: string }
  | { name: 'settings'; companyId: string }
  | { name: 'admin' }
  | { name: 'login' }
  | { name: 'home' }
  | { name: 'not-found' };

const NAVIGATE_EVENT = 'cs:navigate';

export function matchRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((part) => part !== '').map(safeDecode);
  const [first, companyId, section, caseId, ...rest] = parts;
  if (parts.length === 0) return { name: 'home' };
  if (first === 'admin' && parts.length === 1) return { name: 'admin' };
  if (first === 'login' && parts.length === 1) return { name: 'login' };
  if (first === 'dashboard' && companyId !== undefined && rest.length === 0) {
    if (section === undefined) return { name: 'overview', companyId };
    if (section === 'cases' && caseId === undefined) return { name: 'cases', companyId };
    if (section === 'cases' && caseId !== undefined) return { name: 'case', companyId, caseId };
    if (section === 'settings' && caseId === undefined) return { name: 'settings', companyId };
  }
  return { name: 'not-found' };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The sign-in page, asked to come back to `returnTo` (default: where the user is now). */
export function loginPath(returnTo: string = window.location.pathname + window.location.search): string {
  const next = safeNextPath(returnTo, window.location.origin);
  return next === null || next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

export const paths = {
  overview: (companyId: string) => `/dashboard/${encodeURIComponent(companyId)}`,
  cases: (companyId: string) => `/dashboard/${encodeURIComponent(companyId)}/cases`,
  case: (companyId: string, caseId: string) => `/dashboard/${encodeURIComponent(companyId)}/cases/${encodeURIComponent(caseId)}`,
  settings: (companyId: string) => `/dashboard/${encodeURIComponent(companyId)}/settings`,
  admin: () => '/admin',
  login: () => '/login',
};

/**
 * A page with unsaved work (settings) blocks leaving it: `navigate` to another path, and Back or
 * Forward, ask the blocker instead of going. The blocker decides (e.g. after a dialog) and calls
 * `navigate(to, { force: true })` to go after all. Query-only changes on the same path never ask.
 */
type Blocker = (to: string) => void;
let blocker: Blocker | null = null;

/** Installs the blocker; returns its removal. One at a time: the last page to ask wins. */
export function blockNavigation(onBlocked: Blocker): () => void {
  blocker = onBlocked;
  return () => {
    if (blocker === onBlocked) blocker = null;
  };
}

function pathOf(url: string): string {
  const at = url.search(/[?#]/);
  return at === -1 ? url : url.slice(0, at);
}

/** The URL the user last settled on: Back onto a blocked page is undone to it. */
let settledUrl = typeof window === 'undefined' ? '' : currentUrl();

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    const to = currentUrl();
    if (blocker !== null && pathOf(to) !== pathOf(settledUrl)) {
      // Stay on the page (put its URL back), then let the blocker ask about going to `to`.
      window.history.pushState(null, '', settledUrl);
      blocker(to);
      return;
    }
    settledUrl = to;
  });
}

/** Goes to `to` (path + optional query) without reloading; `replace` keeps the history entry. */
export function navigate(to: string, options: { replace?: boolean; force?: boolean } = {}): void {
  if (to === currentUrl()) return;
  if (blocker !== null && !options.force && pathOf(to) !== window.location.pathname) {
    blocker(to);
    return;
  }
  settledUrl = to;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
  if (!options.replace) window.scrollTo(0, 0);
}

function currentUrl(): string {
  return window.location.pathname + window.location.search;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

/** The current path and query string; re-renders on navigation and Back/Forward. */
export function useLocation(): { pathname: string; search: string } {
  const url = useSyncExternalStore(subscribe, currentUrl);
  const at = url.indexOf('?');
  return at === -1 ? { pathname: url, search: '' } : { pathname: url.slice(0, at), search: url.slice(at) };
}

/** Replaces the query string of the current path (filters, window) without a new history entry. */
export function setQuery(params: Record<string, string | number | null | undefined>): void {
  const search = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') search.delete(key);
    else search.set(key, String(value));
  }
  const text = search.toString();
  navigate(window.location.pathname + (text === '' ? '' : `?${text}`), { replace: true });
}
