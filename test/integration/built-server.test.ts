import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKEND } from '../support/test-database.ts';
import { TEST_ENCRYPTION_KEY } from '../support/test-keys.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// The production path runs the server as a bundle (scripts/bundle-server.mjs): `node dist/main.js`,
// as npm run start:prod and the image's CMD run it. npm ci (postinstall) and npm run build make dist/.
describe.runIf(BACKEND === 'pglite')('the built server (dist/main.js, the bundle)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'churn-built-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a start-up failure's logged stack names our source files and lines, not the bundle's", () => {
    // DATA_DIR is a file: opening the embedded database fails in src/db/client.ts.
    const dataDir = join(dir, 'not-a-folder');
    writeFileSync(dataDir, '');
    const run = spawnSync(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 90_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test', DATA_DIR: dataDir, PORT: '0', WEBHOOK_SECRET: `ws_${'0'.repeat(64)}` },
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain('Start-up failed: EEXIST');
    const fatal = JSON.parse(run.stdout.split('\n').find((line) => line.includes('"start-up failed"'))!) as { err: { stack: string } };
    const frame = fatal.err.stack.match(/at openPglite \((.+):(\d+):\d+\)/);
    expect(frame?.[1]).toBe(join(ROOT, 'src/db/client.ts'));
    // The line is the mkdirSync that failed in the source, not a line of the bundle.
    expect(readFileSync(join(ROOT, 'src/db/client.ts'), 'utf8').split('\n')[Number(frame![2]) - 1]).toContain('mkdirSync(dataDir');
    expect(fatal.err.stack).not.toContain('dist/server');
  });
});
