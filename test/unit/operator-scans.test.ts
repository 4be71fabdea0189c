import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkSecurityHeaders } from '../../src/ops/check-security-headers.ts';
import { findSecretsInText } from '../../src/ops/scan-for-secrets.ts';
import { countAtOrAbove, formatAuditTable, summarizeNpmAudit } from '../../src/ops/summarize-npm-audit.ts';

// Fake secrets are assembled at run time so this file holds none of the strings it looks for.
const join = (...parts: string[]) => parts.join('');

describe('secret patterns', () => {
  it.each([
    ['private key', join('-----BEGIN RSA ', 'PRIVATE KEY-----')],
    ['AWS access key id', `aws_access_key_id = ${join('AKIA', 'J3K5M7P9R2T4V6X8')}`],
    ['AWS secret access key', `AWS_SECRET_ACCESS_KEY=${join('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYzzzzzzzzzz')}`],
    ['webhook secret (whsec_)', `const s = "${join('whsec_', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')}"`],
    ['Whop webhook secret (ws_)', `WEBHOOK_SECRET=${join('ws_', 'a'.repeat(16), '0123456789abcdef'.repeat(2))}`],
    ['hex key', `ENCRYPTION_KEY: "${'3f'.repeat(32)}"`],
  ])('finds a %s', (kind, line) => {
    const [finding] = findSecretsInText(`first line\n${line}\n`, 'config/app.ts');
    expect(finding).toMatchObject({ file: 'config/app.ts', line: 2, kind });
    expect(finding!.preview.length).toBeLessThanOrEqual(7);
  });

  it.each([
    ['an env reference', 'const key = process.env.ENCRYPTION_KEY;'],
    ['a placeholder', 'WEBHOOK_SECRET=ws_…'],
    ['a commit hash outside an assignment', 'fixed in 5b352e1a9c0d4e7f8a1b2c3d4e5f60718293a4b5'],
    ['a checksum column', "checksum text NOT NULL, -- sha256 hex"],
  ])('leaves %s alone', (_what, line) => {
    expect(findSecretsInText(line, 'x.ts')).toEqual([]);
  });
});

describe('npm audit summary', () => {
  const report = {
    auditReportVersion: 2,
    vulnerabilities: {
      'fast-xml': { name: 'fast-xml', severity: 'moderate', isDirect: false, via: ['aws-sdk'], range: '<4.2.5', fixAvailable: true },
      undici: { name: 'undici', severity: 'high', isDirect: true, via: [{ title: 'Undici proxy-authorization header leak', source: 1 }], range: '<6.21.1', fixAvailable: { name: 'undici', version: '6.21.1', isSemVerMajor: false } },
    },
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 1, critical: 0, total: 2 }, dependencies: { total: 512 } },
  };

  it('counts per severity, worst first, with the fix npm would apply', () => {
    const summary = summarizeNpmAudit(JSON.stringify(report));
    expect(summary.ok).toBe(true);
    if (!summary.ok) return;
    expect(summary.counts).toEqual({ info: 0, low: 0, moderate: 1, high: 1, critical: 0 });
    expect(summary.rows.map((r) => [r.name, r.severity, r.fix])).toEqual([['undici', 'high', 'undici@6.21.1'], ['fast-xml', 'moderate', 'true']]);
    expect(countAtOrAbove(summary.counts, 'high')).toBe(1);
    expect(countAtOrAbove(summary.counts, 'moderate')).toBe(2);
    expect(formatAuditTable(summary.rows).split('\n')[2]).toMatch(/^undici +high +yes +undici@6\.21\.1 +Undici proxy-authorization header leak$/);
  });

  it('an audit that could not reach the advisory database is a problem, not a clean report', () => {
    const summary = summarizeNpmAudit(JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', error: { summary: '', detail: '' } }));
    expect(summary).toEqual({ ok: false, problem: expect.stringMatching(/npm audit could not run: 405 Method Not Allowed/) });
    expect(summarizeNpmAudit('npm ERR! code ENOLOCK')).toMatchObject({ ok: false, problem: expect.stringMatching(/did not answer JSON: npm ERR! code ENOLOCK/) });
  });
});

describe('security headers check', () => {
  it('names every required header a bare server does not send, on each path', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'x-content-type-options': 'nosniff', 'x-frame-options': 'ALLOWALL' }).end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const findings = await checkSecurityHeaders(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const onLogin = findings.filter((f) => f.path === '/login').map((f) => `${f.header}: ${f.problem}`);
      expect(onLogin).toEqual([
        'strict-transport-security: missing',
        'x-frame-options: unexpected value "ALLOWALL"',
        'x-xss-protection: missing',
        'referrer-policy: missing',
        'content-security-policy: missing',
      ]);
      expect(findings.filter((f) => f.path === '/api/health')).toHaveLength(5);
    } finally {
      server.close();
    }
  });
});
