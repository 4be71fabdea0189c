import type { ReactNode } from 'react';
import { companyPath } from './api.ts';
import { Link } from './link.tsx';
import { paths, type Route } from './router.ts';
import type { CompanyInfo } from './types.ts';
import { useResource } from './use-resource.ts';

type CompanyRoute = Extract<Route, { companyId: string }>;

const TABS = [
  { label: 'Overview', to: paths.overview, active: (route: CompanyRoute) => route.name === 'overview' },
  { label: 'Cases', to: paths.cases, active: (route: CompanyRoute) => route.name === 'cases' || route.name === 'case' },
  { label: 'Settings', to: paths.settings, active: (route: CompanyRoute) => route.name === 'settings' },
];

/**
 * A company's pages: its name (Whop's title; the id on hover, and in settings) and the Overview /
 * Cases / Settings tabs. Until the name is known, or when Whop never sent one, the id stands in.
 */
export function CompanyLayout({ route, children }: { route: CompanyRoute; children: ReactNode }) {
  const company = useResource<CompanyInfo>(companyPath(route.companyId));
  const name = company.data?.company.name ?? null;
  return (
    <>
      <div className="company-bar">
        <div className="company-bar-inner">
          <span className={name ? 'company-name' : 'company-id'} title={`Whop company id: ${route.companyId}`} data-testid="company-name">
            {name ?? route.companyId}
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
