import { readFileSync } from 'node:fs';
import { getReferencesInExpression } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { REQUIRED_IN_PRODUCTION } from '../../../src/config/config.ts';
import { literalLocal, parseTerraformDir, resourceBlock } from '../../support/terraform-references.ts';

type NameValue = { name: string; value?: string; valueFrom?: string };
type Container = { name: string; environment?: NameValue[]; secrets?: NameValue[]; portMappings?: { containerPort: number }[]; healthCheck?: { command: string[] }; logConfiguration?: { logDriver: string } };
type TaskDefinition = { family: string; containerDefinitions: Container[] };

const readTaskDefinition = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as TaskDefinition;
const appContainer = (task: TaskDefinition) => task.containerDefinitions.find((c) => c.name === 'churn-saver')!;
const names = (list: NameValue[] | undefined) => (list ?? []).map((e) => e.name);

/** Variables the app refuses to start without in production that the container does not set. */
function missingProductionVariables(container: Container): string[] {
  const provided = new Set([...names(container.environment), ...names(container.secrets)]);
  return REQUIRED_IN_PRODUCTION.filter((name) => !provided.has(name));
}

const TASKS = [
  { path: 'infra/ecs/task-definition.json', role: 'web' },
  { path: 'infra/ecs/task-definition.worker.json', role: 'worker' },
] as const;

describe('ECS task definitions', { timeout: 30_000 }, () => {
  for (const { path, role } of TASKS) {
    it(`${path} sets every variable production requires, secrets from Secrets Manager, ROLE=${role}`, () => {
      const container = appContainer(readTaskDefinition(path));
      expect(missingProductionVariables(container)).toEqual([]);
      expect(container.environment).toContainEqual({ name: 'ROLE', value: role });
      expect(container.environment).toContainEqual({ name: 'NODE_ENV', value: 'production' });
      for (const secret of container.secrets!) expect(secret.valueFrom).toBe(`\${APP_SECRET_ARN}:${secret.name}::`);
      // A secret value must never sit in plain environment.
      for (const name of REQUIRED_IN_PRODUCTION) expect(names(container.environment)).not.toContain(name);
      expect(container.logConfiguration?.logDriver).toBe('awslogs');
    });
  }

  it('a task definition missing a required secret is caught', () => {
    const container = appContainer(readTaskDefinition('infra/ecs/task-definition.json'));
    const stripped = { ...container, secrets: container.secrets!.filter((s) => s.name !== 'JWT_SECRET') };
    expect(missingProductionVariables(stripped)).toEqual(['JWT_SECRET']);
  });

  it('the web task listens on 3000 and checks /api/ready with curl; the worker has no port', () => {
    const web = appContainer(readTaskDefinition('infra/ecs/task-definition.json'));
    expect(web.portMappings?.map((p) => p.containerPort)).toEqual([3000]);
    expect(web.healthCheck?.command).toEqual(['CMD-SHELL', 'curl -f http://localhost:3000/api/ready || exit 1']);
    expect(appContainer(readTaskDefinition('infra/ecs/task-definition.worker.json')).portMappings).toBeUndefined();
  });

  it('terraform’s task definitions name the same secrets and variables, and the secret holds a key for each', async () => {
    const parsed = await parseTerraformDir('infra/terraform');
    const secretNames = literalLocal(parsed, 'app_secret_names') as string[];
    const secretValues = literalLocal(parsed, 'app_secret_values') as Record<string, string>;
    const environment = [...(literalLocal(parsed, 'app_environment') as NameValue[]), ...(literalLocal(parsed, 'app_settings') as NameValue[])];
    const json = appContainer(readTaskDefinition('infra/ecs/task-definition.json'));

    expect(REQUIRED_IN_PRODUCTION.filter((name) => !secretNames.includes(name))).toEqual([]);
    // ECS stops a task whose secret lacks a referenced JSON key.
    expect(Object.keys(secretValues).sort()).toEqual([...secretNames].sort());
    expect([...secretNames].sort()).toEqual(names(json.secrets).sort());
    expect([...names(environment), 'ROLE'].sort()).toEqual(names(json.environment).sort());

    for (const { role } of TASKS) {
      const definitions = String(resourceBlock(parsed, 'aws_ecs_task_definition', role)!.container_definitions);
      const references = (await getReferencesInExpression('ecs.tf', definitions)).map((r) => r.value);
      expect(references).toEqual(expect.arrayContaining(['local.app_secrets', 'local.app_container_environment', 'local.datadog_agent_containers']));
      expect(definitions).toMatch(new RegExp(`name\\s*=\\s*"ROLE",\\s*value\\s*=\\s*"${role}"`));
    }
    const containerEnvironment = (await getReferencesInExpression('ecs.tf', String(literalLocal(parsed, 'app_container_environment')))).map((r) => r.value);
    expect(containerEnvironment).toEqual(expect.arrayContaining(['local.app_environment', 'local.app_settings', 'local.datadog_app_environment']));
    const appSecrets = String(literalLocal(parsed, 'app_secrets'));
    expect((await getReferencesInExpression('ecs.tf', appSecrets)).map((r) => r.value)).toContain('local.app_secret_names');
  });
});
