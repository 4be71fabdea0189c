import type { ReactNode } from 'react';
import { Link } from './link.tsx';
import { paths, type Route } from './router.ts';

type CompanyRoute = Extract<Route, { companyId: string }>;

const TABS = [
  { label: 'Overview', to: paths.overview, active: (route: CompanyRoute) => route.name === 'overview' },
  { label: 'Cases', to: paths.cases, active: (route: CompanyRoute) => route.name === 'cases' || route.name === 'case' },
  { label: 'Settings', to: paths.settings, active: (route: CompanyRoute) => route.name === 'settings' },
];

/** A company's pages: its id and the Overview / Cases / Settings tabs. */
export function CompanyLayout({ route, children }: { route: CompanyRoute; children: ReactNode }) {
  return (
    <>
      <div className="company-bar">
        <div className="company-bar-inner">
          <span className="company-id" title="Whop company id">
            {route.companyId}
          </span>
          <nav aria-label="Company" className="tabs">
            {TABS.map((tab) => {
              const active = tab.active(route);
              return (
                <Link key={tab.label} to={tab.to(route.companyId)} className={active ? 'tab tab-active' : 'tab'} aria-current={active ? 'page' : undefined}>
                  {tab.label}
                </Link>
              );
            })}
          </nav>
        </div>
      </div>
      <main className="page" id="main">
        {children}
      </main>
    </>
  );
}
