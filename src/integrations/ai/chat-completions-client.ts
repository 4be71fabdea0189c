import type { ChatMessage } from '../../domain/template-draft.ts';

/**
 * A narrow client for any OpenAI-compatible chat-completions API (OpenRouter by default): one
 * POST `<baseUrl>/chat/completions`, bounded by a timeout, with every failure mapped to a value.
 * Plain fetch: we send one request shape and read three fields, which does not need an SDK.
 * Provider error bodies are never passed on: some echo part of the API key.
 */
export interface ChatCompletionsClient {
  readonly model: string;
  complete(messages: readonly ChatMessage[]): Promise<CompletionResult>;
}

export type CompletionResult =
  | { ok: true; content: string | null; refusal: string | null; finishReason: string | null }
  | { ok: false; reason: 'timeout'; timeoutSeconds: number }
  | { ok: false; reason: 'rate_limited'; status: 429; retryAfterSeconds: number | null }
  | { ok: false; reason: 'failed'; status: number | null }
  | { ok: false; reason: 'malformed_response'; status: number };

export interface ChatCompletionsOptions {
  apiKey: string;
  baseUrl: string;
  model: string;
  timeoutSeconds: number;
  /** Longest answer, in tokens; bounds cost and latency. */
  maxTokens?: number;
}

export function createChatCompletionsClient(options: ChatCompletionsOptions): ChatCompletionsClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    model: options.model,
    async complete(messages) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', 'x-title': 'Churn Saver' },
          body: JSON.stringify({ model: options.model, messages, temperature: 0.7, max_tokens: options.maxTokens ?? 1_500 }),
          signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
        });
        text = await response.text();
      } catch (error) {
        if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return { ok: false, reason: 'timeout', timeoutSeconds: options.timeoutSeconds };
        return { ok: false, reason: 'failed', status: null };
      }
      if (response.status === 429) {
        const retryAfter = Number(response.headers.get('retry-after'));
        return { ok: false, reason: 'rate_limited', status: 429, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : null };
      }
      if (!response.ok) return { ok: false, reason: 'failed', status: response.status };
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { ok: false, reason: 'malformed_response', status: response.status };
      }
      const choice = (body as { choices?: { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown }[] } | null)?.choices?.[0];
      if (!choice || typeof choice !== 'object') return { ok: false, reason: 'malformed_response', status: response.status };
      const content = choice.message?.content;
      const refusal = choice.message?.refusal;
      return {
        ok: true,
        content: typeof content === 'string' ? content : null,
        refusal: typeof refusal === 'string' && refusal.trim() !== '' ? refusal : null,
        finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      };
    },
  };
}
