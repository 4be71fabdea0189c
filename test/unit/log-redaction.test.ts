import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { urlForLog } from '../../src/http/request-log-controller.ts';
import { createLogger } from '../../src/observability/logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', environment: 'test', version: 'x', destination }), text: () => lines.join('') };
}

describe('log redaction', () => {
  it('a failed query is logged with its SQL but without its parameters or the driver’s detail', () => {
    const { logger, text } = capture();
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "operators_email_key"'), {
      code: '23505',
      detail: 'Key (email)=(leak.check@example.test) already exists.',
    });
    const error = new DrizzleQueryError('insert into operators (email, password_hash) values ($1, $2)', ['leak.check@example.test', 'scrypt$secret-hash'], cause);
    logger.error({ err: error }, 'unhandled error');
    const line = JSON.parse(text());
    expect(text()).not.toContain('leak.check@example.test');
    expect(text()).not.toContain('secret-hash');
    expect(line.err.query).toBe('insert into operators (email, password_hash) values ($1, $2)');
    expect(line.err.message).toMatch(/params: \[redacted\]/);
    expect(line.err.stack).toMatch(/caused by: .*duplicate key value/);
  });

  it('passwords, tokens and emails in logged objects are censored', () => {
    const { logger, text } = capture();
    logger.info({ password: 'hunter2-hunter2', user: { email: 'leak.check@example.test', token: 'tok_abcdef' }, headers: { 'x-whop-user-token': 'jwt.jwt.jwt' } }, 'x');
    for (const value of ['hunter2-hunter2', 'leak.check@example.test', 'tok_abcdef', 'jwt.jwt.jwt']) expect(text()).not.toContain(value);
  });

  it.each([
    ['/api/companies/biz_1/cases?q=leak.check%40example.test&status=open', '/api/companies/biz_1/cases?q=[redacted]&status=open'],
    ['/api/unsubscribe?token=abc.def', '/api/unsubscribe?token=[redacted]'],
    ['/api/companies/biz_1/kpis?window=30', '/api/companies/biz_1/kpis?window=30'],
    ['/api/health', '/api/health'],
  ])('the request url %s is logged as %s', (url, logged) => {
    expect(urlForLog(url)).toBe(logged);
  });
});
