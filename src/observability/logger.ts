import pino, { type Logger } from 'pino';

/** Paths never written to logs: secrets, signatures, tokens, cookies, member contact data. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'req.headers["x-whop-signature"]',
  'req.headers["x-whop-user-token"]',
  'headers.authorization',
  'headers.cookie',
  'headers["webhook-signature"]',
  'headers["x-whop-signature"]',
  'headers["x-whop-user-token"]',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.token',
  '*.email',
  '*.memberEmail',
  'password',
  'email',
  'memberEmail',
  'rawBody',
  '*.rawBody',
];

export interface LoggerOptions {
  level: string;
  environment: string;
  version: string;
  /** Tests capture lines here. */
  destination?: pino.DestinationStream;
}

/** JSON logs with the guide's base fields: service, environment, version. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'churn-saver', environment: options.environment, version: options.version },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
