import { type Abi, type Address, parseUnits, zeroAddress } from 'viem';
import type { Token } from '../common/chains/types.ts';
import { type Artifact, loadArtifact } from '../common/contracts/artifacts.ts';
import type { Deployer } from './deployer.ts';
import { DeploymentError } from './errors.ts';
import { approveExact, fundAdmin, rawAmountForUsd } from './funding.ts';
import { AAVE_SEED_USD, PRICES_USD } from './market.ts';

const AAVE = '@aave/core-v3/artifacts/contracts';
const artifact = (path: string): Artifact => loadArtifact(`${AAVE}/${path}`);
const ARTIFACTS = {
  provider: () => artifact('protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json'),
  aclManager: () => artifact('protocol/configuration/ACLManager.sol/ACLManager.json'),
  pool: () => artifact('protocol/pool/Pool.sol/Pool.json'),
  configurator: () => artifact('protocol/pool/PoolConfigurator.sol/PoolConfigurator.json'),
  oracle: () => artifact('misc/AaveOracle.sol/AaveOracle.json'),
  dataProvider: () => artifact('misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider.json'),
  aToken: () => artifact('protocol/tokenization/AToken.sol/AToken.json'),
  variableDebtToken: () => artifact('protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json'),
  stableDebtToken: () => artifact('protocol/tokenization/StableDebtToken.sol/StableDebtToken.json'),
  rateStrategy: () =>
    artifact('protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy.json'),
  priceFeed: () => artifact('mocks/oracle/CLAggregators/MockAggregator.sol/MockAggregator.json'),
  library: (name: string) => artifact(`protocol/libraries/logic/${name}.sol/${name}.json`),
};

/** Pool's external logic libraries; FlashLoanLogic itself links BorrowLogic, so order matters. */
const POOL_LIBRARIES = ['BorrowLogic', 'BridgeLogic', 'EModeLogic', 'LiquidationLogic', 'PoolLogic', 'SupplyLogic'];

/** Risk parameters in basis points, close to Aave's mainnet listings for the same assets. */
const RISK: Record<string, { ltv: number; liquidationThreshold: number; liquidationBonus: number; volatile: boolean }> =
  {
    WETH: { ltv: 8000, liquidationThreshold: 8250, liquidationBonus: 10500, volatile: true },
    WBTC: { ltv: 7000, liquidationThreshold: 7500, liquidationBonus: 10650, volatile: true },
    USDC: { ltv: 7700, liquidationThreshold: 8000, liquidationBonus: 10450, volatile: false },
    USDT: { ltv: 7500, liquidationThreshold: 7800, liquidationBonus: 10450, volatile: false },
    DAI: { ltv: 7700, liquidationThreshold: 8000, liquidationBonus: 10500, volatile: false },
  };
const RESERVE_FACTOR_BPS = 1000n;
const ray = (percent: string) => parseUnits(percent, 25); // "4" → 4% in ray (1e27 = 100%)

export type AaveV3Contracts = {
  pool: Address;
  poolAddressesProvider: Address;
  poolConfigurator: Address;
  aclManager: Address;
  oracle: Address;
  poolDataProvider: Address;
  /** Per listed asset symbol: its aToken and debt tokens, and the mock price feed behind the oracle. */
  reserves: Record<
    string,
    { underlying: Address; aToken: Address; variableDebtToken: Address; stableDebtToken: Address; priceFeed: Address }
  >;
};

/**
 * A working Aave V3 market from @aave/core-v3's artifacts, wired as Aave's own deploy scripts wire
 * it: addresses provider → ACL → Pool and PoolConfigurator behind the provider's proxies → oracle
 * with a mock price feed per asset → reserves listed, usable as collateral and borrowable → the
 * admin's supply as liquidity, so that ordinary accounts can borrow.
 */
