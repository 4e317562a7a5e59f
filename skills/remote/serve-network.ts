import { existsSync } from 'node:fs';
import { createPublicClient, http } from 'viem';
import { toAccount } from 'viem/accounts';
import { findKnownNetwork } from '../../common/chains/registry.ts';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import { type CommandContext, UsageError } from '../../common/command.ts';
import { SextantError } from '../../common/errors.ts';
import type { Network } from '../../common/network.ts';
import { devnetAccount } from '../../devnet/accounts.ts';
import { DEVNET_CHAIN_ID } from '../../devnet/anvil.ts';
import { createDeployer } from '../../devnet/deployer.ts';
import { deployProtocols } from '../../devnet/devnet.ts';
import { type DevnetManifest, manifestPath, manifestToChain } from '../../devnet/manifest.ts';

/**
 * The network `sextant endpoint serve` builds on. As every command's: the registry's chain and
 * RPC_URL, or on the devnet the manifest in DATA_DIR. A protocol serving for a devnet that runs from
 * another DATA_DIR (the user's) has no manifest of its own; with RPC_URL pointing at that devnet, its
 * contracts are read from the chain itself: the devnet deploys each one at a fixed CREATE2 address,
 * so finding them is reading, never trusting a file. Nothing is written to the chain or to DATA_DIR.
 */
export async function servingNetwork(
  context: Pick<CommandContext, 'settings' | 'network' | 'stderr'>,
): Promise<Network> {
  const { settings } = context;
  if (settings.chain !== 'devnet' || existsSync(manifestPath(settings.dataDir))) return context.network();
  if (!settings.rpcUrl) {
    throw new UsageError(
      `CHAIN=devnet (the default), and there is no devnet manifest at ${manifestPath(settings.dataDir)} nor an RPC_URL.`,
      {
        hint: 'Set RPC_URL (and BUNDLER_URL) to the running devnet’s (`sextant devnet` prints them; http://127.0.0.1:8545 by default), or start the devnet with this DATA_DIR (`sextant devnet`); on a real network, set CHAIN (`sextant chains`) and RPC_URL.',
      },
    );
  }
  context.stderr(`No devnet manifest in ${settings.dataDir}: reading the devnet's contracts at ${settings.rpcUrl}.\n`);
  const found = await devnetAt(settings.rpcUrl);
  return {
    chain: manifestToChain({
      ...found,
      version: 1,
      slug: 'devnet',
      name: 'Sextant devnet',
      chainId: DEVNET_CHAIN_ID,
      rpcUrl: settings.rpcUrl,
      bundlerUrl: settings.bundlerUrl ?? '',
      paymasterUrl: settings.paymasterUrl ?? null,
      admin: devnetAccount('admin').address,
    }),
    rpcUrl: settings.rpcUrl,
    bundlerUrl: settings.bundlerUrl,
    paymasterUrl: settings.paymasterUrl,
    isDevnet: true,
  };
}

/** Why a read-only look at the devnet stopped: something it would have to deploy or set up is missing. */
class ReadOnlyError extends SextantError {}

/**
 * The devnet's contracts, found on the chain at `rpcUrl` by the devnet's own deployment steps run
 * read-only: each contract is looked up at its CREATE2 address and each set-up step checks the state
 * first; the first one that would have to change the chain stops it (the deployer only looks, and
 * the admin here cannot sign either).
 */
async function devnetAt(
  rpcUrl: string,
): Promise<Pick<DevnetManifest, 'contracts' | 'tokens' | 'aaveV3Reserves' | 'uniswapV3Pools'>> {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }) });
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (error) {
    throw new UsageError(`The chain at RPC_URL ${rpcUrl} does not answer.`, {
      hint: 'Check that the devnet is running (`sextant devnet` prints its RPC URL) and that RPC_URL is that URL.',
      cause: error,
    });
  }
  if (chainId !== DEVNET_CHAIN_ID) {
    const known = findKnownNetwork(chainId);
    throw new UsageError(
      `The chain at RPC_URL is chain ${chainId}${known ? ` (${known.name})` : ''}, but CHAIN is devnet (chain ${DEVNET_CHAIN_ID}).`,
      { hint: known ? `Set CHAIN=${known.slug}.` : 'Set CHAIN to the network RPC_URL serves (`sextant chains`).' },
    );
  }
  const admin = devnetAccount('admin');
  const refuse = async (): Promise<never> => {
    throw new ReadOnlyError('it is not set up (reading only: nothing is sent)');
  };
  const readOnlyAdmin = toAccount({
    address: admin.address,
    signMessage: refuse,
    signTransaction: refuse,
    signTypedData: refuse,
  });
  try {
    return await deployProtocols(
      createDeployer({ rpcUrl, chain: toViemChain(chainId, rpcUrl), admin: readOnlyAdmin, readOnly: true }),
    );
  } catch (error) {
    throw new UsageError(
      `The chain at RPC_URL ${rpcUrl} is not a running Sextant devnet: ${(error as Error).message}`,
      {
        hint: 'Start the devnet with `sextant devnet` (it deploys the protocols), and set RPC_URL and BUNDLER_URL to the URLs it prints.',
        cause: error,
      },
    );
  }
}
