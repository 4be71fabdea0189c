import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWhopGateway } from '../../src/integrations/whop/whop-gateway.ts';
import { keepAliveFetch } from '../../src/integrations/whop/keep-alive-fetch.ts';
import { startWhopApiFake, type WhopApiFake } from '../fakes/whop-api.ts';

/** The Whop client's own fetch (node:http with a keep-alive agent): what the SDK needs of fetch, and faults. */
let fake: WhopApiFake | null = null;
let server: http.Server | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = null;
});

/** A plain server counting the connections it accepted; `answer` handles each request. */
async function countingServer(answer: http.RequestListener): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = http.createServer(answer);
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

describe('the Whop client reuses its connections', () => {
  it('sequential calls share one connection; side-by-side calls one each at most', async () => {
    const s = await countingServer((req, res) => req.resume().on('end', () => res.setHeader('content-type', 'application/json').end('{"id":"mem_1","status":"active"}')));
    const gateway = createWhopGateway({ apiKey: 'k', baseURL: `${s.url}/api/v1` });
    for (let i = 0; i < 20; i++) expect((await gateway.getMembership('mem_1')).ok).toBe(true);
    expect(s.connections()).toBe(1);
    await Promise.all(Array.from({ length: 4 }, () => gateway.getMembership('mem_1')));
    expect(s.connections()).toBeLessThanOrEqual(4);
  });

  it('answers as fetch does: status, headers, JSON body, a bodyless 204, a posted body', async () => {
    const s = await countingServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        if (req.url === '/empty') return res.writeHead(204).end();
        res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '3' }).end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] }));
      });
    });
    const posted = await keepAliveFetch(`${s.url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"é":1}' });
    expect([posted.status, posted.headers.get('retry-after')]).toEqual([201, '3']);
    expect(await posted.json()).toEqual({ method: 'POST', body: '{"é":1}', length: '8' }); // bytes, not characters
    const empty = await keepAliveFetch(`${s.url}/empty`);
    expect([empty.status, await empty.text()]).toEqual([204, '']);
  });
});

describe('faults of the connection map as with the SDK\'s default fetch', () => {
  it('a call past the timeout is a timeout the send may have applied (retryable, maybeApplied)', async () => {
    fake = await startWhopApiFake();
    fake.failNext('POST /notifications', [{ timeoutMs: 1500 }]);
    fake.setExperience('exp_1', { company: { id: 'biz_1', route: 'b', title: 'B' }, products: [{ id: 'prod_1', route: 'p', title: 'P' }] as never });
    const gateway = createWhopGateway({ apiKey: 'k', baseURL: fake.baseURL, timeoutMs: 300 });
    const result = await gateway.sendPush({ companyId: 'biz_1', productId: 'prod_1', userId: 'user_1', title: 't', content: 'c' });
    expect(result).toMatchObject({ ok: false, retryable: true, status: null, maybeApplied: true });
  });

  it('a Whop that went away after a call fails the next call retryably, and one that came back serves again', async () => {
    fake = await startWhopApiFake();
    fake.setMembership('mem_1');
    const baseURL = fake.baseURL;
    const gateway = createWhopGateway({ apiKey: 'k', baseURL, timeoutMs: 2000 });
    expect((await gateway.getMembership('mem_1')).ok).toBe(true);
    await fake.close(); // force-closes the kept connection
    fake = null;
    expect(await gateway.getMembership('mem_1')).toMatchObject({ ok: false, retryable: true, status: null });
    // A server on the same port again: the pool holds no dead socket.
    const port = Number(new URL(baseURL).port);
    server = http.createServer((req, res) => req.resume().on('end', () => res.setHeader('content-type', 'application/json').end('{"id":"mem_1","status":"active"}')));
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    expect((await gateway.getMembership('mem_1')).ok).toBe(true);
  });

  it('a connection closed in the middle of a response fails the call (no half body taken for an answer)', async () => {
    const s = await countingServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"id":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const gateway = createWhopGateway({ apiKey: 'k', baseURL: `${s.url}/api/v1`, timeoutMs: 2000 });
    expect(await gateway.getMembership('mem_1')).toMatchObject({ ok: false, retryable: true });
  });

  it('an aborted signal rejects as an AbortError, before or during the call', async () => {
    const s = await countingServer(() => {}); // never answers
    await expect(keepAliveFetch(`${s.url}/x`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(keepAliveFetch(`${s.url}/x`, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('the answer is read once, as fetch reads it', () => {
  it('text, json, bytes and a clone give the body; a second read is refused', async () => {
    const s = await countingServer((req, res) => req.resume().on('end', () => res.setHeader('content-type', 'application/json').end('{"a":"é"}')));
    const response = await keepAliveFetch(`${s.url}/x`);
    const copy = response.clone();
    expect(await response.json()).toEqual({ a: 'é' });
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(new TextDecoder().decode(await copy.bytes())).toBe('{"a":"é"}');
    const blob = await (await keepAliveFetch(`${s.url}/x`)).blob();
    expect([blob.type, await blob.text()]).toEqual(['application/json', '{"a":"é"}']);
  });
});
