import type { SqlRunner } from '../db/client.ts';
import type { Keyring } from '../integrations/crypto/encryption-keys.ts';
import { censusStoredKeys } from './check-stored-keys.ts';
import { checkSecurityHeaders } from './check-security-headers.ts';

export interface ComplianceCheck {
  check: 'gdpr' | 'security_headers' | 'data_encryption' | 'access_controls' | 'audit_logging';
  passed: boolean;
  details: string;
}

export interface ComplianceReport {
  timestamp: Date;
  /** Passed checks out of five, as a percentage. */
  score: number;
  results: ComplianceCheck[];
  recommendations: string[];
}

export interface ComplianceDeps {
  sql: SqlRunner;
  keyring: Keyring;
  /** The running service the HTTP checks go to. */
  baseUrl: string;
  rawWebhookRetentionDays: number;
  now: Date;
}

/**
 * The guide's five compliance checks, made concrete for this service. Each check looks at the
 * running service or the database as it is, never at configuration files alone.
 */
export async function runComplianceAudit(deps: ComplianceDeps): Promise<ComplianceReport> {
  const results = await Promise.all([checkGdpr(deps), checkHeaders(deps), checkEncryption(deps), checkAccessControls(deps), checkAuditLogging(deps)]);
  const passed = results.filter((r) => r.passed).length;
  return { timestamp: deps.now, score: Math.round((passed / results.length) * 1000) / 10, results, recommendations: recommendationsFor(results) };
}

/** Stores the report in audit.compliance_audits; returns its id. */
export async function storeComplianceReport(sql: SqlRunner, report: ComplianceReport, targetUrl: string): Promise<number> {
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO audit.compliance_audits (score, results, recommendations, target_url, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [report.score, JSON.stringify(report.results), JSON.stringify(report.recommendations), targetUrl, report.timestamp],
  );
  return Number(rows[0]!.id);
}

async function checkGdpr(deps: ComplianceDeps): Promise<ComplianceCheck> {
  const problems: string[] = [];
  // The data-rights endpoints exist and are protected (401 without credentials, not 404 "no route").
  const probes = [
    ['member-data/exports', { user_id: 'user_compliance_probe' }],
    ['member-data/erasures', { user_id: 'user_compliance_probe', confirm: true }],
    ['member-data/opt-outs', { user_id: 'user_compliance_probe', channels: ['push'] }],
  ] as const;
  for (const [path, body] of probes) {
    const method = 'POST';
    const response = await fetch(`${base(deps)}/api/companies/biz_compliance_probe/${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    if (response.status !== 401) problems.push(`${method} /api/companies/:id/${path} answered ${response.status} without credentials (expected 401)`);
  }
  // Retention works: no raw webhook body older than the retention period (plus a day for the hourly purge).
  const cutoff = new Date(deps.now.getTime() - (deps.rawWebhookRetentionDays + 1) * 86_400_000);
  const { rows: stale } = await deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_events WHERE raw_body IS NOT NULL AND status <> 'pending' AND received_at < $1`, [cutoff]);
  if (stale[0]!.n > 0) problems.push(`${stale[0]!.n} raw webhook bodies are older than RAW_WEBHOOK_RETENTION_DAYS (${deps.rawWebhookRetentionDays}): is a worker running the purge?`);
  const { rows: exports } = await deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM member_data_exports WHERE document IS NOT NULL AND expires_at < $1`, [new Date(deps.now.getTime() - 86_400_000)]);
  if (exports[0]!.n > 0) problems.push(`${exports[0]!.n} member exports are kept past their expiry`);
  return { check: 'gdpr', passed: problems.length === 0, details: problems.length === 0 ? `export, erasure and opt-out endpoints protected; no raw webhook body older than ${deps.rawWebhookRetentionDays} days; no expired export kept` : problems.join('; ') };
}

async function checkHeaders(deps: ComplianceDeps): Promise<ComplianceCheck> {
  const findings = await checkSecurityHeaders(base(deps));
  return {
    check: 'security_headers',
    passed: findings.length === 0,
    details: findings.length === 0 ? 'All required security headers present' : `Missing or weak: ${findings.map((f) => `${f.header} on ${f.path} (${f.problem})`).join(', ')}`,
  };
}

async function checkEncryption(deps: ComplianceDeps): Promise<ComplianceCheck> {
  const census = await censusStoredKeys(deps.sql, deps.keyring);
  const current = deps.keyring.current.keyId;
  const total = [...census.counts.values()].reduce((a, n) => a + n, 0);
  const plaintext = census.counts.get('plaintext') ?? 0;
  const older = [...census.counts].filter(([k]) => k !== current && k !== 'plaintext').reduce((a, [, n]) => a + n, 0);
  const problems: string[] = [];
  if (plaintext > 0) problems.push(`${plaintext} personal values stored in plaintext (written before encryption): run npm run keys:rotate`);
  if (census.unreadable.size > 0) problems.push(`values under key ids no configured key can read: ${[...census.unreadable.keys()].join(', ')}`);
  if (census.malformed.size > 0) problems.push(`malformed encrypted values in ${[...census.malformed].join(', ')}`);
  if (older > 0) problems.push(`${older} values still under a previous key: finish npm run keys:rotate`);
  return { check: 'data_encryption', passed: problems.length === 0, details: problems.length === 0 ? `${total} personal values, all AES-256-GCM under key id ${current}` : problems.join('; ') };
}

async function checkAccessControls(deps: ComplianceDeps): Promise<ComplianceCheck> {
  const problems: string[] = [];
  for (const path of ['/api/companies/biz_compliance_probe/cases', '/api/companies/biz_compliance_probe/kpis', '/api/admin/overview']) {
    const response = await fetch(`${base(deps)}${path}`, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    if (response.status !== 401) problems.push(`${path} answered ${response.status} without credentials (expected 401)`);
  }
  const forged = await fetch(`${base(deps)}/api/companies/biz_compliance_probe/cases`, { headers: { 'x-whop-user-token': 'forged.token.value' }, signal: AbortSignal.timeout(10_000) });
  await forged.arrayBuffer();
  if (forged.status !== 401) problems.push(`a forged Whop user token got ${forged.status} (expected 401)`);
  const { rows } = await deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM operators WHERE password_hash NOT LIKE 'scrypt$%'`);
  if (rows[0]!.n > 0) problems.push(`${rows[0]!.n} operator passwords not stored as scrypt hashes`);
  return { check: 'access_controls', passed: problems.length === 0, details: problems.length === 0 ? 'creator and operator routes refuse missing and forged credentials; operator passwords are scrypt hashes' : problems.join('; ') };
}

