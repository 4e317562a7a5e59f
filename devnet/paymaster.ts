import { assertPortFree } from '../common/ports.ts';
import { ChildProcessError } from './errors.ts';

export type MockPaymaster = { paymasterUrl: string; stop: () => Promise<void> };

/**
 * Pimlico's mock paymaster (`@pimlico/mock-paymaster`), in this process: an ERC-7677 paymaster
 * service (pm_getPaymasterStubData / pm_getPaymasterData) that sponsors every operation, backed by
 * singleton paymaster contracts it deploys and funds on the EntryPoints (v0.6, v0.7, v0.8). Devnet
 * only: it signs with a public test key.
 */
export async function startMockPaymaster(options: {
  host: string;
  port: number;
  rpcUrl: string;
  bundlerUrl: string;
  /** The setting that names the port, for the message when it is taken. */
  portSetting?: string;
}): Promise<MockPaymaster> {
  await assertPortFree(
    options.host,
    options.port,
    'the mock paymaster',
    options.portSetting ?? 'DEVNET_PAYMASTER_PORT',
  );
  // Its instance helper (prool) uses Promise.withResolvers, which Node 22 added; give Node 20 the
  // same small function so it runs here too.
  if (!('withResolvers' in Promise)) {
    Object.assign(Promise, {
      withResolvers<T>() {
        let resolve!: (value: T | PromiseLike<T>) => void;
        let reject!: (reason?: unknown) => void;
        const promise = new Promise<T>((res, rej) => {
          resolve = res;
          reject = rej;
        });
        return { promise, resolve, reject };
      },
    });
  }
  const { paymaster } = await import('@pimlico/mock-paymaster');
  const instance = paymaster({
    anvilRpc: options.rpcUrl,
    altoRpc: options.bundlerUrl,
    port: options.port,
    host: options.host,
  });
  const paymasterUrl = `http://${options.host}:${options.port}`;
  try {
    await instance.start();
    // Ready when it answers its health route and its contracts are funded (start() did both).
    await fetch(`${paymasterUrl}/ping`, { signal: AbortSignal.timeout(2000) });
  } catch (cause) {
    await instance.stop().catch(() => {});
    throw new ChildProcessError(`The mock paymaster did not start: ${(cause as Error).message}`, {
      hint: 'See the cause above; `npm ci` reinstalls @pimlico/mock-paymaster.',
      cause,
    });
  }
  return { paymasterUrl, stop: () => instance.stop() };
}
