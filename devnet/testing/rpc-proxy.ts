import { createServer, type Server } from 'node:http';
import { findFreePort } from '../../common/ports.ts';

/** A loopback JSON-RPC proxy in front of a chain's RPC, for fault injection in tests. */
export type RpcProxy = {
  url: string;
  server: Server;
  /** Answers the requests it is true for (by method, or by the whole request body) with an error instead of forwarding them. */
  fail: ((method: string, body: string) => boolean) | undefined;
  /** Runs after a request was answered by the chain and before its answer is passed on. */
  after: ((method: string, body: string) => Promise<void>) | undefined;
};

export async function startRpcProxy(upstream: string): Promise<RpcProxy> {
  const port = await findFreePort();
  const proxy: RpcProxy = {
    url: `http://127.0.0.1:${port}`,
    server: undefined as never,
    fail: undefined,
    after: undefined,
  };
  proxy.server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      response.setHeader('content-type', 'application/json');
      if (proxy.fail?.(method, body)) {
        response.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'proxy: unavailable' } }));
        return;
      }
      const answer = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await answer.text();
      await proxy.after?.(method, body);
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => proxy.server.listen(port, '127.0.0.1', resolve));
  return proxy;
}
