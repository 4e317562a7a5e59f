import type { PublicClient } from 'viem';
import type { Chain } from '../common/chains/types.ts';
import type { Db } from '../common/database.ts';
import { type Network, publicClientFor } from '../common/network.ts';
import { SmartAccountError } from './errors.ts';

/** What executing needs: the database, the chain, a client for it, and the bundler (and paymaster). */
export type ExecutionEnvironment = {
  db: Db;
  chain: Chain;
  publicClient: PublicClient;
  bundlerUrl: string;
  paymasterUrl: string | undefined;
  /** How often to poll for receipts (fast on the devnet, gentler on real networks). */
  pollingIntervalMs: number;
};

export function executionEnvironment(db: Db, network: Network): ExecutionEnvironment {
  if (!network.bundlerUrl) {
    throw new SmartAccountError(`No bundler configured for ${network.chain.name}.`, {
      hint: 'Set BUNDLER_URL to an ERC-4337 bundler for this chain (the devnet starts Alto itself).',
    });
  }
  return {
    db,
    chain: network.chain,
    publicClient: publicClientFor(network),
    bundlerUrl: network.bundlerUrl,
    paymasterUrl: network.paymasterUrl,
    pollingIntervalMs: network.isDevnet ? 100 : 2000,
  };
}
