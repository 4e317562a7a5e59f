import { existsSync } from 'node:fs';
import { DEVNET_L2_SLUG, DEVNET_SLUG, isDevnetSlug, requireKnownNetwork } from '../common/chains/registry.ts';
import { UsageError } from '../common/command.ts';
import { SextantError } from '../common/errors.ts';
import type { Network } from '../common/network.ts';
import type { Settings } from '../common/settings.ts';
import { manifestPath, manifestToChain, readManifest } from '../devnet/manifest.ts';

/**
 * The network the settings select. On the devnet, the manifest the running devnet wrote (start it
 * with `sextant devnet` or `npm start`); elsewhere, the registry's entry and RPC_URL.
 */
export function resolveNetwork(settings: Settings): Network {
  if (isDevnetSlug(settings.chain)) {
    const slug = settings.chain;
    if (!existsSync(manifestPath(settings.dataDir, slug))) {
      // Not a usage error (exit 1, not 2): the command is right, the devnet is not there yet.
      throw new SextantError(
        `CHAIN=${slug}${slug === 'devnet' ? ' (the default)' : ''}, and there is no devnet manifest at ${manifestPath(settings.dataDir, slug)}.`,
        {
          code: 'no-devnet',
          hint:
            slug === 'devnet'
              ? 'Start the devnet with this DATA_DIR (`sextant devnet`, or `npm start`), or set DATA_DIR to the one it runs with; on a real network, set CHAIN (`sextant chains`) and RPC_URL.'
              : 'Start the devnet with its second chain (`sextant devnet` or `npm start`, with DEVNET_L2 unset or 1) and this DATA_DIR.',
        },
      );
    }
    const manifest = readManifest(settings.dataDir, slug);
    const other = slug === DEVNET_SLUG ? DEVNET_L2_SLUG : DEVNET_SLUG;
    const otherNetworks: Network[] = [];
    if (existsSync(manifestPath(settings.dataDir, other))) {
      const there = readManifest(settings.dataDir, other);
      otherNetworks.push({
        chain: manifestToChain(there),
        rpcUrl: there.rpcUrl,
        bundlerUrl: there.bundlerUrl,
        // PAYMASTER_URL names a paymaster of the chain Sextant runs on, not of this one.
        paymasterUrl: undefined,
        isDevnet: true,
      });
    }
    return {
      chain: manifestToChain(manifest),
      rpcUrl: manifest.rpcUrl,
      bundlerUrl: manifest.bundlerUrl,
      // Sponsorship is opt-in: the devnet's mock paymaster is used only when PAYMASTER_URL names it.
      paymasterUrl: settings.paymasterUrl,
      isDevnet: true,
      otherNetworks,
    };
  }
  const known = requireKnownNetwork(settings.chain);
  // The guard is not deployed on real networks by the project; whoever deploys it says where.
  const chain = settings.bundleGuardAddress
    ? { ...known, contracts: { ...known.contracts, bundleGuard: settings.bundleGuardAddress } }
    : known;
  if (!settings.rpcUrl) {
    throw new UsageError(`CHAIN=${settings.chain} needs RPC_URL: the runtime ships no public RPC endpoints.`, {
      hint: `Set RPC_URL to an RPC endpoint for ${chain.name} (chain id ${chain.chainId}).`,
    });
  }
  return {
    chain,
    rpcUrl: settings.rpcUrl,
    bundlerUrl: settings.bundlerUrl,
    paymasterUrl: settings.paymasterUrl,
    isDevnet: false,
  };
}
