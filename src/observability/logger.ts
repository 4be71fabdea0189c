import pino, { type Logger } from 'pino';

/** Paths never written to logs: secrets, signatures, tokens, cookies, member contact data. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'req.headers["x-whop-signature"]',
  'req.headers["x-whop-user-token"]',
  'req.headers["x-csrf-token"]',
  'headers.authorization',
  'headers.cookie',
  'headers["webhook-signature"]',
  'headers["x-whop-signature"]',
  'headers["x-whop-user-token"]',
  'headers["x-csrf-token"]',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.token',
  '*.email',
  '*.memberEmail',
  '*.memberName',
  '*.csrf',
  '*.csrf_token',
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
      serializers: { err: serializeError },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** Error fields that can carry row values: drizzle's query parameters, the driver's detail ("Key (email)=(…)"). */
const ERROR_FIELDS_WITH_VALUES = ['params', 'parameters', 'detail', 'where', 'internalQuery', 'rawBody', 'body'];
/** drizzle's "Failed query: …\nparams: a,b" message: keep the query, drop the values. */
const PARAMS_IN_TEXT = /\nparams: [\s\S]*?(?=; caused by: |\n {4}at |\ncaused by: |$)/g;

/**
 * pino's error serializer, minus what a failed query would otherwise write to the logs: the
 * parameters (a webhook insert's parameters are whole bodies with member emails), and the driver's
 * detail. The query text (placeholders only), code and stack stay for debugging.
 */
export function serializeError(error: unknown): unknown {
  return scrubError(pino.stdSerializers.err(error as Error), 0);
}

function scrubError(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  const scrubbed: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (ERROR_FIELDS_WITH_VALUES.includes(key)) scrubbed[key] = '[redacted]';
    else if ((key === 'message' || key === 'stack') && typeof field === 'string') scrubbed[key] = field.replace(PARAMS_IN_TEXT, '\nparams: [redacted]');
    else if (key === 'aggregateErrors' && Array.isArray(field)) scrubbed[key] = field.map((e) => scrubError(e, depth + 1));
    else if (field !== null && typeof field === 'object' && 'message' in field) scrubbed[key] = scrubError(field, depth + 1);
    else scrubbed[key] = field;
  }
  return scrubbed;
}
