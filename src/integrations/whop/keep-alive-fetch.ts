import http from 'node:http';
import https from 'node:https';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

// One pool per process for every Whop call: idle sockets are kept (and unref'd, so they never hold
// the process open) and reused by the next call, as Whop's API answers keep-alive. Node's agent
// honours the server's `Keep-Alive: timeout` hint, so a socket the server is about to close is not
// picked again; a socket the server closed is dropped from the pool when its close arrives.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) } as const;

/** Statuses whose Response must have no body (the WHATWG constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The `fetch` the Whop SDK is built with: a request over node:http(s) with a keep-alive agent,
 * answered as a WHATWG Response once the whole body has arrived (Whop's answers are small JSON).
 * It does what the SDK needs of fetch and no more (string or byte bodies, one URL, an abort
 * signal); anything else goes to the global fetch. An aborted signal rejects with Node's
 * AbortError, which the SDK reads as a timeout (APIConnectionTimeoutError), as it reads undici's;
 * a refused or reset connection rejects with its socket error (APIConnectionError). The
 * connections are the same as undici's pool would keep: what this saves is CPU, undici's fetch
 * and its streamed Response being most of a call's client cost (bench/figures/nudges.ts).
 */
export const keepAliveFetch: Fetch = (input, init) => {
  const body = init?.body;
  if (input instanceof Request || !(body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array)) return globalThis.fetch(input, init);
  const url = typeof input === 'string' ? new URL(input) : input;
  const agent = url.protocol === 'https:' ? agents['https:'] : url.protocol === 'http:' ? agents['http:'] : null;
  if (!agent) return globalThis.fetch(input, init);
  const signal = init?.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortErrorOf(signal));
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    // The body is read here whole, uncompressed: asking for gzip would need decoding it too.
    if (name !== 'accept-encoding') headers[name] = value;
  });
  if (body !== undefined && body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  return new Promise<Response>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: init?.method ?? 'GET', headers, agent, ...(signal ? { signal } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const pairs: [string, string][] = [];
        for (let i = 0; i < response.rawHeaders.length; i += 2) pairs.push([response.rawHeaders[i]!, response.rawHeaders[i + 1]!]);
        try {
          const init = { status, statusText: response.statusMessage ?? '', headers: pairs };
          resolve(NULL_BODY.has(status) ? new Response(null, init) : bufferedResponse(Buffer.concat(chunks), init));
        } catch (error) {
          reject(error);
        }
      });
      // Destroyed before its end (an abort, a reset mid-body): no Response, the call failed.
      response.on('close', () => {
        if (!response.complete) reject(signal?.aborted ? abortErrorOf(signal) : new Error('Whop closed the connection before the response ended'));
      });
    });
    request.on('error', (error) => reject(signal?.aborted ? abortErrorOf(signal) : error));
    request.end(body ?? undefined);
  });
};

/**
 * A Response whose body is already in memory: text(), json() and the byte readers take it as it
 * is, where a Response built on the bytes would put them through a web stream first (that and
 * its JSON decoding were most of the remaining undici CPU per call). `body` is null: the SDK
 * streams nothing from Whop (it reads JSON, and cancels a null body as nothing to cancel).
 */
function bufferedResponse(bytes: Buffer, init: ResponseInit): Response {
  const response = new Response(null, init);
  let read = false;
  const take = (): Buffer => {
    if (read) throw new TypeError('Body is unusable: Body has already been read');
    read = true;
    return bytes;
  };
  const arrayBuffer = async (): Promise<ArrayBuffer> => {
    const b = take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
  // Own properties over Response's methods (a subclass cannot satisfy both lib typings of Response).
  return Object.assign(response, {
    text: async () => take().toString('utf8'),
    json: async (): Promise<unknown> => JSON.parse(take().toString('utf8')),
    arrayBuffer,
    bytes: async () => new Uint8Array(await arrayBuffer()),
    blob: async () => new Blob([await arrayBuffer()], { type: response.headers.get('content-type') ?? '' }),
    clone: (): Response => {
      if (read) throw new TypeError('Response.clone: Body has already been consumed.');
      return bufferedResponse(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  });
}

/** What fetch rejects with on an abort: an Error named AbortError (the SDK's timeout test). */
function abortErrorOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return Object.assign(new Error(`The operation was aborted${reason instanceof Error ? `: ${reason.message}` : ''}`), { name: 'AbortError', cause: reason });
}
