import type { Chain } from './chains/types.ts';

/** Where the runtime acts: the chain (from the registry or the devnet's manifest) and its services. */
export type Network = {
  chain: Chain;
  rpcUrl: string;
  bundlerUrl: string | undefined;
  paymasterUrl: string | undefined;
  isDevnet: boolean;
};
