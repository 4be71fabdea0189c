import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What a committed secret looks like. Each pattern names the kind it finds. */
export const SECRET_PATTERNS: readonly { kind: string; pattern: RegExp }[] = [
  { kind: 'private key', pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/ },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'AWS secret access key', pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/i },
  { kind: 'webhook secret (whsec_)', pattern: /\bwhsec_[A-Za-z0-9+/=]{24,}/ },
  { kind: 'Whop webhook secret (ws_)', pattern: /\bws_[0-9a-f]{32,}\b/ },
  { kind: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { kind: 'Slack token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  // A long hex string assigned to something named like a key: a generated key pasted into code or config.
  { kind: 'hex key', pattern: /(?:key|secret|token|password|passwd)["']?\s*[:=]\s*["']?[0-9a-fA-F]{32,}\b/i },
];

/** Paths never scanned: tests and their fixtures hold fake secrets on purpose; the rest is not ours or not text. */
const EXCLUDED = [/(^|\/)(test|tests|__tests__|fixtures|node_modules|dist|data|\.git)\//, /\.test\.[cm]?[jt]sx?$/, /\.(png|jpe?g|gif|ico|webp|woff2?|gz|zip|wasm|pdf)$/i, /(^|\/)package-lock\.json$/];
/** Bigger files are generated, not written. */
const MAX_BYTES = 1_000_000;

export interface SecretFinding {
  file: string;
  line: number;
  kind: string;
  /** The first characters only: a report must not spread the secret further. */
  preview: string;
}

/** Findings in one text, line by line. Pure. */
export function findSecretsInText(text: string, file: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  text.split('\n').forEach((content, index) => {
    for (const { kind, pattern } of SECRET_PATTERNS) {
      const match = content.match(pattern);
      if (match) findings.push({ file, line: index + 1, kind, preview: `${match[0].slice(0, 6)}…` });
    }
  });
  return findings;
}

/**
 * Secrets in the files of `root`: the files git tracks when `root` is a work tree (what would be
 * pushed), else every file under it. Tests, fixtures, dependencies and build output are skipped.
 */
export function scanForSecrets(root: string): { files: number; findings: SecretFinding[] } {
  const files = listFiles(root).filter((f) => !EXCLUDED.some((x) => x.test(f)));
  const findings: SecretFinding[] = [];
  let scanned = 0;
  for (const file of files) {
    const path = join(root, file);
    if (!existsSync(path) || !statSync(path).isFile() || statSync(path).size > MAX_BYTES) continue;
    const content = readFileSync(path);
    if (content.includes(0)) continue; // binary
    scanned += 1;
    findings.push(...findSecretsInText(content.toString('utf8'), file));
  }
  return { files: scanned, findings };
}

function listFiles(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    return out.split('\0').filter(Boolean);
  } catch {
    return walk(root, root);
  }
}

function walk(root: string, dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!['node_modules', '.git', 'dist'].includes(entry.name)) files.push(...walk(root, path));
    } else if (entry.isFile()) files.push(relative(root, path));
  }
  return files;
}
