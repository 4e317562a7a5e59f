import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { testDevnet } from './testing/test-devnet.ts';

const manifest = testDevnet();

/** The first IPv4 address of this machine that is not loopback, if it has one. */
const outwardAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

/** Whether a TCP connection to host:port is accepted ('open') or refused ('refused'). */
function probe(host: string, port: number): Promise<'open' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000);
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error),
    );
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within 3 s`));
    });
  });
}

const services = () => [
  { name: 'anvil', url: manifest.rpcUrl },
  { name: 'Alto', url: manifest.bundlerUrl },
  { name: 'the mock paymaster', url: manifest.paymasterUrl ?? '' },
];

// The devnet's services sign with public test keys (Alto's executor holds ETH): reachable from this
// machine only. Alto binds 0.0.0.0 by itself; devnet/alto-listen-host.mjs keeps it on loopback.
describe('the devnet listens on loopback only', () => {
  it('answers on 127.0.0.1', async () => {
    expect(manifest.paymasterUrl).not.toBeNull();
    for (const { name, url } of services()) {
      const { hostname, port } = new URL(url);
      expect(hostname, name).toBe('127.0.0.1');
      expect(await probe('127.0.0.1', Number(port)), name).toBe('open');
    }
  });

  it.skipIf(outwardAddress === undefined)(
    `refuses connections on the machine's own network address (${outwardAddress ?? 'none: this machine has no non-loopback IPv4 address, so there is nothing to probe'})`,
    async () => {
      for (const { name, url } of services()) {
        expect(await probe(outwardAddress as string, Number(new URL(url).port)), name).toBe('refused');
      }
    },
  );
});
