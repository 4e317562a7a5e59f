import { type Address, parseAbi, parseUnits } from 'viem';
import { loadArtifact } from '../../common/contracts/artifacts.ts';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { MINTABLE_ERC20_ARTIFACT } from '../deploy-tokens.ts';
import type { DevnetManifest } from '../manifest.ts';
import { devnetClients, fundedAccount } from './clients.ts';

const MINT_ABI = parseAbi(['function mint(address account, uint256 value) returns (bool)']);

/**
 * An ERC-20 that is not on the devnet's token list but calls itself `symbol` (a listed token's, say),
 * with 1,000 whole tokens minted to `holder`: what a hostile token looks like to the runtime.
 */
export async function deployLookalikeToken(
  manifest: DevnetManifest,
  symbol: string,
  decimals: number,
  holder: Address,
): Promise<Address> {
  const { publicClient } = devnetClients(manifest);
  const { walletClient, account } = await fundedAccount(manifest);
  const artifact = loadArtifact(MINTABLE_ERC20_ARTIFACT);
  const hash = await walletClient.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: [`Lookalike ${symbol}`, symbol, decimals],
    account,
    chain: walletClient.chain,
  });
  const address = (await minedReceipt(publicClient, hash)).contractAddress as Address;
  const mint = await walletClient.writeContract({
    address,
    abi: MINT_ABI,
    functionName: 'mint',
    args: [holder, parseUnits('1000', decimals)],
    account,
    chain: walletClient.chain,
  });
  await minedReceipt(publicClient, mint);
  return address;
}
