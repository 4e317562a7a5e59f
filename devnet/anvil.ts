import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { jsonRpc } from '../common/json-rpc.ts';
import { assertPortFree } from '../common/ports.ts';
import { type SupervisedProcess, spawnSupervised, waitUntilReady } from './child-process.ts';
import { BinaryNotFoundError } from './errors.ts';

export const DEVNET_CHAIN_ID = 31337;

/** How many recent blocks' states anvil keeps, for calls at a recent block number (Alto's, a wallet's). */
const ANVIL_STATES_KEPT = 64;

export type Anvil = { rpcUrl: string; process: SupervisedProcess };

/**
 * The anvil binary from the npm package `@foundry-rs/anvil`, which ships it in a per-platform
 * optional dependency (`@foundry-rs/anvil-linux-amd64`, ...).
 */
export function anvilBinaryPath(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve(`${platformPackage}/package.json`));
  } catch {
    throw new BinaryNotFoundError(`The anvil binary for ${process.platform}/${process.arch} is not installed.`, {
      hint: `Run \`npm ci\`; it installs ${platformPackage} as an optional dependency of @foundry-rs/anvil.`,
    });
  }
  const binary = join(packageDir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  if (!existsSync(binary)) {
    throw new BinaryNotFoundError(`The anvil binary is missing at ${binary}.`, {
      hint: 'Run `npm ci` to reinstall @foundry-rs/anvil.',
    });
  }
  return binary;
}

export async function startAnvil(options: {
  host: string;
  port: number;
  /** The devnet's own (31337) unless given: the L2-like chain has its own. */
  chainId?: number;
  /** The setting that names the port, for the message when it is taken. */
  portSetting?: string;
  binary?: string;
  env?: NodeJS.ProcessEnv;
  /** A state file (anvil's JSON dump) to start from instead of an empty chain. */
  loadState?: string;
}): Promise<Anvil> {
  const binary = options.binary ?? anvilBinaryPath();
  await assertPortFree(options.host, options.port, 'anvil', options.portSetting ?? 'DEVNET_ANVIL_PORT');
  // Automine: every transaction is mined at once (startDevnet switches to interval mining later if asked).
  const chainId = options.chainId ?? DEVNET_CHAIN_ID;
  const args = ['--host', options.host, '--port', String(options.port), '--chain-id', String(chainId)];
  // Keep the last states in memory and none on disk. By default anvil moves older states to
  // ~/.foundry/anvil/tmp, which grows by gigabytes over a day of tests and is left behind when anvil
  // is killed; nothing in Sextant reads state at an old block (reconcile reads old block headers only).
  args.push('--prune-history', String(ANVIL_STATES_KEPT));
  if (options.loadState) args.push('--load-state', options.loadState);
  const child = await spawnSupervised('anvil', binary, args, options.env ? { env: options.env } : {});
  const rpcUrl = `http://${options.host}:${options.port}`;
  await waitUntilReady(child, async () => jsonRpc<string>(rpcUrl, 'eth_chainId', [], 500), {
    timeoutMs: 15_000,
    what: `answering eth_chainId at ${rpcUrl}`,
    hint: 'See the output above; `npm ci` reinstalls anvil if the binary is broken.',
  });
  return { rpcUrl, process: child };
}
