import type { Queryable } from '../db/client.ts';
import { findCompanyName } from '../db/repositories/companies.repository.ts';

/** GET /api/companies/:companyId: the company as the dashboard's header names it. */
export interface CompanyView {
  /** Whop's title; null until an event named the company. */
  company: { id: string; name: string | null };
}

export async function presentCompany(companyId: string, q: Queryable): Promise<CompanyView> {
  return { company: { id: companyId, name: await findCompanyName(q, companyId) } };
}
