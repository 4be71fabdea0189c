import { keyringFromConfig } from '../config/keyring-from-config.ts';
import { createEmailSender } from '../integrations/email/email-sender.ts';
import { createLogger } from '../observability/logger.ts';
import { startRuntime, type Runtime } from '../runtime.ts';
import { runComplianceAudit, storeComplianceReport } from '../ops/run-compliance-audit.ts';
import { openCliDatabase } from './open-cli-database.ts';

/**
 * npm run compliance:audit [-- --url https://churn.example.com] [--min-score 100]
 * The guide's five checks (GDPR, security headers, data encryption, access controls, audit logging)
 * against the running service at --url / APP_URL, or against one this command starts on the
 * configured database. Stores the report in audit.compliance_audits, prints the score, e-mails it
 * to COMPLIANCE_REPORT_EMAIL when SMTP is configured, and exits 1 below --min-score (default 100).
 */
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('Usage: npm run compliance:audit [-- --url URL] [--min-score N]');
  process.exit(0);
}
const flag = (name: string) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] : undefined);
const minScore = Number(flag('--min-score') ?? 100);
if (!Number.isFinite(minScore) || minScore < 0 || minScore > 100) {
  console.error('--min-score: must be a number from 0 to 100');
  process.exit(2);
}

const { config, database } = await openCliDatabase();
const keyring = keyringFromConfig(config);
let url = flag('--url') ?? process.env.APP_URL;
let local: Runtime | undefined;
if (!url) {
  // No service given: start one (web role only) on this database, on a free local port.
  local = await startRuntime({ config: { ...config, ROLE: 'web', PORT: 0, HOSTNAME: '127.0.0.1' }, logger: createLogger({ level: 'silent', environment: config.NODE_ENV, version: config.APP_VERSION }), webhookSecret: config.WEBHOOK_SECRET ?? 'compliance-audit-local', database, keyring });
  url = local.url!;
}
try {
  const report = await runComplianceAudit({ sql: database.sql, keyring, baseUrl: url, rawWebhookRetentionDays: config.RAW_WEBHOOK_RETENTION_DAYS, now: new Date() });
  const id = await storeComplianceReport(database.sql, report, local ? 'local' : url);
  for (const r of report.results) console.log(`${r.passed ? 'PASS' : 'FAIL'}  ${r.check.padEnd(16)} ${r.details}`);
  for (const advice of report.recommendations) console.log(`  -> ${advice}`);
  console.log(`Compliance score: ${report.score}% (${report.results.filter((r) => r.passed).length}/${report.results.length} checks), report ${id} in audit.compliance_audits`);
  const to = process.env.COMPLIANCE_REPORT_EMAIL;
  if (to && config.SMTP_HOST && config.SMTP_FROM) {
    const mail = createEmailSender({ host: config.SMTP_HOST, port: config.SMTP_PORT, user: config.SMTP_USER, pass: config.SMTP_PASS, from: config.SMTP_FROM, secure: config.SMTP_SECURE });
    const sent = await mail.send({ to, subject: `Churn Saver compliance audit: ${report.score}%`, text: JSON.stringify(report, null, 2), html: `<pre>${JSON.stringify(report, null, 2).replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>` });
    console.log(sent.ok ? `Report e-mailed to ${to}` : `Report not e-mailed: ${sent.message}`);
    mail.close();
  }
  process.exitCode = report.score >= minScore ? 0 : 1;
} finally {
  await local?.stop();
  await database.close();
}
