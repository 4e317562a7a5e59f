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
  /** Undefined when none is configured: then only an account in 7702 mode can execute (it sends
   *  its own transaction); a SimpleAccount's execute refuses with what to set. */
  bundlerUrl: string | undefined;
  paymasterUrl: string | undefined;
  /** How often to poll for receipts (fast on the devnet, gentler on real networks). */
  pollingIntervalMs: number;
  /** The other networks plans may bridge to, and where a bridge's arrival is read (common/network.ts). */
  otherNetworks?: readonly Network[];
};

export function executionEnvironment(db: Db, network: Network): ExecutionEnvironment {
  return {
    db,
    chain: network.chain,
    publicClient: publicClientFor(network),
    bundlerUrl: network.bundlerUrl,
    paymasterUrl: network.paymasterUrl,
    pollingIntervalMs: network.isDevnet ? 100 : 2000,
    otherNetworks: network.otherNetworks ?? [],
  };
}

/** The bundler's URL; what to set when there is none (only a 7702 account can do without one). */
export function requireBundler(env: Pick<ExecutionEnvironment, 'bundlerUrl' | 'chain'>): string {
  if (!env.bundlerUrl) {
    throw new SmartAccountError(`No bundler configured for ${env.chain.name}.`, {
      hint: 'Set BUNDLER_URL to an ERC-4337 bundler for this chain (the devnet starts Alto itself), or use your own address as the account (`sextant account upgrade`), which sends its own transactions.',
    });
  }
  return env.bundlerUrl;
}