export async function deployAaveV3(deployer: Deployer, tokens: readonly Token[]): Promise<AaveV3Contracts> {
  deployer.progress(`Aave V3: market with ${tokens.map((token) => token.symbol).join(', ')}`);
  const { publicClient } = deployer;
  const admin = deployer.admin.address;
  const read = <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({ address, abi, functionName, args }) as Promise<T>;
  const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase();

  // Addresses provider and access control.
  const providerAbi = ARTIFACTS.provider().abi;
  const provider = await deployer.deploy('Aave PoolAddressesProvider', ARTIFACTS.provider(), {
    args: ['Sextant Devnet', admin],
  });
  if (!same(await read<Address>(provider, providerAbi, 'getACLAdmin'), admin)) {
    await deployer.write('Aave: set the ACL admin', {
      address: provider,
      abi: providerAbi,
      functionName: 'setACLAdmin',
      args: [admin],
    });
  }
  const aclArtifact = ARTIFACTS.aclManager();
  const aclManager = await deployer.deploy('Aave ACLManager', aclArtifact, { args: [provider] });
  if (!same(await read<Address>(provider, providerAbi, 'getACLManager'), aclManager)) {
    await deployer.write('Aave: register the ACL manager', {
      address: provider,
      abi: providerAbi,
      functionName: 'setACLManager',
      args: [aclManager],
    });
  }
  if (!(await read<boolean>(aclManager, aclArtifact.abi, 'isPoolAdmin', [admin]))) {
    await deployer.write('Aave: make the admin pool admin', {
      address: aclManager,
      abi: aclArtifact.abi,
      functionName: 'addPoolAdmin',
      args: [admin],
    });
  }

  // Pool and PoolConfigurator implementations (with their libraries), behind the provider's proxies.
  const libraries: Record<string, Address> = {};
  for (const name of POOL_LIBRARIES) {
    libraries[name] = await deployer.deploy(`Aave ${name}`, ARTIFACTS.library(name));
  }
  libraries.FlashLoanLogic = await deployer.deploy('Aave FlashLoanLogic', ARTIFACTS.library('FlashLoanLogic'), {
    libraries,
  });
  const poolArtifact = ARTIFACTS.pool();
  const poolImpl = await deployer.deploy('Aave Pool implementation', poolArtifact, { args: [provider], libraries });
  if (await isUninitialised(deployer, poolImpl)) {
    // As Aave does: initialise the bare implementation so nobody else can.
    await deployer.write('Aave: initialise the Pool implementation', {
      address: poolImpl,
      abi: poolArtifact.abi,
      functionName: 'initialize',
      args: [provider],
    });
  }
  if (same(await read<Address>(provider, providerAbi, 'getPool'), zeroAddress)) {
    await deployer.write('Aave: create the Pool proxy', {
      address: provider,
      abi: providerAbi,
      functionName: 'setPoolImpl',
      args: [poolImpl],
    });
  }
  const pool = await read<Address>(provider, providerAbi, 'getPool');

  const configuratorArtifact = ARTIFACTS.configurator();
  const configuratorLogic = await deployer.deploy('Aave ConfiguratorLogic', ARTIFACTS.library('ConfiguratorLogic'));
  const configuratorImpl = await deployer.deploy('Aave PoolConfigurator implementation', configuratorArtifact, {
    libraries: { ConfiguratorLogic: configuratorLogic },
  });
  if (await isUninitialised(deployer, configuratorImpl)) {
    await deployer.write('Aave: initialise the PoolConfigurator implementation', {
      address: configuratorImpl,
      abi: configuratorArtifact.abi,
      functionName: 'initialize',
      args: [provider],
    });
  }
  if (same(await read<Address>(provider, providerAbi, 'getPoolConfigurator'), zeroAddress)) {
    await deployer.write('Aave: create the PoolConfigurator proxy', {
      address: provider,
      abi: providerAbi,
      functionName: 'setPoolConfiguratorImpl',
      args: [configuratorImpl],
    });
  }
  const configurator = await read<Address>(provider, providerAbi, 'getPoolConfigurator');

  // Oracle: one mock Chainlink-style feed per asset, at the devnet market's price (8 decimals, USD).
  const priceFeeds: Record<string, Address> = {};
  for (const token of tokens) {
    const price = PRICES_USD[token.symbol];
    if (price === undefined) throw new DeploymentError(`The devnet market has no price for ${token.symbol}.`);
    priceFeeds[token.symbol] = await deployer.deploy(`Aave price feed ${token.symbol}`, ARTIFACTS.priceFeed(), {
      args: [BigInt(price) * 10n ** 8n],
    });
  }
  const oracle = await deployer.deploy('Aave AaveOracle', ARTIFACTS.oracle(), {
    args: [
      provider,
      tokens.map((t) => t.address),
      tokens.map((t) => priceFeeds[t.symbol]),
      zeroAddress,
      zeroAddress,
      10n ** 8n,
    ],
  });
  if (!same(await read<Address>(provider, providerAbi, 'getPriceOracle'), oracle)) {
    await deployer.write('Aave: register the oracle', {
      address: provider,
      abi: providerAbi,
      functionName: 'setPriceOracle',
      args: [oracle],
    });
  }
  const dataProviderArtifact = ARTIFACTS.dataProvider();
  const poolDataProvider = await deployer.deploy('Aave ProtocolDataProvider', dataProviderArtifact, {
    args: [provider],
  });
  if (!same(await read<Address>(provider, providerAbi, 'getPoolDataProvider'), poolDataProvider)) {
    await deployer.write('Aave: register the data provider', {
      address: provider,
      abi: providerAbi,
      functionName: 'setPoolDataProvider',
      args: [poolDataProvider],
    });
  }

  // Token implementations and rate strategies, then the reserves.
  const aTokenImpl = await deployer.deploy('Aave AToken implementation', ARTIFACTS.aToken(), { args: [pool] });
  const variableDebtImpl = await deployer.deploy(
    'Aave VariableDebtToken implementation',
    ARTIFACTS.variableDebtToken(),
    { args: [pool] },
  );
  const stableDebtImpl = await deployer.deploy('Aave StableDebtToken implementation', ARTIFACTS.stableDebtToken(), {
    args: [pool],
  });
  const strategyArgs = (optimalUsage: string, slope2: string) => [
    provider,
    ray(optimalUsage),
    0n,
    ray('4'),
    ray(slope2),
    ray('0.5'),
    ray('60'),
    ray('1'),
    ray('8'),
    ray('20'),
  ];
  const stableStrategy = await deployer.deploy('Aave rate strategy (stablecoins)', ARTIFACTS.rateStrategy(), {
    args: strategyArgs('90', '60'),
  });
  const volatileStrategy = await deployer.deploy('Aave rate strategy (volatile)', ARTIFACTS.rateStrategy(), {
    args: strategyArgs('45', '300'),
  });

  const reserveData = (asset: Address) =>
    read<{ aTokenAddress: Address; stableDebtTokenAddress: Address; variableDebtTokenAddress: Address }>(
      pool,
      poolArtifact.abi,
      'getReserveData',
      [asset],
    );
  const unlisted: Token[] = [];
  for (const token of tokens) {
    if (same((await reserveData(token.address)).aTokenAddress, zeroAddress)) unlisted.push(token);
  }
  if (unlisted.length > 0) {
    await deployer.write(`Aave: list ${unlisted.map((t) => t.symbol).join(', ')}`, {
      address: configurator,
      abi: configuratorArtifact.abi,
      functionName: 'initReserves',
      args: [
        unlisted.map((token) => ({
          aTokenImpl,
          stableDebtTokenImpl: stableDebtImpl,
          variableDebtTokenImpl: variableDebtImpl,
          underlyingAssetDecimals: token.decimals,
          interestRateStrategyAddress: riskOf(token).volatile ? volatileStrategy : stableStrategy,
          underlyingAsset: token.address,
          treasury: admin,
          incentivesController: zeroAddress,
          aTokenName: `Aave Devnet ${token.symbol}`,
          aTokenSymbol: `aDev${token.symbol}`,
          variableDebtTokenName: `Aave Devnet Variable Debt ${token.symbol}`,
          variableDebtTokenSymbol: `variableDebtDev${token.symbol}`,
          stableDebtTokenName: `Aave Devnet Stable Debt ${token.symbol}`,
          stableDebtTokenSymbol: `stableDebtDev${token.symbol}`,
          params: '0x10',
        })),
      ],
    });
  }

  const reserves: AaveV3Contracts['reserves'] = {};
  for (const token of tokens) {
    const risk = riskOf(token);
    const [, ltv, , , reserveFactor, , borrowingEnabled] = await read<
      readonly [bigint, bigint, bigint, bigint, bigint, boolean, boolean]
    >(poolDataProvider, dataProviderArtifact.abi, 'getReserveConfigurationData', [token.address]);
    if (ltv !== BigInt(risk.ltv)) {
      await deployer.write(`Aave: ${token.symbol} as collateral`, {
        address: configurator,
        abi: configuratorArtifact.abi,
        functionName: 'configureReserveAsCollateral',
        args: [token.address, BigInt(risk.ltv), BigInt(risk.liquidationThreshold), BigInt(risk.liquidationBonus)],
      });
    }
    if (!borrowingEnabled) {
      await deployer.write(`Aave: ${token.symbol} borrowable`, {
        address: configurator,
        abi: configuratorArtifact.abi,
        functionName: 'setReserveBorrowing',
        args: [token.address, true],
      });
    }
    if (reserveFactor !== RESERVE_FACTOR_BPS) {
      await deployer.write(`Aave: ${token.symbol} reserve factor`, {
        address: configurator,
        abi: configuratorArtifact.abi,
        functionName: 'setReserveFactor',
        args: [token.address, RESERVE_FACTOR_BPS],
      });
    }
    const data = await reserveData(token.address);
    reserves[token.symbol] = {
      underlying: token.address,
      aToken: data.aTokenAddress,
      variableDebtToken: data.variableDebtTokenAddress,
      stableDebtToken: data.stableDebtTokenAddress,
      priceFeed: priceFeeds[token.symbol] as Address,
    };
  }

  await seedLiquidity(deployer, pool, poolArtifact.abi, tokens, reserves);
  return {
    pool,
    poolAddressesProvider: provider,
    poolConfigurator: configurator,
    aclManager,
    oracle,
    poolDataProvider,
    reserves,
  };
}

