-- Dashboard reads (src/presenters) on large tenants: what `npm run bench:dashboard` (1M cases, the
-- largest company 100k) showed each query needs. Plain CREATE INDEX, no extensions: it runs inside
-- the migration's transaction on PostgreSQL and PGlite alike.

-- A company's cases by first failure, newest first: the case list's default sort and its cursor
-- (id breaks ties), and the KPI window (first_failure_at >= since). The KPI columns and the searched
-- ones are included so KPIs and searches are answered from the index alone (index-only scans).
CREATE INDEX recovery_cases_company_first_failure_idx ON recovery_cases (company_id, first_failure_at DESC, id DESC)
  INCLUDE (status, currency, steps_sent, amount_at_risk_cents, recovered_cents, attribution_ends_at, recovered_at, closed_at,
           member_email, whop_user_id, whop_membership_id);

-- The case list filtered by status, same order, and its count.
CREATE INDEX recovery_cases_company_status_first_failure_idx ON recovery_cases (company_id, status, first_failure_at DESC, id DESC);

-- The company's main currency (the one most of its cases are in).
CREATE INDEX recovery_cases_company_currency_idx ON recovery_cases (company_id, currency);

-- Money at risk now: the company's open cases still inside their window.
CREATE INDEX recovery_cases_company_open_window_idx ON recovery_cases (company_id, attribution_ends_at)
  INCLUDE (amount_at_risk_cents, currency) WHERE status = 'open';

-- Incentive cost: the company's granted incentives, joined to the window's cases.
CREATE INDEX incentives_company_status_idx ON incentives (company_id, status) INCLUDE (case_id, cost_cents);

-- Deliveries per channel: the window's cases' deliveries.
CREATE INDEX deliveries_case_idx ON deliveries (case_id) INCLUDE (company_id, status, channel);
CREATE INDEX deliveries_company_status_case_idx ON deliveries (company_id, status) INCLUDE (case_id, channel);
