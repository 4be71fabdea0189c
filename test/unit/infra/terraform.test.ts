import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MONITORING_PLACEHOLDERS } from '../../../src/observability/alarm-definitions.ts';
import { findUnresolvedReferences, literalLocal, parseTerraformDir, resourceBlock, variableDefault } from '../../support/terraform-references.ts';

const TERRAFORM_DIR = 'infra/terraform';
const EXPECTED_FILES = ['alb.tf', 'autoscaling.tf', 'backup.tf', 'cache.tf', 'database.tf', 'ecs.tf', 'monitoring.tf', 'network.tf', 'outputs.tf', 'secrets.tf', 'security-groups.tf', 'variables.tf', 'versions.tf', 'waf.tf'];
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
});
