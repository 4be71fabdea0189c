/** The headers every page must carry (the guide's compliance check, plus what our helmet setup promises). */
export const REQUIRED_HEADERS: readonly { name: string; expect?: RegExp; why: string }[] = [
  { name: 'strict-transport-security', expect: /max-age=\d{7,}/, why: 'HTTPS only, for at least ~4 months' },
  { name: 'x-content-type-options', expect: /^nosniff$/i, why: 'no MIME sniffing' },
  { name: 'x-frame-options', expect: /^(deny|sameorigin)$/i, why: 'no framing by other sites (dashboard pages use CSP frame-ancestors instead)' },
  { name: 'x-xss-protection', why: 'present; "0" turns off the legacy filter, as OWASP advises' },
  { name: 'referrer-policy', why: 'no full URLs leaked to other sites' },
  { name: 'content-security-policy', expect: /frame-ancestors/, why: 'framing rules' },
];

/** Paths checked: a page and the API. */
export const HEADER_PATHS = ['/login', '/api/health'] as const;

export interface HeaderFinding {
  path: string;
  header: string;
  problem: string;
}

/** Fetches each path of the service at `baseUrl` and lists every required header that is missing or weak. */
export async function checkSecurityHeaders(baseUrl: string, timeoutMs = 10_000): Promise<HeaderFinding[]> {
  const findings: HeaderFinding[] = [];
  for (const path of HEADER_PATHS) {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    for (const { name, expect } of REQUIRED_HEADERS) {
      const value = response.headers.get(name);
      if (value === null) findings.push({ path, header: name, problem: 'missing' });
      else if (expect && !expect.test(value)) findings.push({ path, header: name, problem: `unexpected value "${value}"` });
    }
  }
  return findings;
}
