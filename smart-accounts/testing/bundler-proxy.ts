import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Address } from 'viem';
import { formatUserOperation, getUserOperationHash, type RpcUserOperation } from 'viem/account-abstraction';

/**
 * What the proxy does with eth_sendUserOperation. `pass`: forwards it and relays the answer.
 * After forwarding it and receiving the bundler's answer: `destroy` closes the socket, `http-502`
 * answers a gateway error, `garbage` answers 200 with a body that is not JSON, `hang` never answers.
 * `swallow`: answers the operation's hash without forwarding it (the op is lost).
 */
export type SendFault = 'pass' | 'destroy' | 'http-502' | 'garbage' | 'hang' | 'swallow';

export type BundlerProxy = {
  url: string;
  /** eth_sendUserOperation requests received. */
  sends: () => number;
  close: () => Promise<void>;
};

/**
 * A loopback HTTP proxy in front of a real bundler, for fault injection: the fault applies to
 * eth_sendUserOperation; with `forget`, it also denies knowing any operation afterwards (a bundler
 * restarted without its store): no receipt, status `not_found`. Everything else is relayed as is.
 */
export async function startBundlerProxy(
  target: string,
  options: { chainId: number; onSend: SendFault; forget?: boolean },
): Promise<BundlerProxy> {
  let sends = 0;
  const hanging = new Set<ServerResponse>();
  const forward = async (body: string) => {
    const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, text: await response.text() };
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      const call = JSON.parse(body) as { id: number; method: string; params: unknown[] };
      const reply = (result: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result }));
      };
      if (call.method === 'eth_sendUserOperation') {
        sends++;
        if (options.onSend === 'swallow') {
          const [operation, entryPointAddress] = call.params as [RpcUserOperation<'0.8'>, Address];
          reply(
            getUserOperationHash({
              chainId: options.chainId,
              entryPointAddress,
              entryPointVersion: '0.8',
              userOperation: formatUserOperation(operation),
            }),
          );
          return;
        }
        const answer = await forward(body);
        switch (options.onSend) {
          case 'destroy':
            req.socket.destroy();
            return;
          case 'http-502':
            res.writeHead(502, { 'content-type': 'text/html' });
            res.end('<html><body>502 Bad Gateway</body></html>');
            return;
          case 'garbage':
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{"jsonrpc":"2.0","id":');
            return;
          case 'hang':
            hanging.add(res);
            return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.text);
        return;
      }
      if (options.forget && sends > 0) {
        if (call.method === 'eth_getUserOperationReceipt' || call.method === 'eth_getUserOperationByHash') {
          reply(null);
          return;
        }
        if (call.method === 'pimlico_getUserOperationStatus') {
          reply({ status: 'not_found', transactionHash: null });
          return;
        }
      }
      const answer = await forward(body);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sends: () => sends,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
