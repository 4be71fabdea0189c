import { createServer, connect, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

/**
 * A TCP proxy in front of a real server (Redis) that a test switches between forwarding, refusing
 * (every connection reset at once: a port with nothing behind it) and blackholing (connections
 * accepted, open ones kept, nothing ever answered: a hung or partitioned server).
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  let mode: ProxyMode = 'forward';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server = createServer((client) => {
    client.on('error', () => {});
    if (mode === 'refuse') return void client.resetAndDestroy();
    if (mode === 'blackhole') return void client.resume();
    const upstream = connect(target);
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    // Data only flows while forwarding: a blackhole swallows what open connections send.
    client.on('data', (chunk) => {
      if (mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'forward') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    setMode(next: ProxyMode) {
      mode = next;
      // Refusing drops the open connections too (the server went away); a blackhole keeps them hanging.
      if (next === 'refuse') for (const { client } of pairs) client.resetAndDestroy();
    },
    async close() {
      for (const { client } of pairs) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
