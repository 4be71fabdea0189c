import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible chat-completions API (POST /chat/completions) that records every
 * request and answers in the mode a test picks. Modes:
 * - good: a JSON draft with a title, subject and body (every channel's parts) linking {manage_url}
 * - slow: the good answer after `slowMs` (past the service's timeout)
 * - fail500 / fail429: an error status (429 with Retry-After)
 * - refusal: `message.refusal` set, no content
 * - broken_placeholders: JSON whose body uses {coupon} and an unclosed {amount
 * - malformed_json: prose, not JSON
 * - no_text: content null
 * - custom: `answer` verbatim as the content
 */
export type ChatFakeMode = 'good' | 'slow' | 'fail500' | 'fail429' | 'refusal' | 'broken_placeholders' | 'malformed_json' | 'no_text' | 'custom';

export interface RecordedChatRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received: what left the service. */
  raw: string;
  body: { model?: string; messages?: { role: string; content: string }[]; [key: string]: unknown };
}

export interface ChatCompletionsFake {
  baseUrl: string;
  requests: RecordedChatRequest[];
  setMode(mode: ChatFakeMode, options?: { answer?: string; slowMs?: number }): void;
  close(): Promise<void>;
}

export const GOOD_DRAFT = {
  title: 'Your {product} payment needs a quick fix',
  subject: 'Quick fix needed for your {product} membership',
  body: 'Hi[[ {member_name}]], your {amount} payment for {product} did not go through. Update it here: {manage_url}[[ and enjoy {incentive_days} free days on us]].',
};

export async function startChatCompletionsFake(): Promise<ChatCompletionsFake> {
  let mode: ChatFakeMode = 'good';
  let answer = '';
  let slowMs = 3_000;
  const requests: RecordedChatRequest[] = [];
  const completion = (message: Record<string, unknown>, finishReason = 'stop') =>
    JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion', model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }] });

  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      let body: RecordedChatRequest['body'] = {};
      try {
        body = JSON.parse(raw);
      } catch {}
      requests.push({ path: request.url ?? '', headers: request.headers, raw, body });
      const send = (status: number, text: string, headers: Record<string, string> = {}) => {
        if (response.destroyed) return;
        response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
      };
      if (request.method !== 'POST' || request.url !== '/chat/completions') return send(404, '{"error":{"message":"not found"}}');
      switch (mode) {
        case 'good':
          return send(200, completion({ content: JSON.stringify(GOOD_DRAFT) }));
        case 'slow':
          setTimeout(() => send(200, completion({ content: JSON.stringify(GOOD_DRAFT) })), slowMs).unref();
          return;
        case 'fail500':
          return send(500, '{"error":{"message":"upstream exploded, key sk-or-v1-abcd…wxyz"}}');
        case 'fail429':
          return send(429, '{"error":{"message":"rate limited"}}', { 'retry-after': '7' });
        case 'refusal':
          return send(200, completion({ content: null, refusal: 'I cannot help with that.' }));
        case 'broken_placeholders':
          return send(200, completion({ content: JSON.stringify({ ...GOOD_DRAFT, body: 'Use {coupon} to pay {amount before {manage_url}' }) }));
        case 'malformed_json':
          return send(200, completion({ content: 'Sure! Here is a friendly reminder: please update your card.' }));
        case 'no_text':
          return send(200, completion({ content: null }));
        case 'custom':
          return send(200, completion({ content: answer }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    setMode(next, options = {}) {
      mode = next;
      answer = options.answer ?? '';
      slowMs = options.slowMs ?? 3_000;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
