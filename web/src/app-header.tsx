import { useState } from 'react';
import { api } from './api.ts';
import { Link } from './link.tsx';
import { navigate, paths } from './router.ts';
import { isOperator, useSession } from './session.tsx';

/** The top bar: product name and, for operators, the companies list and sign out. */
export function AppHeader() {
  const { me, setMe } = useSession();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    try {
      await api.post('/api/auth/logout');
    } catch {
      // Signed out or not, the session on this page ends here.
    }
    setMe(null);
    setSigningOut(false);
    navigate(paths.login());
  }

  return (
    <header className="app-header">
      <div className="app-header-inner">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            CS
          </span>
          Churn Saver
        </span>
        {isOperator(me) && (
          <nav className="header-nav" aria-label="Operator">
            <Link to={paths.admin()}>All companies</Link>
            <span className="muted header-email">{me.email}</span>
            <button type="button" className="button button-small" onClick={signOut} disabled={signingOut}>
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </nav>
        )}
      </div>
    </header>
  );
}
