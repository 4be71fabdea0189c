import { useState, type FormEvent } from 'react';
import { api, ApiError, setCsrfToken } from './api.ts';
import { navigate, paths, safeNextPath } from './router.ts';
import { useSession } from './session.tsx';

interface LoginResponse {
  user: { email?: string } & Record<string, unknown>;
  csrf_token: string;
}

/** Where to go after signing in: the page asked for (`?next=`, same origin only), else the operator overview. */
function nextPath(): string {
  return safeNextPath(new URLSearchParams(window.location.search).get('next'), window.location.origin) ?? paths.admin();
}

/** Operator sign in: POST /api/auth/login, keep the CSRF token, go to /admin. */
export function LoginPage() {
  const { setMe } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (email.trim() === '' || password === '') {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    try {
      const response = await api.post<LoginResponse>('/api/auth/login', { email: email.trim(), password });
      setCsrfToken(response.csrf_token);
      setMe({ kind: 'operator', email: typeof response.user.email === 'string' ? response.user.email : email.trim(), csrf_token: response.csrf_token });
      navigate(nextPath());
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) setError(caught.message || 'Wrong email or password.');
      else setError(caught instanceof Error ? caught.message : 'Could not sign in.');
      setBusy(false);
    }
  }

  return (
    <section className="card login-card">
      <h1>Operator sign in</h1>
      <p className="muted">For the people who run this Churn Saver installation. Creators open it from their Whop dashboard.</p>
      <form onSubmit={submit} className="stack" noValidate>
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input
            id="login-email"
            data-testid="login-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            data-testid="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <div aria-live="polite" className="form-message-slot">
          {error !== null && (
            <p className="message message-error" data-testid="login-error">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="button button-primary" data-testid="login-submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
