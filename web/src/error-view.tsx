import { ApiError } from './api.ts';
import { Link } from './link.tsx';
import { loginPath, navigate } from './router.ts';

export const NOT_FOUND_MESSAGE = "This company was not found or you don't have access";

/**
 * What went wrong, in words: 401 → a sign-in state (inside Whop that means no access),
 * 404 → not found or no access, anything else → the server's message.
 */
export function ErrorView({ error, title, notFoundTitle, onRetry }: { error: unknown; title?: string; notFoundTitle?: string; onRetry?: () => void }) {
  if (error instanceof ApiError && error.status === 401) return <SignInState />;
  if (error instanceof ApiError && error.status === 404) {
    return (
      <section className="state-panel" role="alert" data-testid="not-found">
        <h1>{notFoundTitle ?? 'Not found'}</h1>
        <p>{NOT_FOUND_MESSAGE}.</p>
        <p className="muted">Check the link, or open Churn Saver from the company's dashboard in Whop.</p>
      </section>
    );
  }
  const plain = plainError(error);
  return (
    <section className="state-panel" role="alert" data-testid="error">
      <h1>{title ?? 'Something went wrong'}</h1>
      <p data-testid="error-message">{plain.message}</p>
      <div className="state-actions">
        {plain.resetAddress && (
          <button type="button" className="button button-primary" data-testid="error-reset" onClick={() => navigate(window.location.pathname)}>
            Show the page without them
          </button>
        )}
        {onRetry && !plain.resetAddress && (
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </section>
  );
}

/** Query parameters by the words a creator would use for them. */
const QUERY_WORDS: Record<string, string> = {
  window: 'reporting period',
  status: 'status filter',
  from: '"from" date',
  to: '"to" date',
  q: 'search text',
  sort: 'sort order',
  limit: 'page size',
  cursor: 'page position',
};

/**
 * An API error as a sentence for a person. The API's messages name fields for developers
 * ("querystring.window: must be >= 1"); a page shows what is wrong and what to do instead.
 */
export function plainError(error: unknown): { message: string; resetAddress: boolean } {
  if (!(error instanceof ApiError)) return { message: error instanceof Error && error.message !== '' ? error.message : 'Something went wrong on this page. Reload it to try again.', resetAddress: false };
  const query = /^querystring\.(\w+)/.exec(error.message);
  if (error.status === 400 && query) {
    const word = QUERY_WORDS[query[1]!] ?? `"${query[1]}" setting`;
    return { message: `The address of this page has a ${word} that Churn Saver cannot use. Show the page without it, or check the link you followed.`, resetAddress: true };
  }
  if (error.status === 400 && /^querystring\b/.test(error.message))
    return { message: 'The address of this page has a setting that Churn Saver cannot use. Show the page without it, or check the link you followed.', resetAddress: true };
  if (error.status === 0) return { message: error.message, resetAddress: false };
  if (error.status === 429) return { message: 'Too many requests in a short time. Wait a minute, then try again.', resetAddress: false };
  if (error.status >= 500) return { message: 'Churn Saver had a problem answering. Try again in a moment; if it keeps happening, tell the operator of this installation.', resetAddress: false };
  return { message: error.message, resetAddress: false };
}

export function SignInState({ operatorsOnly = false }: { operatorsOnly?: boolean }) {
  return (
    <section className="state-panel" role="alert" data-testid="sign-in-required">
      <h1>Sign in</h1>
      {operatorsOnly ? (
        <p>This page is for the operators of this Churn Saver installation. Sign in with your operator account to see it.</p>
      ) : (
        <>
          <p>You need to be signed in to see this page.</p>
          <p className="muted">
            Opened from Whop? Your Whop account does not have admin access to this company. Ask the company's owner to add you as an admin.
          </p>
        </>
      )}
      <p>
        <Link className="button button-primary" to={loginPath()} data-testid="sign-in-link">
          Operator sign in
        </Link>
      </p>
    </section>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}
