import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Address, Hex } from 'viem';
import { jsonRpc } from '../common/json-rpc.ts';
import { assertPortFree } from '../common/ports.ts';
import { type SupervisedProcess, spawnSupervised, waitUntilReady } from './child-process.ts';
import { BinaryNotFoundError } from './errors.ts';

export type Alto = { bundlerUrl: string; process: SupervisedProcess };

/** The Alto bundler's CLI script from the npm package `@pimlico/alto`. */
export function altoCliPath(): string {
  const require = createRequire(import.meta.url);
  try {
    // The package's exports hide package.json; its main entry sits in esm/, beside cli/.
    return join(dirname(require.resolve('@pimlico/alto')), 'cli', 'alto.js');
  } catch {
    throw new BinaryNotFoundError('The Alto bundler (@pimlico/alto) is not installed.', {
      hint: 'Run `npm ci`.',
    });
  }
}

/**
 * Starts Alto against the devnet, listening on `host` only. `--safe-mode false` because safe mode needs
 * debug_traceCall tracers anvil does not offer; the utility key deploys Alto's simulation contracts on
 * start. Alto has no option for its listening address (it binds 0.0.0.0), so a preload
 * (alto-listen-host.mjs) makes its server listen on `host`.
 */
export async function startAlto(options: {
  host: string;
  port: number;
  rpcUrl: string;
  entryPoints: readonly Address[];
  executorPrivateKey: Hex;
  utilityPrivateKey: Hex;
  /** The setting that names the port, for the message when it is taken. */
  portSetting?: string;
}): Promise<Alto> {
  const cli = altoCliPath();
  await assertPortFree(options.host, options.port, 'the Alto bundler', options.portSetting ?? 'DEVNET_BUNDLER_PORT');
  const args = [
    '--import',
    new URL('./alto-listen-host.mjs', import.meta.url).href,
    cli,
    '--entrypoints',
    options.entryPoints.join(','),
    '--rpc-url',
    options.rpcUrl,
    '--port',
    String(options.port),
    '--executor-private-keys',
    options.executorPrivateKey,
    '--utility-private-key',
    options.utilityPrivateKey,
    '--safe-mode',
    'false',
    // How often Alto looks for operations to bundle: every 50 ms, busy or idle. The devnet mines on
    // demand, so a mainnet second is too long; Alto's own scaling (10 ms more per operation of the
    // last minute, up to the maximum) made a devnet busy with a test run wait up to a second for each
    // operation, and looking every 10 ms when idle cost CPU in every Alto. At 50/50 the whole test
    // run took 229 s where 10 ms and the default maximum took 252 s (adjacent runs, 2 cores).
    '--min-bundle-interval',
    '50',
    '--max-bundle-interval',
    '50',
    // Alto estimates callGasLimit at the latest block with no headroom; an operation landing in the
    // next second can cost more (Aave accrues interest once per block time), so sponsored operations,
    // whose limits the client cannot raise after the paymaster signs, get 20% here.
    '--v7-call-gas-limit-multiplier',
    '120',
    '--log-level',
    'warn',
  ];
  const child = await spawnSupervised('alto', process.execPath, args, {
    env: { ...process.env, SEXTANT_ALTO_LISTEN_HOST: options.host },
  });
  const bundlerUrl = `http://${options.host}:${options.port}`;
  await waitUntilReady(
    child,
    async () => {
      const entryPoints = await jsonRpc<string[]>(bundlerUrl, 'eth_supportedEntryPoints', [], 1000);
      return entryPoints.length > 0 ? entryPoints : undefined;
    },
    {
      timeoutMs: 60_000,
      what: `answering eth_supportedEntryPoints at ${bundlerUrl}`,
      hint: 'See Alto’s output above; it needs the EntryPoints deployed and funded executor and utility keys.',
    },
  );
  return { bundlerUrl, process: child };
}
