import type { Address, Hex, PrivateKeyAccount, PublicClient, WalletClient } from 'viem';
import { sextantArtifact } from '../../common/contracts/artifacts.ts';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { REWARD_TOKEN_CAP } from '../../devnet/deploy-emissions.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetClients, fundedAccount } from '../../devnet/testing/clients.ts';
import type { DistributionTarget } from '../distribute.ts';

/**
 * A reward token of the test's own on the shared devnet, owned by a fresh funded operator, and the
 * distribution target that mints it: tests never share the devnet's token or its admin's nonces.
 */
export async function testDistributionTarget(
  manifest: DevnetManifest,
): Promise<{ target: DistributionTarget; operator: { account: PrivateKeyAccount; walletClient: WalletClient } }> {
  const { publicClient } = devnetClients(manifest);
  const operator = await fundedAccount(manifest, '10');
  const artifact = sextantArtifact('SextantRewardToken');
  const hash = await operator.walletClient.deployContract({
    account: operator.account,
    chain: operator.walletClient.chain,
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: [REWARD_TOKEN_CAP, operator.account.address],
  });
  const rewardToken = (await minedReceipt(publicClient, hash)).contractAddress as Address;
  return {
    target: {
      publicClient,
      chain: operator.walletClient.chain as NonNullable<WalletClient['chain']>,
      rpcUrl: manifest.rpcUrl,
      operator: operator.account,
      rewardToken,
    },
    operator,
  };
}

/** The client with its `nth` raw transaction lost on the way (the connection drops as it goes out). */
export function droppingNthSend(client: PublicClient, nth: number): PublicClient {
  let sent = 0;
  return {
    ...client,
    sendRawTransaction: async (args: { serializedTransaction: Hex }) => {
      sent += 1;
      if (sent === nth) throw new Error('socket hang up');
      return client.sendRawTransaction(args);
    },
  } as PublicClient;
}
