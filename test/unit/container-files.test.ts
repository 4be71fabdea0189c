import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config.ts';
import { execCommand, finalStage, healthcheckCommand, parseDockerfile, stageEnv, type Stage } from '../support/dockerfile.ts';

// What the image and the compose file promise an operator, checked without a Docker engine.
// test/integration/container.test.ts builds and runs the same artifact.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const stages = parseDockerfile(join(ROOT, 'Dockerfile'));
const runner = finalStage(stages);
const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('Dockerfile', () => {
  it('builds in deps / builder / runner stages, all on node:22-alpine (current LTS, never node 18)', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'builder', 'runner']);
    for (const stage of stages) expect(stage.image).toBe('node:22-alpine');
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).not.toMatch(/node:18/);
  });

  it('installs all dependencies to build, runs npm run build, and ships production dependencies only', () => {
    expect(runs(stages[0]!).join('\n')).toMatch(/npm ci\b/);
    expect(runs(stages[1]!).join('\n')).toMatch(/npm run build\b/);
    expect(runs(runner).join('\n')).toMatch(/npm ci [^\n]*--omit=dev/);
  });

  it('runs as uid 1001, not root', () => {
    const user = runner.instructions.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args).toBe('1001');
    expect(runs(runner).join('\n')).toMatch(/adduser [^\n]*-u 1001/);
  });

  it('checks readiness with curl on /api/ready (curl installed in the image) and exposes 3000', () => {
    expect(healthcheckCommand(runner)).toMatch(/^curl -f\S* http:\/\/localhost:3000\/api\/ready\b/);
    expect(runs(runner).join('\n')).toMatch(/apk add [^\n]*\bcurl\b/);
    expect(runner.instructions.filter((i) => i.keyword === 'EXPOSE').map((i) => i.args)).toEqual(['3000']);
  });

  it('starts in production on every interface (Docker sets HOSTNAME to the container id)', () => {
    expect(stageEnv(runner)).toMatchObject({ NODE_ENV: 'production', HOSTNAME: '0.0.0.0', PORT: '3000' });
  });

  it('CMD runs node on the server built from src/main.ts (dist/main.js, the bundle\'s entry)', () => {
    const [program, entry, ...rest] = execCommand(runner);
    expect(program).toBe('node');
    expect(rest).toEqual([]);
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    const source = join(build.compilerOptions.rootDir, relative(build.compilerOptions.outDir, entry!)).replace(/\.js$/, '.ts');
    expect(source).toBe('src/main.ts');
    expect(existsSync(join(ROOT, source))).toBe(true);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'].replace(/^exec /, '')).toBe(execCommand(runner).join(' '));
  });

  it('.dockerignore keeps local data, secrets, git and installed modules out of the build context, and the sources in', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'dist', 'data', '.env', 'coverage']));
    for (const needed of ['src', 'web', 'migrations', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
      expect(ignored, needed).not.toContain(needed);
  });
});

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}. */
function interpolate(value: unknown, env: Record<string, string>, errors: string[]): string {
  return String(value).replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (op === '?') errors.push(`${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { image?: string; build?: string; environment?: Record<string, unknown>; depends_on?: Record<string, { condition: string }>; healthcheck?: { test?: string[]; disable?: boolean }; ports?: string[] }>;
  };
  const { services } = compose;
  const secrets = {
    POSTGRES_PASSWORD: 'pg-local-password',
    WEBHOOK_SECRET: 'ws_' + 'a'.repeat(64),
    WHOP_API_KEY: 'apik_live_compose',
    ENCRYPTION_KEY: 'e'.repeat(64),
    JWT_SECRET: 'j'.repeat(40),
  };
  const envOf = (service: string, env: Record<string, string>, errors: string[] = []) =>
    Object.fromEntries(Object.entries(services[service]!.environment ?? {}).map(([k, v]) => [k, interpolate(v, env, errors)]));

  it('runs web and worker from this image, with PostgreSQL 15 and Redis 7', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'redis', 'web', 'worker']);
    expect(services.web!.build).toBe('.');
    expect(services.worker!.image).toBe(services.web!.image);
    expect(services.postgres!.image).toBe('postgres:15');
    expect(services.redis!.image).toBe('redis:7');
    expect(services.web!.environment?.ROLE).toBe('web');
    expect(services.worker!.environment?.ROLE).toBe('worker');
    expect(services.web!.ports).toEqual(['${WEB_PORT:-3000}:3000']);
  });

  it('starts the app only once PostgreSQL and Redis are healthy; web is checked on /api/ready (a Redis outage does not mark it unhealthy)', () => {
    for (const app of ['web', 'worker']) {
      expect(services[app]!.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(services[app]!.depends_on?.redis?.condition).toBe('service_healthy');
    }
    expect(services.web!.healthcheck?.test?.join(' ')).toMatch(/curl -f\S* http:\/\/localhost:3000\/api\/ready/);
    expect(services.postgres!.healthcheck?.test?.join(' ')).toMatch(/pg_isready/);
    expect(services.redis!.healthcheck?.test?.join(' ')).toMatch(/redis-cli ping/);
    // The worker serves no HTTP: the image's curl check would mark it unhealthy forever.
    expect(services.worker!.healthcheck?.disable).toBe(true);
  });

  it('refuses to start without the production secrets, naming each one', () => {
    const errors: string[] = [];
    envOf('web', {}, errors);
    for (const name of ['POSTGRES_PASSWORD', 'WEBHOOK_SECRET', 'WHOP_API_KEY', 'ENCRYPTION_KEY', 'JWT_SECRET'])
      expect(errors.some((e) => e.startsWith(`${name}:`)), name).toBe(true);
  });

  it('with the secrets set, both roles pass the production configuration check, with variable names the service knows', () => {
    const documented = new Set(readFileSync(join(ROOT, '.env.example'), 'utf8').match(/^[A-Z][A-Z0-9_]*(?==)/gm));
    for (const service of ['web', 'worker']) {
      const env = envOf(service, secrets);
      for (const name of Object.keys(env)) expect(documented.has(name), `${service}: ${name} is not in .env.example`).toBe(true);
      const loaded = loadConfig(env);
      expect(loaded.ok ? 'ok' : loaded.problems.join('; ')).toBe('ok');
      if (loaded.ok) {
        expect(loaded.config.NODE_ENV).toBe('production');
        expect(loaded.config.DATABASE_URL).toBe('postgresql://churn:pg-local-password@postgres:5432/churn_saver');
        expect(loaded.config.REDIS_URL).toBe('redis://redis:6379');
        expect(loaded.config.HOSTNAME).toBe('0.0.0.0');
      }
    }
  });
});
