import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MONITORING_PLACEHOLDERS } from '../../../src/observability/alarm-definitions.ts';
import { findUnresolvedReferences, literalLocal, parseTerraformDir, resourceBlock, variableDefault } from '../../support/terraform-references.ts';
import { httpsProblems } from '../../support/terraform-https.ts';

const TERRAFORM_DIR = 'infra/terraform';
const EXPECTED_FILES = ['alb.tf', 'autoscaling.tf', 'backup.tf', 'cache.tf', 'cdn.tf', 'database.tf', 'dns.tf', 'ecs.tf', 'monitoring.tf', 'network.tf', 'outputs.tf', 'secrets.tf', 'security-groups.tf', 'settings.tf', 'variables.tf', 'versions.tf', 'waf.tf'];
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of infra/terraform an operator might have mistyped, with one edit applied to one file. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-broken-'));
  temps.push(dir);
  cpSync(TERRAFORM_DIR, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`the edit did not change ${file}`);
  writeFileSync(path, after);
  return dir;
}

// hcl2json is WebAssembly: loading it and walking every expression takes seconds on a busy machine.
describe('infra/terraform', { timeout: 30_000 }, () => {
  it('every .tf file parses and every reference resolves to something declared', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    expect(parsed.problems).toEqual([]);
    expect(parsed.files.map((f) => f.name)).toEqual(EXPECTED_FILES);
    expect(await findUnresolvedReferences(parsed)).toEqual([]);
  });

  it('a mistyped resource, variable, local or data source name is reported with its file', async () => {
    const dir = brokenCopy('network.tf', (text) =>
      text
        .replace('vpc_id = aws_vpc.main.id', 'vpc_id = aws_vpc.mian.id')
        .replace('cidrsubnet(var.vpc_cidr, 8, count.index)', 'cidrsubnet(var.vpc_range, 8, count.index)')
        .replace('local.azs[count.index]', 'local.zones[count.index]')
        .replace('gateway_id = aws_internet_gateway.main.id', 'gateway_id = data.aws_internet_gateway.main.id'),
    );
    const unresolved = await findUnresolvedReferences(await parseTerraformDir(dir));
    expect(unresolved.length).toBeGreaterThanOrEqual(4);
    for (const name of ['aws_vpc.mian', 'var.vpc_range', 'local.zones', 'data.aws_internet_gateway.main'])
      expect(unresolved.some((u) => u.startsWith('network.tf: ') && u.includes(`nothing declares ${name}`)), name).toBe(true);
  });

  it('a file that does not parse is named', async () => {
    const dir = brokenCopy('cache.tf', (text) => text.replace('resource "aws_elasticache_replication_group" "main" {', 'resource "aws_elasticache_replication_group" "main" {{'));
    const parsed = await parseTerraformDir(dir);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatch(/^cache\.tf: does not parse/);
  });

  it('the database is PostgreSQL 15, Multi-AZ, gp3 with storage autoscaling, 30 days of backups, protected from deletion, with the guide’s timeouts', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    const db = resourceBlock(parsed, 'aws_db_instance', 'main')!;
    expect(db).toMatchObject({ engine: 'postgres', engine_version: '15', multi_az: true, storage_type: 'gp3', backup_retention_period: 30, deletion_protection: true, skip_final_snapshot: false });
    expect(db).toMatchObject({ allocated_storage: '${var.db_allocated_storage}', max_allocated_storage: '${var.db_max_allocated_storage}' });
    expect(Number(variableDefault(parsed, 'db_max_allocated_storage'))).toBeGreaterThan(Number(variableDefault(parsed, 'db_allocated_storage')));
    const parameters = Object.fromEntries((resourceBlock(parsed, 'aws_db_parameter_group', 'main')!.parameter as { name: string; value: string }[]).map((p) => [p.name, p.value]));
    // The guide: ALTER DATABASE … SET statement_timeout = '30s', idle_in_transaction_session_timeout = '10s' (milliseconds here).
    expect(parameters).toMatchObject({ statement_timeout: '30000', idle_in_transaction_session_timeout: '10000' });
    expect(Number(parameters.log_min_duration_statement)).toBeGreaterThan(0);
  });

  it('the WAF blocks more than 2000 requests per IP per 5 minutes and runs the common and SQL injection rule sets', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    const acl = resourceBlock(parsed, 'aws_wafv2_web_acl', 'main')!;
    const text = JSON.stringify(acl);
    expect(text).toContain('"AWSManagedRulesCommonRuleSet"');
    expect(text).toContain('"AWSManagedRulesSQLiRuleSet"');
    const rateRule = (acl.rule as { name: string; action?: unknown; statement: { rate_based_statement?: unknown[] }[] }[]).find((r) => r.name === 'RateLimit')!;
    expect(rateRule.action).toEqual([{ block: [{}] }]);
    expect(rateRule.statement[0]!.rate_based_statement![0]).toMatchObject({ limit: 2000, aggregate_key_type: 'IP', evaluation_window_sec: 300 });
    // Webhooks and Whop-iframe traffic (x-whop-user-token) are limited by the app after verification, not per proxy ip.
    const scope = JSON.stringify((rateRule.statement[0]!.rate_based_statement![0] as { scope_down_statement?: unknown }).scope_down_statement);
    expect(scope).toContain('"/api/webhooks/"');
    expect(scope).toMatch(/not_statement[^]*single_header[^]*"x-whop-user-token"/);
    expect(resourceBlock(parsed, 'aws_wafv2_web_acl_association', 'alb')).toMatchObject({ resource_arn: '${aws_lb.main.arn}' });
  });

  it('the ALB checks /api/ready on port 3000 and the chain is ALB -> ECS:3000 -> RDS:5432 / Redis:6379', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    expect(resourceBlock(parsed, 'aws_lb_target_group', 'web')).toMatchObject({ port: 3000, health_check: [{ path: '/api/ready' }] });
    const ingress = (name: string) => (resourceBlock(parsed, 'aws_security_group', name)!.ingress as { from_port: number; security_groups?: string[] }[])[0]!;
    expect(ingress('ecs')).toMatchObject({ from_port: 3000, security_groups: ['${aws_security_group.alb.id}'] });
    expect(ingress('rds')).toMatchObject({ from_port: 5432, security_groups: ['${aws_security_group.ecs.id}'] });
    expect(ingress('redis')).toMatchObject({ from_port: 6379, security_groups: ['${aws_security_group.ecs.id}'] });
  });

  it('terraform fills exactly the placeholders the monitoring definitions use', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    const vars = literalLocal(parsed, 'monitoring_template_vars') as Record<string, unknown>;
    expect(Object.keys(vars).sort()).toEqual(Object.keys(MONITORING_PLACEHOLDERS).sort());
  });

  it('HTTPS end to end: a DNS-validated certificate for app, api, webhooks and admin, HTTP redirected, Route 53 aliases', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    expect(httpsProblems(parsed)).toEqual([]);
    expect(literalLocal(parsed, 'hostnames')).toEqual({ app: 'app.${var.domain_name}', api: 'api.${var.domain_name}', webhooks: 'webhooks.${var.domain_name}', admin: 'admin.${var.domain_name}' });
    // PUBLIC_URL defaults to the app name over https.
    expect(literalLocal(parsed, 'public_url')).toBe('${var.public_url != "" ? var.public_url : "https://${local.hostnames.app}"}');
  });

  it('a listener that forwards plain HTTP, a certificate missing a name, or a listener not waiting for validation is caught', async () => {
    const forwards = brokenCopy('alb.tf', (text) => text.replace(/default_action \{\n    type = "redirect"[\s\S]*?\n  \}\n\}/, 'default_action {\n    type             = "forward"\n    target_group_arn = aws_lb_target_group.web.arn\n  }\n}'));
    expect(httpsProblems(await parseTerraformDir(forwards))).toEqual(['HTTP listener: must redirect to HTTPS 443 (HTTP_301), not forward']);
    const missingName = brokenCopy('dns.tf', (text) => text.replace('local.hostnames.webhooks, ', ''));
    expect(httpsProblems(await parseTerraformDir(missingName))).toEqual(['certificate: does not cover webhooks']);
    const unvalidated = brokenCopy('dns.tf', (text) => text.replace('aws_acm_certificate_validation.main[0].certificate_arn', 'aws_acm_certificate.main[0].arn'));
    expect(httpsProblems(await parseTerraformDir(unvalidated))).toEqual(['certificate: the HTTPS listener must use the validated certificate (aws_acm_certificate_validation)']);
  });

  it('CloudFront (cdn_enabled, off by default) caches only /assets/* and passes everything else through, with a us-east-1 certificate', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    expect(variableDefault(parsed, 'cdn_enabled')).toBe(false);
    const cdn = resourceBlock(parsed, 'aws_cloudfront_distribution', 'app')!;
    expect(cdn.count).toBe('${var.cdn_enabled ? 1 : 0}');
    expect(cdn.aliases).toEqual(['${local.hostnames.app}']);
    expect(cdn.default_cache_behavior).toEqual([expect.objectContaining({ cache_policy_id: '${data.aws_cloudfront_cache_policy.disabled.id}', origin_request_policy_id: '${data.aws_cloudfront_origin_request_policy.all_viewer.id}', viewer_protocol_policy: 'redirect-to-https' })]);
    expect(cdn.ordered_cache_behavior).toEqual([expect.objectContaining({ path_pattern: '/assets/*', cache_policy_id: '${data.aws_cloudfront_cache_policy.optimized.id}', allowed_methods: ['GET', 'HEAD'] })]);
    expect(cdn.origin).toEqual([expect.objectContaining({ domain_name: '${local.origin_hostname}', custom_origin_config: [expect.objectContaining({ origin_protocol_policy: 'https-only' })] })]);
    expect(resourceBlock(parsed, 'aws_acm_certificate', 'cdn')).toMatchObject({ provider: '${aws.us_east_1}', domain_name: '${local.hostnames.app}', validation_method: 'DNS' });
    // The ALB's certificate covers the origin name CloudFront connects to.
    expect(resourceBlock(parsed, 'aws_acm_certificate', 'main')!.subject_alternative_names).toContain('${local.origin_hostname}');
    // app points at CloudFront when it is on, at the ALB otherwise; never both.
    expect(literalLocal(parsed, 'alb_hostnames')).toBe('${merge({ for key, host in local.hostnames : key => host if !(var.cdn_enabled && key == "app") }, { origin = local.origin_hostname })}');
    expect(resourceBlock(parsed, 'aws_route53_record', 'cdn')).toMatchObject({ count: '${var.cdn_enabled ? 1 : 0}', name: '${local.hostnames.app}' });
  });

  it('Datadog exists only with an API key: the agent sidecar and the dd-trace preload are both gated on datadog_api_key', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    expect(variableDefault(parsed, 'datadog_api_key')).toBe('');
    expect(literalLocal(parsed, 'datadog')).toBe('${var.datadog_api_key != ""}');
    const agent = String(literalLocal(parsed, 'datadog_agent_containers'));
    expect(agent).toMatch(/^\$\{local\.datadog \? \[/);
    expect(agent).toMatch(/\]\s*:\s*\[\]\}$/);
    expect(agent).toContain('{ name = "DD_API_KEY", valueFrom = "${aws_secretsmanager_secret.app.arn}:DATADOG_API_KEY::" }');
    const preload = String(literalLocal(parsed, 'datadog_app_environment'));
    expect(preload).toMatch(/^\$\{local\.datadog \? \[/);
    expect(preload).toContain('{ name = "NODE_OPTIONS", value = "--import dd-trace/initialize.mjs" }');
    expect(preload).toContain('{ name = "DD_TRACE_AGENT_URL", value = "http://localhost:8126" }');
  });

  it('DATABASE_URL and DIRECT_URL use sslmode=verify-full with the CA bundle at the path the Dockerfile writes it', async () => {
    const parsed = await parseTerraformDir(TERRAFORM_DIR);
    expect(literalLocal(parsed, 'db_tls')).toBe('sslmode=verify-full&sslrootcert=${var.rds_ca_bundle_path}');
    const bundle = String(variableDefault(parsed, 'rds_ca_bundle_path'));
    expect(bundle).toBe('/app/certs/rds-ca-bundle.pem');
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^WORKDIR \/app$[\s\S]*^RUN mkdir -p certs && node scripts\/rds-ca-bundle\.mjs certs\/rds-ca-bundle\.pem$/m);
    const secretValues = literalLocal(parsed, 'app_secret_values') as Record<string, string>;
    expect(secretValues.DIRECT_URL).toBe('${local.db_direct}');
    expect(secretValues.DATABASE_URL).toBe('${var.database_pooler_host != "" ? local.db_via_proxy : local.db_direct}');
    for (const name of ['db_direct', 'db_via_proxy']) expect(String(literalLocal(parsed, name))).toMatch(/\?\$\{local\.db_tls\}$/);
    expect(resourceBlock(parsed, 'aws_db_instance', 'main')).toMatchObject({ ca_cert_identifier: 'rds-ca-rsa2048-g1' });
  });
});

