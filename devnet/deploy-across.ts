import { type Address, parseAbi, zeroAddress } from 'viem';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { devnetAccount } from './accounts.ts';
import type { Deployer } from './deployer.ts';
import { DeploymentError } from './errors.ts';

/**
 * Across' SpokePool, the production `Ethereum_SpokePool` from `@across-protocol/contracts`' artifacts,
 * behind the package's ERC1967Proxy (it upgrades UUPS-style), on each of the devnet's chains. Of the
 * package's spokes it is the one that needs no chain bridge: its admin is its owner, here the devnet's
 * admin. The HubPool, its optimistic oracle and the LPs are not deployed (docs/research/across-devnet.md
 * says what the devnet does instead).
 */
export const SPOKE_POOL_ARTIFACT =
  '@across-protocol/contracts/dist/evm/artifacts/Ethereum_SpokePool.sol/Ethereum_SpokePool.json';
export const SPOKE_POOL_PROXY_ARTIFACT =
  '@across-protocol/contracts/dist/evm/artifacts/ERC1967Proxy.sol/ERC1967Proxy.json';
/** Production's buffers (the package's consts): a quote may be an hour old, a fill deadline 6 h ahead. */
export const DEPOSIT_QUOTE_TIME_BUFFER = 3600;
export const FILL_DEADLINE_BUFFER = 21_600;

const ownable = parseAbi([
  'function owner() view returns (address)',
  'function initialize(uint32 _initialDepositId, address _withdrawalRecipient)',
]);

export type AcrossContracts = { spokePool: Address; spokePoolImplementation: Address };

export async function deployAcross(deployer: Deployer, weth: Address): Promise<AcrossContracts> {
  deployer.progress('Across: the SpokePool (Ethereum_SpokePool behind its ERC1967Proxy, @across-protocol/contracts)');
  const spokePoolImplementation = await deployer.deploy(
    'Across Ethereum_SpokePool',
    loadArtifact(SPOKE_POOL_ARTIFACT),
    {
      // No gateway (its v5 gateway fills are not used): fills go through fillRelay.
      args: [weth, DEPOSIT_QUOTE_TIME_BUFFER, FILL_DEADLINE_BUFFER, zeroAddress],
    },
  );
  // Initialised by the admin afterwards, not in the proxy's constructor: through the deterministic
  // deployer the constructor's caller, and so the owner, would be that deployer.
  const spokePool = await deployer.deploy('Across SpokePool proxy', loadArtifact(SPOKE_POOL_PROXY_ARTIFACT), {
    args: [spokePoolImplementation, '0x'],
  });
  const owner = await deployer.publicClient.readContract({ address: spokePool, abi: ownable, functionName: 'owner' });
  // Its owner plays the HubPool's part on the devnet (relaying refund roots, devnet/across-refunds.ts):
  // an account of its own, so that its transactions never race the admin's nonces.
  const acrossOwner = devnetAccount('acrossOwner').address;
  if (owner !== zeroAddress && owner.toLowerCase() !== acrossOwner.toLowerCase()) {
    throw new DeploymentError(`The SpokePool at ${spokePool} is owned by ${owner}, not the devnet's Across owner.`, {
      hint: 'Start the devnet on a fresh chain (unset RPC_URL).',
    });
  }
  if (owner === zeroAddress) {
    await deployer.impersonating(acrossOwner, (from) =>
      deployer.write('Across: initialise the SpokePool (owner and withdrawal recipient: the Across owner)', {
        address: spokePool,
        abi: ownable,
        functionName: 'initialize',
        args: [0, from],
        from,
      }),
    );
  }
  return { spokePool, spokePoolImplementation };
}
