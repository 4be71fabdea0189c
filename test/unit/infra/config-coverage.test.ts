import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, SECRET_NAMES, loadConfig } from '../../../src/config/config.ts';
import { literalLocal, parseTerraformDir } from '../../support/terraform-references.ts';

type NameValue = { name: string; value?: string; valueFrom?: string };
type Container = { name: string; environment?: NameValue[]; secrets?: NameValue[] };
const TASKS = { web: 'infra/ecs/task-definition.json', worker: 'infra/ecs/task-definition.worker.json' } as const;
const appContainer = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { containerDefinitions: Container[] }).containerDefinitions.find((c) => c.name === 'churn-saver')!;
const names = (list: NameValue[] | undefined) => (list ?? []).map((e) => e.name);

/** Read by the service but deliberately not in the task definitions, each with its reason. */
const NOT_CARRIED: Record<string, string> = {
  DATA_DIR: "the image's ./data (WORKDIR /app) is the default; production keeps its data in PostgreSQL",
  EMBEDDED_LOW_MEMORY: 'embedded PGlite only; production runs on PostgreSQL, where it changes nothing',
};
/** Carried by the kit before config.ts reads them. */
const AHEAD_OF_CONFIG = ['WHOP_API_VERSION'];
/** Carrying credentials or personal data: Secrets Manager only, never plain environment. */
const MUST_BE_SECRET = [...SECRET_NAMES, 'DATABASE_URL', 'DIRECT_URL', 'REDIS_URL', 'SMTP_USER', 'OPENROUTER_API_KEY', 'ADMIN_EMAIL'];

/** `process.env.NAME` read outside config.ts (a CLI reading its own setting), minus what only tests and tools set. */
function processEnvReads(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts')) for (const [, name] of readFileSync(path, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) found.add(name!);
    }
  };
  walk('src');
  // The smoke test's target and test login, the AWS CLI's credentials file, HOME: the operator's
  // shell, not the service's container.
  for (const name of ['APP_URL', 'TEST_USER_EMAIL', 'TEST_USER_PASSWORD', 'AWS_SHARED_CREDENTIALS_FILE', 'HOME']) found.delete(name);
  return [...found];
}

/** Every variable the service reads that a task definition cannot set. Pure, so its failure is tested too. */
export function uncarried(read: readonly string[], carried: Iterable<string>): string[] {
  const have = new Set(carried);
  return [...new Set(read)].filter((name) => !have.has(name) && !(name in NOT_CARRIED)).sort();
}

const READ = [...CONFIG_VARIABLES, ...processEnvReads()];

describe('the deployment kit carries every variable the service reads', { timeout: 30_000 }, () => {
  it('terraform: every config.ts key (and process.env read) is plain environment, a setting or a Secrets Manager key', async () => {
    const parsed = await parseTerraformDir('infra/terraform');
    const environment = names(literalLocal(parsed, 'app_environment') as NameValue[]);
    const settings = names(literalLocal(parsed, 'app_settings') as NameValue[]);
    const secrets = literalLocal(parsed, 'app_secret_names') as string[];
    // ROLE: each task definition sets its own (ecs.tf).
    expect(uncarried(READ, [...environment, ...settings, ...secrets, 'ROLE'])).toEqual([]);
    for (const name of MUST_BE_SECRET) {
      expect(secrets, name).toContain(name);
      expect([...environment, ...settings], name).not.toContain(name);
    }
    // Nothing carried that nobody reads (a stale or mistyped name).
    const read = new Set<string>([...READ, ...AHEAD_OF_CONFIG]);
    expect([...environment, ...settings, ...secrets].filter((name) => !read.has(name))).toEqual([]);
  });

  for (const [role, path] of Object.entries(TASKS)) {
    it(`${path}: every variable the service reads has an entry, secrets from the app secret`, () => {
      const container = appContainer(path);
      expect(uncarried(READ, [...names(container.environment), ...names(container.secrets)])).toEqual([]);
      for (const name of MUST_BE_SECRET) expect(names(container.environment), name).not.toContain(name);
      expect(container.environment).toContainEqual({ name: 'ROLE', value: role });
    });
  }

  it('a variable added to config.ts without a task-definition entry is named', () => {
    const container = appContainer(TASKS.web);
    const carried = [...names(container.environment), ...names(container.secrets)];
    expect(uncarried([...READ, 'RATE_BUDGET_WHOP_PER_MINUTE'], carried)).toEqual(['RATE_BUDGET_WHOP_PER_MINUTE']);
    expect(uncarried(READ, carried.filter((name) => name !== 'SMTP_PASS'))).toEqual(['SMTP_PASS']);
  });

  it('README.md’s configuration table and .env.example name every variable config.ts reads', () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = readFileSync('.env.example', 'utf8');
    expect(CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
    expect(CONFIG_VARIABLES.filter((name) => !new RegExp(`^${name}=`, 'm').test(example))).toEqual([]);
  });

  it('the JSON template filled by envsubst with only the required values set starts the service in production: empty means unset', () => {
    const filled: Record<string, string> = {
      APP_VERSION: '0.1.0', PUBLIC_URL: 'https://app.churnsaver.example', WHOP_APP_ID: 'app_test',
    };
    const secrets: Record<string, string> = {
      DATABASE_URL: 'postgresql://u:p@db.example:5432/churn_saver_prod?sslmode=verify-full&sslrootcert=/app/certs/rds-ca-bundle.pem',
      WEBHOOK_SECRET: 'ws_' + 'a'.repeat(64), WHOP_API_KEY: 'whop_live_key', ENCRYPTION_KEY: 'b'.repeat(64), JWT_SECRET: 'c'.repeat(40),
    };
    const container = appContainer(TASKS.web);
    // envsubst: ${NAME} becomes the variable's value, or "" when it is not set.
    const env = Object.fromEntries([
      ...container.environment!.map((e) => [e.name, e.value!.replace(/\$\{(\w+)\}/g, (_, name: string) => filled[name] ?? '')]),
      ...container.secrets!.map((s) => [s.name, secrets[s.name] ?? '']),
    ]);
    const loaded = loadConfig(env);
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
    if (!loaded.ok) return;
    expect(loaded.config).toMatchObject({ SMTP_PORT: 587, RAW_WEBHOOK_RETENTION_DAYS: 30, LOG_LEVEL: 'info', ROLE: 'web' });
    expect(loaded.config.SMTP_HOST).toBeUndefined();
  });
});
