import {
  type Address,
  createPublicClient,
  createWalletClient,
  http,
  type LocalAccount,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { type AcrossDeposit, depositFromLog, FUNDS_DEPOSITED } from '../common/contracts/across.ts';
import { type DevnetManifest, spokePoolOf } from './manifest.ts';

/**
 * One of the devnet's chains as its Across services see it (the relayer, the refund stand-in): a
 * client, a wallet for the service's own account, and the chain's SpokePool.
 */
export type SpokeSide = { manifest: DevnetManifest; client: PublicClient; wallet: WalletClient; spokePool: Address };

export function spokeSides(chains: readonly DevnetManifest[], account: LocalAccount): SpokeSide[] {
  return chains.map((manifest) => {
    const chain = toViemChain(manifest.chainId, manifest.rpcUrl, manifest.name);
    return {
      manifest,
      client: createPublicClient({ chain, transport: http(manifest.rpcUrl), pollingInterval: 100 }),
      wallet: createWalletClient({ account, chain, transport: http(manifest.rpcUrl) }),
      spokePool: spokePoolOf(manifest),
    };
  });
}

/**
 * The deposits made on each side since the last call (the first call: since `fromBlocks`), read from
 * its SpokePool's FundsDeposited, in block order per chain.
 */
export function depositScanner(sides: readonly SpokeSide[], fromBlocks: readonly bigint[]) {
  const nextBlock = [...fromBlocks];
  return async (): Promise<AcrossDeposit[]> => {
    const found: AcrossDeposit[] = [];
    for (const [index, side] of sides.entries()) {
      const latest = await side.client.getBlockNumber();
      if (latest < (nextBlock[index] as bigint)) continue;
      const logs = await side.client.getLogs({
        address: side.spokePool,
        event: FUNDS_DEPOSITED,
        fromBlock: nextBlock[index],
        toBlock: latest,
      });
      nextBlock[index] = latest + 1n;
      for (const { args } of logs) found.push(depositFromLog(side.manifest.chainId, args));
    }
    return found;
  };
}
