import { createRequire } from 'node:module';
import { type Address, getAddress, isAddress } from 'viem';
import type { Chain, ChainContracts } from './types.ts';

/**
 * Real networks, with the canonical addresses of what the runtime uses there. EntryPoints and the
 * SimpleAccount factories are deployed through the deterministic deployer, so they share one address
 * on every chain that has them (and it is the address permissionless uses by default).
 */
const erc4337: ChainContracts = {
  entryPointV07: '0x0000000071727De22E5E9d8BAf0edAc6f37da032',
  entryPointV08: '0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108',
  simpleAccountFactoryV07: '0x91E60e0613810449d098b0b5Ec8b51A0FE8c8985',
  simpleAccountFactoryV08: '0x13E9ed32155810FDbd067D4522C492D6f68E5944',
  simple7702Account: '0xe6Cae83BdE06E4c305530e199D7217f42808555B',
};

/** Uniswap's own deployment on Ethereum, Optimism and Arbitrum (the same addresses on all three). */
const uniswapV3Canonical = {
  factory: '0x1F98431c8aD98523631AE4a59f267346ea31F984',
  swapRouter02: '0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45',
  quoterV2: '0x61fFE014bA17989E743c5F6cB21bF9697530B21e',
  nonfungiblePositionManager: '0xC36442b4a4522E871399CD717aBDD847Ab11FE88',
} as const;

/**
 * Across' SpokePool on a real network, from the deployment file `@across-protocol/contracts` ships
 * (the addresses Across itself publishes); undefined where it has none.
 */
function acrossSpokePool(chainId: number): { acrossSpokePool?: Address } {
  const deployed = createRequire(import.meta.url)(
    '@across-protocol/contracts/dist/broadcast/deployed-addresses.json',
  ) as { chains: Record<string, { contracts?: { SpokePool?: { address: string } } }> };
  const address = deployed.chains[String(chainId)]?.contracts?.SpokePool?.address;
  return address && isAddress(address) ? { acrossSpokePool: getAddress(address) } : {};
}

