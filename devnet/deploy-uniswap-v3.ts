import { type Address, stringToHex, zeroAddress } from 'viem';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { DETERMINISTIC_DEPLOYER } from '../common/contracts/deterministic-deployer.ts';
import type { Deployer } from './deployer.ts';

export const UNISWAP_ARTIFACTS = {
  factory: '@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json',
  pool: '@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json',
  nftDescriptor: '@uniswap/v3-periphery/artifacts/contracts/libraries/NFTDescriptor.sol/NFTDescriptor.json',
  positionDescriptor:
    '@uniswap/v3-periphery/artifacts/contracts/NonfungibleTokenPositionDescriptor.sol/NonfungibleTokenPositionDescriptor.json',
  positionManager:
    '@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json',
  quoterV2: '@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json',
  swapRouter02: '@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json',
} as const;

export type UniswapV3Contracts = {
  factory: Address;
  swapRouter02: Address;
  quoterV2: Address;
  nonfungiblePositionManager: Address;
  nonfungibleTokenPositionDescriptor: Address;
};

/**
 * Uniswap V3 core and periphery. The factory's constructor makes its deployer the owner, and under
 * CREATE2 that is the deterministic deployer; we impersonate it once to hand ownership to the admin,
 * who then enables the 0.01% tier (the governance vote that did the same on mainnet).
 */
export async function deployUniswapV3(deployer: Deployer, weth: Address): Promise<UniswapV3Contracts> {
  deployer.progress('Uniswap V3: factory, position manager, SwapRouter02, QuoterV2');
  const factoryArtifact = loadArtifact(UNISWAP_ARTIFACTS.factory);
  const factory = await deployer.deploy('UniswapV3Factory', factoryArtifact);
  const admin = deployer.admin.address;
  const owner = await deployer.publicClient.readContract({
    address: factory,
    abi: factoryArtifact.abi,
    functionName: 'owner',
  });
  if (String(owner).toLowerCase() === DETERMINISTIC_DEPLOYER) {
    await deployer.impersonating(DETERMINISTIC_DEPLOYER, (from) =>
      deployer.write('Uniswap factory: hand ownership to the admin', {
        address: factory,
        abi: factoryArtifact.abi,
        functionName: 'setOwner',
        args: [admin],
        from,
      }),
    );
  }
  const tickSpacing100 = await deployer.publicClient.readContract({
    address: factory,
    abi: factoryArtifact.abi,
    functionName: 'feeAmountTickSpacing',
    args: [100],
  });
  if (Number(tickSpacing100) === 0) {
    await deployer.write('Uniswap factory: enable the 0.01% fee tier', {
      address: factory,
      abi: factoryArtifact.abi,
      functionName: 'enableFeeAmount',
      args: [100, 1],
    });
  }

  const nftDescriptor = await deployer.deploy('Uniswap NFTDescriptor', loadArtifact(UNISWAP_ARTIFACTS.nftDescriptor));
  const positionDescriptor = await deployer.deploy(
    'Uniswap NonfungibleTokenPositionDescriptor',
    loadArtifact(UNISWAP_ARTIFACTS.positionDescriptor),
    { args: [weth, stringToHex('ETH', { size: 32 })], libraries: { NFTDescriptor: nftDescriptor } },
  );
  const positionManager = await deployer.deploy(
    'Uniswap NonfungiblePositionManager',
    loadArtifact(UNISWAP_ARTIFACTS.positionManager),
    { args: [factory, weth, positionDescriptor] },
  );
  // No Uniswap V2 on the devnet: SwapRouter02's V2 factory is the zero address, its V2 paths unusable.
  const swapRouter02 = await deployer.deploy('Uniswap SwapRouter02', loadArtifact(UNISWAP_ARTIFACTS.swapRouter02), {
    args: [zeroAddress, factory, positionManager, weth],
  });
  const quoterV2 = await deployer.deploy('Uniswap QuoterV2', loadArtifact(UNISWAP_ARTIFACTS.quoterV2), {
    args: [factory, weth],
  });
  return {
    factory,
    swapRouter02,
    quoterV2,
    nonfungiblePositionManager: positionManager,
    nonfungibleTokenPositionDescriptor: positionDescriptor,
  };
}
