import { useEffect } from 'react';
import { AdminPage } from './admin-page.tsx';
import { AppHeader } from './app-header.tsx';
import { CasePage } from './case-page.tsx';
import { CasesPage } from './cases-page.tsx';
import { CompanyLayout } from './company-layout.tsx';
import { HomePage } from './home-page.tsx';
import { Link } from './link.tsx';
import { LoginPage } from './login-page.tsx';
import { OverviewPage } from './overview-page.tsx';
import { matchRoute, useLocation, type Route } from './router.ts';
import { SessionProvider } from './session.tsx';
import { SettingsPage } from './settings-page.tsx';

const TITLES: Record<Route['name'], string> = {
  overview: 'Overview',
  cases: 'Cases',
  case: 'Case',
  settings: 'Settings',
  admin: 'Operations',
  login: 'Sign in',
  home: 'Welcome',
  'not-found': 'Page not found',
};

export function App() {
  const { pathname } = useLocation();
  const route = matchRoute(pathname);

  useEffect(() => {
    document.title = `${TITLES[route.name]} · Churn Saver`;
  }, [route.name]);

  return (
    <SessionProvider>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader />
      <RouteView route={route} />
    </SessionProvider>
  );
}

function RouteView({ route }: { route: Route }) {
  switch (route.name) {
    case 'overview':
    case 'cases':
    case 'case':
    case 'settings':
      // Keyed by company: switching companies starts every page afresh.
      return (
        <CompanyLayout key={route.companyId} route={route}>
          {route.name === 'overview' && <OverviewPage companyId={route.companyId} />}
          {route.name === 'cases' && <CasesPage companyId={route.companyId} />}
          {route.name === 'case' && <CasePage key={route.caseId} companyId={route.companyId} caseId={route.caseId} />}
          {route.name === 'settings' && <SettingsPage companyId={route.companyId} />}
        </CompanyLayout>
      );
    case 'admin':
      return (
        <main className="page" id="main">
          <AdminPage />
        </main>
      );
    case 'login':
      return (
        <main className="page page-narrow" id="main">
          <LoginPage />
        </main>
      );
    case 'home':
      return (
        <main className="page page-narrow" id="main">
          <HomePage />
        </main>
      );
    case 'not-found':
      return (
        <main className="page page-narrow" id="main">
          <section className="state-panel">
            <h1>Page not found</h1>
            <p>There is nothing at this address.</p>
            <p>
              <Link to="/">Go to the start page</Link>
            </p>
          </section>
        </main>
      );
  }
}