const networks: readonly Chain[] = [
  {
    slug: 'ethereum',
    name: 'Ethereum',
    chainId: 1,
    testnet: false,
    hasEns: true,
    nativeSymbol: 'ETH',
    contracts: {
      ...erc4337,
      weth: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      uniswapV3: uniswapV3Canonical,
      aaveV3: {
        pool: '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2',
        poolAddressesProvider: '0x2f39d218133AFaB8F2B819B1066c7E434Ad94E9e',
      },
    },
    tokens: [
      { symbol: 'WETH', name: 'Wrapped Ether', address: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', decimals: 18 },
      { symbol: 'USDC', name: 'USD Coin', address: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', decimals: 6 },
      { symbol: 'USDT', name: 'Tether USD', address: '0xdAC17F958D2ee523a2206206994597C13D831ec7', decimals: 6 },
      { symbol: 'DAI', name: 'Dai Stablecoin', address: '0x6B175474E89094C44Da98b954EedeAC495271d0F', decimals: 18 },
      { symbol: 'WBTC', name: 'Wrapped BTC', address: '0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599', decimals: 8 },
    ],
  },
  {
    slug: 'base',
    name: 'Base',
    chainId: 8453,
    testnet: false,
    hasEns: false,
    nativeSymbol: 'ETH',
    contracts: {
      ...erc4337,
      weth: '0x4200000000000000000000000000000000000006',
      uniswapV3: {
        factory: '0x33128a8fC17869897dcE68Ed026d694621f6FDfD',
        swapRouter02: '0x2626664c2603336E57B271c5C0b26F421741e481',
        quoterV2: '0x3d4e44Eb1374240CE5F1B871ab261CD16335B76a',
        nonfungiblePositionManager: '0x03a520b32C04BF3bEEf7BEb72E919cf822Ed34f1',
      },
      aaveV3: {
        pool: '0xA238Dd80C259a72e81d7e4664a9801593F98d1c5',
        poolAddressesProvider: '0xe20fCBdBfFC4Dd138cE8b2E6FBb6CB49777ad64D',
      },
    },
    tokens: [
      { symbol: 'WETH', name: 'Wrapped Ether', address: '0x4200000000000000000000000000000000000006', decimals: 18 },
      { symbol: 'USDC', name: 'USD Coin', address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', decimals: 6 },
      { symbol: 'DAI', name: 'Dai Stablecoin', address: '0x50c5725949A6F0c72E6C4a641F24049A917DB0Cb', decimals: 18 },
    ],
  },
  {
    slug: 'base-sepolia',
    name: 'Base Sepolia',
    chainId: 84532,
    testnet: true,
    hasEns: false,
    nativeSymbol: 'ETH',
    contracts: {
      ...erc4337,
      weth: '0x4200000000000000000000000000000000000006',
      uniswapV3: {
        factory: '0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24',
        swapRouter02: '0x94cC0AaC535CCDB3C01d6787D6413C739ae12bc4',
        quoterV2: '0xC5290058841028F1614F3A6F0F5816cAd0df5E27',
        nonfungiblePositionManager: '0x27F971cb582BF9E50F397e4d29a5C7A34f11faA2',
      },
    },
    tokens: [
      { symbol: 'WETH', name: 'Wrapped Ether', address: '0x4200000000000000000000000000000000000006', decimals: 18 },
      { symbol: 'USDC', name: 'USD Coin', address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', decimals: 6 },
    ],
  },
  {
    slug: 'optimism',
    name: 'OP Mainnet',
    chainId: 10,
    testnet: false,
    hasEns: false,
    nativeSymbol: 'ETH',
    contracts: {
      ...erc4337,
      weth: '0x4200000000000000000000000000000000000006',
      uniswapV3: uniswapV3Canonical,
      aaveV3: {
        pool: '0x794a61358D6845594F94dc1DB02A252b5b4814aD',
        poolAddressesProvider: '0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb',
      },
    },
    tokens: [
      { symbol: 'WETH', name: 'Wrapped Ether', address: '0x4200000000000000000000000000000000000006', decimals: 18 },
      { symbol: 'USDC', name: 'USD Coin', address: '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85', decimals: 6 },
      { symbol: 'USDT', name: 'Tether USD', address: '0x94b008aA00579c1307B0EF2c499aD98a8ce58e58', decimals: 6 },
      { symbol: 'DAI', name: 'Dai Stablecoin', address: '0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1', decimals: 18 },
      { symbol: 'WBTC', name: 'Wrapped BTC', address: '0x68f180fcCe6836688e9084f035309E29Bf0A2095', decimals: 8 },
    ],
  },
  {
    slug: 'arbitrum',
    name: 'Arbitrum One',
    chainId: 42161,
    testnet: false,
    hasEns: false,
    nativeSymbol: 'ETH',
    contracts: {
      ...erc4337,
      weth: '0x82aF49447D8a07e3bd95BD0d56f35241523fBab1',
      uniswapV3: uniswapV3Canonical,
      aaveV3: {
        pool: '0x794a61358D6845594F94dc1DB02A252b5b4814aD',
        poolAddressesProvider: '0xa97684ead0e402dC232d5A977953DF7ECBaB3CDb',
      },
    },
    tokens: [
      { symbol: 'WETH', name: 'Wrapped Ether', address: '0x82aF49447D8a07e3bd95BD0d56f35241523fBab1', decimals: 18 },
      { symbol: 'USDC', name: 'USD Coin', address: '0xaf88d065e77c8cC2239327C5EDb3A432268e5831', decimals: 6 },
      { symbol: 'USDT', name: 'Tether USD', address: '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9', decimals: 6 },
      { symbol: 'DAI', name: 'Dai Stablecoin', address: '0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1', decimals: 18 },
      { symbol: 'WBTC', name: 'Wrapped BTC', address: '0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f', decimals: 8 },
    ],
  },
];

export const knownNetworks: readonly Chain[] = networks.map((chain) => ({
  ...chain,
  contracts: { ...chain.contracts, ...acrossSpokePool(chain.chainId) },
}));
