import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCommand } from '../../support/ops-scripts.ts';

/**
 * `terraform validate` checks every resource's arguments against the AWS provider's schema, which
 * parsing alone cannot. It needs the provider binary: this machine has hashicorp/aws in a local
 * plugin folder (TF_PLUGIN_DIR, default /opt/tf-plugins) and no network, so the S3 backend is left
 * out and the random provider (not in the folder) is stubbed by variables in a scratch copy.
 */
const PLUGIN_DIR = process.env.TF_PLUGIN_DIR ?? '/opt/tf-plugins';
const available = hasCommand('terraform') && existsSync(join(PLUGIN_DIR, 'registry.terraform.io/hashicorp/aws'));
// No checkpoint call home, no user CLI config.
const env = { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scratchCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'tf-validate-'));
  temps.push(root);
  cpSync('infra/terraform', join(root, 'terraform'), { recursive: true, filter: (src) => !src.includes('.terraform') });
  cpSync('infra/monitoring', join(root, 'monitoring'), { recursive: true });
  for (const file of readdirSync(join(root, 'terraform')).filter((f) => f.endsWith('.tf'))) {
    const path = join(root, 'terraform', file);
    const text = readFileSync(path, 'utf8')
      .replace(/ {2}backend "s3" \{[\s\S]*?\n {2}\}\n/, '')
      .replace(/ {4}random = \{[\s\S]*?\n {4}\}\n/, '')
      .replace(/resource "random_password" "(\w+)" \{[\s\S]*?\n\}\n/g, 'variable "stub_$1" {\n  type    = string\n  default = "stub"\n}\n')
      .replace(/random_password\.(\w+)\.result/g, 'var.stub_$1');
    writeFileSync(path, text);
  }
  return join(root, 'terraform');
}

const terraform = (args: string[], cwd: string) => execFileSync('terraform', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe.runIf(available)('terraform validate against the AWS provider schema (local plugin folder)', { timeout: 120_000 }, () => {
  it('infra/terraform is formatted and valid', () => {
    expect(() => terraform(['fmt', '-check', '-recursive'], 'infra/terraform')).not.toThrow();
    const dir = scratchCopy();
    terraform(['init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color'], dir);
    const result = JSON.parse(terraform(['validate', '-json', '-no-color'], dir)) as { valid: boolean; diagnostics: { summary: string; detail: string }[] };
    expect(result.diagnostics.map((d) => `${d.summary}: ${d.detail}`)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('an argument the provider does not know is caught', () => {
    const dir = scratchCopy();
    const cdn = join(dir, 'cdn.tf');
    writeFileSync(cdn, readFileSync(cdn, 'utf8').replace('price_class     = "PriceClass_100"', 'price_class     = "PriceClass_100"\n  price_klass     = "PriceClass_100"'));
    terraform(['init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color'], dir);
    let output = '';
    try {
      terraform(['validate', '-json', '-no-color'], dir);
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    const result = JSON.parse(output) as { valid: boolean; diagnostics: { summary: string; detail: string }[] };
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map((d) => d.summary)).toContain('Unsupported argument');
  });
});