/** The admin supplies each asset once, so the market has something to lend. */
async function seedLiquidity(
  deployer: Deployer,
  pool: Address,
  poolAbi: Abi,
  tokens: readonly Token[],
  reserves: AaveV3Contracts['reserves'],
): Promise<void> {
  const weth = tokens.find((token) => token.symbol === 'WETH');
  if (!weth) throw new DeploymentError('The devnet has no WETH to list on Aave.');
  for (const token of tokens) {
    const reserve = reserves[token.symbol];
    if (!reserve) continue;
    const supplied = (await deployer.publicClient.readContract({
      address: reserve.aToken,
      abi: ARTIFACTS.aToken().abi,
      functionName: 'totalSupply',
    })) as bigint;
    if (supplied > 0n) continue;
    const amount = rawAmountForUsd(token, AAVE_SEED_USD, PRICES_USD[token.symbol] ?? 1);
    await fundAdmin(deployer, token, amount, weth.address);
    await approveExact(deployer, token, pool, amount);
    await deployer.write(`Aave: supply ${token.symbol} liquidity`, {
      address: pool,
      abi: poolAbi,
      functionName: 'supply',
      args: [token.address, amount, deployer.admin.address, 0],
    });
  }
}

/**
 * Aave's VersionedInitializable keeps `lastInitializedRevision` in storage slot 0; zero means
 * `initialize` was never called (decided from the chain, so a run cut short is completed later).
 */
async function isUninitialised(deployer: Deployer, implementation: Address): Promise<boolean> {
  const slot0 = await deployer.publicClient.getStorageAt({ address: implementation, slot: '0x0' });
  return slot0 === undefined || BigInt(slot0) === 0n;
}

function riskOf(token: Token) {
  const risk = RISK[token.symbol];
  if (!risk) throw new DeploymentError(`No Aave risk parameters for ${token.symbol}.`);
  return risk;
}
