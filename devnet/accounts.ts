import { type Hex, toHex } from 'viem';
import { type HDAccount, mnemonicToAccount } from 'viem/accounts';

/**
 * anvil funds ten accounts from this well-known test mnemonic. They hold devnet ETH only and are
 * public knowledge: never use them, or this mnemonic, on a real network.
 */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

/** Which anvil account does what on the devnet; separate accounts keep their nonces apart. */
export const DEVNET_ROLES = {
  /** Deploys and configures the protocols; owns the Aave market; provides the pools' liquidity. */
  admin: 0,
  /** Alto's executor: sends the bundles. */
  bundlerExecutor: 1,
  /** Alto's utility account: deploys its simulation contracts, refills the executor. */
  bundlerUtility: 2,
  /** The devnet's Across relayer (devnet/across-relayer.ts): fills deposits from its own inventory. */
  acrossRelayer: 3,
  /** The SpokePools' owner, in the HubPool's place (devnet/across-refunds.ts): relays refund roots. */
  acrossOwner: 4,
} as const;

export function devnetAccount(role: keyof typeof DEVNET_ROLES): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: DEVNET_ROLES[role] });
}

export function devnetPrivateKey(role: keyof typeof DEVNET_ROLES): Hex {
  const key = devnetAccount(role).getHdKey().privateKey;
  if (!key) throw new Error(`no private key derived for the devnet ${role}`);
  return toHex(key);
}
