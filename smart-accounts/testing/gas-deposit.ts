import { type Address, type PublicClient, parseAbi } from 'viem';
import { minedReceipt } from '../../common/mined-receipt.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetClients, fundedAccount } from '../../devnet/testing/clients.ts';

const ENTRY_POINT = parseAbi([
  'function depositTo(address account) payable',
  'function balanceOf(address account) view returns (uint256)',
]);

/** What the devnet's EntryPoint v0.8 holds for `account` (its gas deposit). */
export function entryPointDeposit(client: PublicClient, manifest: DevnetManifest, account: Address): Promise<bigint> {
  return client.readContract({
    address: manifest.contracts.entryPointV08,
    abi: ENTRY_POINT,
    functionName: 'balanceOf',
    args: [account],
  });
}

/** Someone (a fresh funded wallet) deposits `amount` at the EntryPoint v0.8 for `account`: anyone may. */
export async function depositAtEntryPoint(manifest: DevnetManifest, account: Address, amount: bigint): Promise<void> {
  const { account: depositor, walletClient } = await fundedAccount(manifest, '1');
  const { publicClient } = devnetClients(manifest);
  await minedReceipt(
    publicClient,
    await walletClient.writeContract({
      account: depositor,
      chain: walletClient.chain,
      address: manifest.contracts.entryPointV08,
      abi: ENTRY_POINT,
      functionName: 'depositTo',
      args: [account],
      value: amount,
    }),
  );
}
