import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

/**
 * Whether this machine can run a private PostgreSQL with TLS: the server binaries, openssl, and
 * root (PostgreSQL refuses to run as root, so it runs as the postgres user through runuser).
 */
export function canRunTlsPostgres(): boolean {
  try {
    return process.getuid?.() === 0 && existsSync(join(BIN, 'initdb')) && existsSync('/usr/sbin/runuser') && Boolean(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) && Boolean(execFileSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

export interface TlsPostgres {
  port: number;
  /** The CA that signed the server's certificate (for CN/SAN localhost), PEM file. */
  caFile: string;
  stop(): void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway PostgreSQL 15 on 127.0.0.1 with ssl=on and a certificate for "localhost" from a fresh CA; trust auth. */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Churn Saver test CA', '-keyout', 'ca.key', '-out', 'ca.pem']);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt']);
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  for (const sub of ['data', 'sock']) mkdirSync(join(dir, sub));
  for (const path of ['', 'data', 'sock', 'server.key', 'server.crt']) chownSync(join(dir, path), uid, gid);
  chmodSync(join(dir, 'server.key'), 0o600);
  chmodSync(dir, 0o755);
  const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  asPostgres([join(BIN, 'initdb'), '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${join(dir, 'sock')} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=${join(dir, 'server.crt')} -c ssl_key_file=${join(dir, 'server.key')} -c fsync=off`;
  asPostgres([join(BIN, 'pg_ctl'), '-D', join(dir, 'data'), '-l', join(dir, 'data', 'server.log'), '-w', '-o', options, 'start']);
  return {
    port,
    caFile: join(dir, 'ca.pem'),
    stop() {
      try {
        asPostgres([join(BIN, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
