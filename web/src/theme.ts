import { useSyncExternalStore } from 'react';

/**
 * Light or dark, following Whop. Inside Whop's iframe the app is loaded with `?theme=dark|light`
 * (or the page carries `data-theme` on <html>); otherwise the system's prefers-color-scheme.
 * An explicit theme is pinned as `data-theme` on <html> so it survives client-side navigation;
 * the CSS falls back to the media query when there is none.
 */

export type Theme = 'light' | 'dark';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export function applyInitialTheme(): void {
  const requested = new URLSearchParams(window.location.search).get('theme');
  if (requested === 'dark' || requested === 'light') document.documentElement.dataset.theme = requested;
}

export function currentTheme(): Theme {
  const pinned = document.documentElement.dataset.theme;
  if (pinned === 'dark' || pinned === 'light') return pinned;
  return window.matchMedia(DARK_QUERY).matches ? 'dark' : 'light';
}

function subscribe(onChange: () => void): () => void {
  const media = window.matchMedia(DARK_QUERY);
  media.addEventListener('change', onChange);
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => {
    media.removeEventListener('change', onChange);
    observer.disconnect();
  };
}

/** The theme in force; re-renders when the system or Whop switches it. */
export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, currentTheme);
}

/** Reads a CSS custom property from <html> (for SVG charts, which need concrete colours). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