async function checkAuditLogging(deps: ComplianceDeps): Promise<ComplianceCheck> {
  const problems: string[] = [];
  const { rows: table } = await deps.sql.query<{ t: string | null }>(`SELECT to_regclass('audit.events')::text AS t`);
  if (!table[0]?.t) return { check: 'audit_logging', passed: false, details: 'audit.events does not exist: run npm run db:migrate' };
  // A failed sign-in must land in the audit log: try one and look for it.
  const marker = `compliance-probe-${deps.now.getTime()}@invalid.test`;
  const response = await fetch(`${base(deps)}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: marker, password: 'not-the-password' }), signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  let found = 0;
  for (let i = 0; i < 20 && found === 0; i++) {
    const { rows } = await deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit.events WHERE action = 'auth.login_failed' AND target = $1`, [`operator:${marker}`]);
    found = rows[0]!.n;
    if (found === 0) await new Promise((r) => setTimeout(r, 100));
  }
  if (found === 0) problems.push('a failed sign-in was not written to audit.events');
  const { rows: partitions } = await deps.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit.events'::regclass AND c.relname <> 'events_default'`,
  );
  if (partitions[0]!.n === 0) problems.push('audit.events has no monthly partitions: is a worker running?');
  return { check: 'audit_logging', passed: problems.length === 0, details: problems.length === 0 ? `actions are written to audit.events (monthly partitions: ${partitions[0]!.n})` : problems.join('; ') };
}

function recommendationsFor(results: ComplianceCheck[]): string[] {
  const advice: Record<ComplianceCheck['check'], string> = {
    gdpr: 'Keep a worker running (it purges raw webhook bodies and expired exports hourly); see docs/operations.md, member data rights.',
    security_headers: 'Serve through the service itself (helmet sets the headers); check that a proxy in front does not strip them.',
    data_encryption: 'Run npm run keys:rotate with ENCRYPTION_KEY (and ENCRYPTION_KEY_PREVIOUS during a rotation) until --check passes.',
    access_controls: 'Check WHOP_USER_TOKEN_PUBLIC_KEY / WHOP_APP_ID and that no proxy answers for the API.',
    audit_logging: 'Run npm run db:migrate and keep a worker running (it creates the monthly audit partitions).',
  };
  return results.filter((r) => !r.passed).map((r) => advice[r.check]);
}

function base(deps: ComplianceDeps): string {
  return deps.baseUrl.replace(/\/+$/, '');
}
