import nodemailer from 'nodemailer';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Record<string, string>;
}

export type EmailResult =
  | { ok: true; messageId: string }
  | { ok: false; provider: 'smtp'; retryable: boolean; responseCode: number | null; message: string };

export interface EmailSender {
  send(message: EmailMessage): Promise<EmailResult>;
  close(): void;
}

export interface SmtpOptions {
  host: string;
  port: number;
  user?: string | undefined;
  pass?: string | undefined;
  from: string;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
}

/** Network errors nodemailer reports without an SMTP reply: worth another try later. */
const TRANSIENT_NETWORK = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET']);

export function createEmailSender(options: SmtpOptions): EmailSender {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    ...(options.user ? { auth: { user: options.user, pass: options.pass ?? '' } } : {}),
    pool: true,
    maxConnections: 4,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail({ from: options.from, ...message });
        return { ok: true, messageId: String(info.messageId) };
      } catch (error) {
        const e = error as { responseCode?: number; code?: string; message?: string };
        const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
        // SMTP 4xx are temporary by definition (RFC 5321); 5xx are permanent.
        const retryable = responseCode !== null ? responseCode < 500 : TRANSIENT_NETWORK.has(e.code ?? '');
        return { ok: false, provider: 'smtp', retryable, responseCode, message: `SMTP ${responseCode ?? e.code ?? 'error'}: ${e.message ?? 'unknown error'}` };
      }
    },
    close: () => transport.close(),
  };
}
