import { ApiError } from './api.ts';
import { Link } from './link.tsx';
import { paths } from './router.ts';

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
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <section className="state-panel" role="alert" data-testid="error">
      <h1>{title ?? 'Something went wrong'}</h1>
      <p>{message}</p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </section>
  );
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
        <Link className="button button-primary" to={paths.login()}>
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
