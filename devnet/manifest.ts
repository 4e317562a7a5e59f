import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Address, isAddress } from 'viem';
import { z } from 'zod';
import type { Chain } from '../common/chains/types.ts';
import { DevnetError } from './errors.ts';

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'not an address') as z.ZodType<Address>;

const TokenSchema = z.object({ symbol: z.string(), name: z.string(), address, decimals: z.number().int() });

export const DevnetManifestSchema = z.object({
  version: z.literal(1),
  chainId: z.number().int(),
  rpcUrl: z.string(),
  bundlerUrl: z.string(),
  paymasterUrl: z.string().nullable(),
  /** The account that deployed and administers the devnet's protocols (anvil's first account). */
  admin: address,
  contracts: z.object({
    deterministicDeployer: address,
    entryPointV06: address,
    entryPointV07: address,
    entryPointV08: address,
    simpleAccountFactoryV07: address,
    simpleAccountFactoryV08: address,
    /** Simple7702Account (v0.8), the implementation a user's own address delegates to (EIP-7702). */
    simple7702Account: address,
    weth: address,
    uniswapV3: z.object({
      factory: address,
      swapRouter02: address,
      quoterV2: address,
      nonfungiblePositionManager: address,
      nonfungibleTokenPositionDescriptor: address,
    }),
    aaveV3: z.object({
      pool: address,
      poolAddressesProvider: address,
      poolConfigurator: address,
      aclManager: address,
      oracle: address,
      poolDataProvider: address,
    }),
    emissions: z.object({ depositPool: address, rewardToken: address }),
    /** Sextant's bundle guard, at its CREATE2 address (the same on every chain). */
    bundleGuard: address,
    /** MetaMask's delegation framework 1.3.0, at its own addresses (devnet/deploy-delegation-framework.ts). */
    delegation: z.object({
      delegationManager: address,
      eip7702StatelessDeleGator: address,
      enforcers: z.object({
        AllowedTargetsEnforcer: address,
        AllowedMethodsEnforcer: address,
        AllowedCalldataEnforcer: address,
        ERC20BalanceChangeEnforcer: address,
        ERC20PeriodTransferEnforcer: address,
        NativeTokenPeriodTransferEnforcer: address,
        TimestampEnforcer: address,
        LimitedCallsEnforcer: address,
        RedeemerEnforcer: address,
        ValueLteEnforcer: address,
      }),
    }),
  }),
  aaveV3Reserves: z.record(
    z.string(),
    z.object({
      underlying: address,
      aToken: address,
      variableDebtToken: address,
      stableDebtToken: address,
      priceFeed: address,
    }),
  ),
  uniswapV3Pools: z.array(
    z.object({
      token0: address,
      token1: address,
      symbols: z.tuple([z.string(), z.string()]),
      fee: z.number().int(),
      address,
    }),
  ),
  tokens: z.array(TokenSchema),
});

/** What `sextant devnet --json` prints and the runtime reads: where everything on the devnet is. */
export type DevnetManifest = z.infer<typeof DevnetManifestSchema>;

export function manifestPath(dataDir: string): string {
  return join(dataDir, 'devnet', 'manifest.json');
}

export function tokenListPath(dataDir: string): string {
  return join(dataDir, 'devnet', 'tokenlist.json');
}

/** Writes the manifest and the token list (Uniswap token-list format) atomically into the data directory. */
export function writeManifest(dataDir: string, manifest: DevnetManifest): void {
  mkdirSync(join(dataDir, 'devnet'), { recursive: true });
  writeAtomically(manifestPath(dataDir), `${JSON.stringify(manifest, null, 2)}\n`);
  const tokenList = {
    name: 'Sextant devnet',
    timestamp: new Date().toISOString(),
    version: { major: 1, minor: 0, patch: 0 },
    tokens: manifest.tokens.map((token) => ({ chainId: manifest.chainId, ...token })),
  };
  writeAtomically(tokenListPath(dataDir), `${JSON.stringify(tokenList, null, 2)}\n`);
}

export function readManifest(dataDir: string): DevnetManifest {
  const path = manifestPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new DevnetError(`No devnet manifest at ${path}.`, {
      hint: 'Start the devnet first: `sextant devnet` (or `npm start`).',
    });
  }
  const parsed = DevnetManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new DevnetError(`The devnet manifest at ${path} is not valid: ${parsed.error.issues[0]?.message}`, {
      hint: 'Delete it and start the devnet again; it is rewritten on every start.',
    });
  }
  return parsed.data;
}

/** The devnet as an entry of the chain registry, so the rest of the runtime sees one shape. */
export function manifestToChain(manifest: DevnetManifest): Chain {
  const { contracts } = manifest;
  return {
    slug: 'devnet',
    name: 'Sextant devnet',
    chainId: manifest.chainId,
    testnet: true,
    hasEns: false,
    nativeSymbol: 'ETH',
    contracts: {
      entryPointV07: contracts.entryPointV07,
      entryPointV08: contracts.entryPointV08,
      simpleAccountFactoryV07: contracts.simpleAccountFactoryV07,
      simpleAccountFactoryV08: contracts.simpleAccountFactoryV08,
      simple7702Account: contracts.simple7702Account,
      eip7702StatelessDeleGator: contracts.delegation.eip7702StatelessDeleGator,
      weth: contracts.weth,
      uniswapV3: {
        factory: contracts.uniswapV3.factory,
        swapRouter02: contracts.uniswapV3.swapRouter02,
        quoterV2: contracts.uniswapV3.quoterV2,
        nonfungiblePositionManager: contracts.uniswapV3.nonfungiblePositionManager,
      },
      aaveV3: { pool: contracts.aaveV3.pool, poolAddressesProvider: contracts.aaveV3.poolAddressesProvider },
      emissions: contracts.emissions,
      bundleGuard: contracts.bundleGuard,
      delegationFramework: {
        delegationManager: contracts.delegation.delegationManager,
        enforcers: contracts.delegation.enforcers,
      },
    },
    tokens: manifest.tokens,
  };
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
