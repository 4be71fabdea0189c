import { SMTPServer, type SMTPServerError } from 'smtp-server';

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that accepts every message, parses it just enough for tests
 * (headers, subject, the text/plain and text/html parts), and can reject messages with a chosen reply code.
 * No TLS and no STARTTLS; AUTH PLAIN/LOGIN is optional and any credentials are accepted.
 */

export interface SmtpMessage {
  /** Envelope sender (MAIL FROM); the From header is in `headers.from`. */
  from: string;
  /** Envelope recipients (RCPT TO), so Bcc recipients are included. */
  to: string[];
  /** Subject with RFC 2047 encoded words decoded ("" when absent). */
  subject: string;
  /** Top-level headers: lowercased names, unfolded values, first occurrence wins, nothing decoded. */
  headers: Record<string, string>;
  /** The message exactly as received after DATA (headers and body, CRLF line ends). */
  raw: string;
  /** First text/plain part that is not an attachment, transfer encoding and charset decoded. */
  text?: string;
  /** First text/html part that is not an attachment, transfer encoding and charset decoded. */
  html?: string;
  /** The AUTH username of the session, if the client authenticated. */
  authUser?: string;
  at: Date;
}

export interface SmtpFailure {
  /** SMTP reply code, e.g. 451 (temporary) or 550 (permanent). */
  code: number;
  message: string;
}

export interface SmtpRejection {
  from: string;
  to: string[];
  code: number;
  message: string;
  at: Date;
}

export interface SmtpFakeOptions {
  /** Reject every message with this reply until `fake.failWith` is set back to null (an outage). */
  failWith?: SmtpFailure;
}

export interface SmtpFake {
  host: string;
  port: number;
  /** Accepted messages, oldest first. */
  messages: SmtpMessage[];
  /** Messages the fake refused (scripted or `failWith`), oldest first. */
  rejected: SmtpRejection[];
  /** Usernames of every successful AUTH, in order. */
  logins: string[];
  /** SMTP sessions opened so far (a probe's connect + EHLO + QUIT counts one). */
  connections: number;
  /** Accepted messages with this envelope recipient (case-insensitive). */
  inbox(address: string): SmtpMessage[];
  /** Rejects the next message with this reply code; queued calls apply to consecutive messages. */
  failNextWith(code: number, message: string): void;
  /** While set, every message is rejected with this reply (after any queued `failNextWith`). */
  failWith: SmtpFailure | null;
  /** While set, each message is rejected with `failure` when `random()` < `rate` (a flaky peer). */
  failRandomly: { rate: number; failure: SmtpFailure; random: () => number } | null;
  /** Forgets messages, rejections, logins and queued failures. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startSmtpFake(options: SmtpFakeOptions = {}): Promise<SmtpFake> {
  const messages: SmtpMessage[] = [];
  const rejected: SmtpRejection[] = [];
  const logins: string[] = [];
  const queuedFailures: SmtpFailure[] = [];

  const fake: SmtpFake = {
    host: '127.0.0.1',
    port: 0,
    messages,
    rejected,
    logins,
    connections: 0,
    failWith: options.failWith ?? null,
    failRandomly: null,
    inbox: (address) => messages.filter((m) => m.to.some((to) => to.toLowerCase() === address.toLowerCase())),
    failNextWith(code, message) {
      queuedFailures.push({ code, message });
    },
    reset() {
      messages.length = 0;
      rejected.length = 0;
      logins.length = 0;
      queuedFailures.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    closeTimeout: 1000,
    onConnect(_session, callback) {
      fake.connections += 1;
      callback();
    },
    onAuth(auth, _session, callback) {
      const user = auth.username ?? '';
      logins.push(user);
      callback(null, { user });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        const flaky = fake.failRandomly && fake.failRandomly.random() < fake.failRandomly.rate ? fake.failRandomly.failure : null;
        const failure = queuedFailures.shift() ?? fake.failWith ?? flaky;
        if (failure) {
          rejected.push({ from, to, code: failure.code, message: failure.message, at: new Date() });
          const error: SMTPServerError = Object.assign(new Error(failure.message), { responseCode: failure.code });
          return callback(error);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMessage(raw);
        const message: SmtpMessage = { from, to, subject: decodeEncodedWords(parsed.headers.subject ?? ''), headers: parsed.headers, raw, at: new Date() };
        if (parsed.text !== undefined) message.text = parsed.text;
        if (parsed.html !== undefined) message.html = parsed.html;
        if (typeof session.user === 'string') message.authUser = session.user;
        messages.push(message);
        callback(null, 'OK: queued by the SMTP fake');
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      // A client killed mid-session (a SIGKILLed worker) resets its connection: smtp-server reports
      // it as a server error, which unhandled would crash the test process.
      server.on('error', () => {});
      resolve();
    });
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('SMTP fake did not get a TCP port');
  fake.port = address.port;
  return fake;
}

// ---- minimal MIME parsing -----------------------------------------------------------------------

interface ParsedPart {
  headers: Record<string, string>;
  text?: string;
  html?: string;
}

function parseMessage(raw: string): ParsedPart {
  const [headerBlock, body] = splitHeaderBlock(raw);
  const headers = parseHeaders(headerBlock);
  const found: { text?: string; html?: string } = {};
  collectParts(headers, body, found);
  return { headers, ...found };
}

function splitHeaderBlock(raw: string): [string, string] {
  const blank = /\r?\n\r?\n/.exec(raw);
  if (!blank) return [raw, ''];
  return [raw.slice(0, blank.index), raw.slice(blank.index + blank[0].length)];
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  // Unfolding (RFC 5322 §2.2.3): a line break followed by whitespace continues the previous line.
  for (const line of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** `text/plain; charset="utf-8"` -> { type: 'text/plain', params: { charset: 'utf-8' } } */
function parseHeaderParams(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = (value ?? '').split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    params[param.slice(0, eq).trim().toLowerCase()] = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function collectParts(headers: Record<string, string>, body: string, found: { text?: string; html?: string }): void {
  const contentType = parseHeaderParams(headers['content-type'] ?? 'text/plain');
  if (contentType.type.startsWith('multipart/')) {
    const boundary = contentType.params.boundary;
    if (!boundary) return;
    for (const part of splitMultipart(body, boundary)) {
      const [partHeaderBlock, partBody] = splitHeaderBlock(part);
      collectParts(parseHeaders(partHeaderBlock), partBody, found);
    }
    return;
  }
  if (parseHeaderParams(headers['content-disposition']).type === 'attachment') return;
  const kind = contentType.type === 'text/plain' ? 'text' : contentType.type === 'text/html' ? 'html' : undefined;
  if (!kind || found[kind] !== undefined) return;
  const bytes = decodeTransferEncoding(body, (headers['content-transfer-encoding'] ?? '7bit').toLowerCase());
  found[kind] = decodeCharset(bytes, contentType.params.charset ?? 'utf-8');
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join('\r\n'));
      current = [];
    } else if (current) {
      current.push(line);
    }
  }
  if (current) parts.push(current.join('\r\n'));
  return parts;
}

function decodeTransferEncoding(body: string, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'utf8');
}

function decodeQuotedPrintable(input: string): Buffer {
  const text = input.replace(/=\r?\n/g, ''); // soft line breaks
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

/** RFC 2047 encoded words (`=?utf-8?Q?...?=` / `=?utf-8?B?...?=`), as nodemailer writes non-ASCII subjects. */
function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g;
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1') // whitespace between adjacent encoded words is not part of the text
    .replace(word, (_match, charset: string, encoding: string, text: string) => {
      const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return decodeCharset(bytes, charset);
    });
}
