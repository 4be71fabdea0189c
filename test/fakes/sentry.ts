import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface SentryEnvelopeItem {
  type: string;
  payload: Record<string, unknown>;
}

export interface FakeSentry {
  /** http://public@127.0.0.1:port/1: give it to the SDK as SENTRY_DSN. */
  dsn: string;
  /** Raw envelope bodies as received (decompressed), for "nothing leaked" checks. */
  bodies: string[];
  /** Event items (type "event") received so far. */
  events(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** A local stand-in for Sentry's ingest: records every envelope POSTed to /api/<project>/envelope/. */
export async function startFakeSentry(): Promise<FakeSentry> {
  const bodies: string[] = [];
  const items: SentryEnvelopeItem[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const text = body.toString('utf8');
      if (/^\/api\/\d+\/envelope\/?/.test(req.url ?? '')) {
        bodies.push(text);
        items.push(...parseEnvelope(text));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://public@127.0.0.1:${port}/1`,
    bodies,
    events: () => items.filter((i) => i.type === 'event').map((i) => i.payload),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Envelope: a header line, then (item header, payload) line pairs; only JSON payloads matter here. */
function parseEnvelope(text: string): SentryEnvelopeItem[] {
  const lines = text.split('\n');
  const items: SentryEnvelopeItem[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    try {
      const header = JSON.parse(lines[i]!) as { type?: string };
      items.push({ type: header.type ?? 'unknown', payload: JSON.parse(lines[i + 1]!) as Record<string, unknown> });
    } catch {
      // A binary attachment or a malformed line: not an event.
    }
  }
  return items;
}
