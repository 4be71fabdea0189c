import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';
import { spawnService, type SpawnedService } from '../support/spawn-service.ts';
import { BACKEND } from '../support/test-database.ts';
import { TEST_ENCRYPTION_KEY } from '../support/test-keys.ts';

// The embedded folder belongs to one process: npm start holds it for its life; a second opener
// (npm run admin:create meanwhile) refuses at once naming the holder and changes nothing; a holder
// killed with SIGKILL leaves a lock the next process recognises as stale and takes over.
describe.runIf(BACKEND === 'pglite')('the embedded data folder, opened by two processes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'churn-saver-lock-'));
  const env = { DATA_DIR: dataDir, PORT: '0', HOSTNAME: '127.0.0.1', LOG_LEVEL: 'warn' };
  const cliEnv = { DATA_DIR: dataDir, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY };
  let service: SpawnedService | undefined;
  afterAll(async () => {
    if (service?.child.exitCode === null) await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const signIn = (url: string, email: string, password: string) =>
    fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });

  it('a second process refuses while npm start runs, naming its pid and command, and nothing stored changes', async () => {
    service = await spawnService(env);
    const first = await runCli('admin-create', ['--email', 'first@example.com', '--password', 'first-password-1234'], cliEnv);
    expect(first.code).toBe(1);
    expect(first.stdout).not.toContain('created');
    const owner = JSON.parse(readFileSync(join(dataDir, 'pglite.owner'), 'utf8')) as { pid: number; command: string };
    expect(owner.pid).toBe(service.child.pid);
    expect(first.stderr).toContain(`in use by process ${service.child.pid} (`);
    expect(first.stderr).toContain('src/main.ts');
    expect(first.stderr).toContain('Nothing was changed');
    // The running service still owns a working folder, and the refused operator does not exist.
    expect((await fetch(`${service.url}/api/health`)).status).toBe(200);
    expect((await signIn(service.url!, 'first@example.com', 'first-password-1234')).status).toBe(401);
    // So do the tools that open the folder directly.
    for (const tool of ['db-migrate', 'db-verify', 'demo']) {
      const refused = await runCli(tool, [], cliEnv);
      expect(refused.code, `${tool}: ${refused.stdout}${refused.stderr}`).toBe(1);
      expect(refused.stderr, tool).toContain(`in use by process ${service.child.pid}`);
    }
  }, 90_000);

  it('after SIGKILL of the holder, the stale lock is recognised and taken over; the folder is intact', async () => {
    service!.child.kill('SIGKILL');
    await new Promise((resolve) => service!.child.once('exit', resolve));
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);
    const created = await runCli('admin-create', ['--email', 'ops@example.com', '--password', 'ops-password-1234'], cliEnv);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('operator ops@example.com: created');
    // Released on a clean exit; npm start takes the folder again and the operator signs in.
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    service = await spawnService(env);
    expect((await signIn(service.url!, 'ops@example.com', 'ops-password-1234')).status).toBe(200);
    expect(await service.stop()).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  }, 90_000);
});
