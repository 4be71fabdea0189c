-- npm run compliance:audit stores every report here (the guide's `complianceAudits`), next to the
-- audit log: score, each check's outcome, recommendations.
CREATE TABLE audit.compliance_audits (
  id               bigserial PRIMARY KEY,
  score            numeric(5, 1) NOT NULL,
  results          jsonb NOT NULL,      -- [{check, passed, details}]
  recommendations  jsonb NOT NULL,      -- [string]
  target_url       text,                -- the service the HTTP checks ran against
  created_at       timestamptz NOT NULL DEFAULT now()
);
