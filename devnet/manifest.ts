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
  /** Which of the devnet's chains: `devnet` (left out by manifests written before there were two) or `devnet-l2`. */
  slug: z.enum(['devnet', 'devnet-l2']).default('devnet'),
  name: z.string().default('Sextant devnet'),
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
    /** Across' SpokePool (devnet/deploy-across.ts): the proxy every deposit and fill goes to, and its implementation. */
    // Optional: a manifest written before Across was on the devnet still reads (it has no bridge).
    across: z
      .object({
        spokePool: address,
        spokePoolImplementation: address,
        /** The devnet's relayer between its two chains, when it runs: who fills, after how long, for what fee. */
        relayer: z.object({ address, delayMs: z.number().int(), minFeeBps: z.number().int() }).optional(),
      })
      .optional(),
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

/** What `sextant devnet --json` prints and the runtime reads: where everything on one devnet chain is. */
export type DevnetManifest = z.output<typeof DevnetManifestSchema>;
/** A manifest as written (a test's may leave out what has a default). */
export type DevnetManifestInput = z.input<typeof DevnetManifestSchema>;
export type DevnetSlug = DevnetManifest['slug'];

/** DATA_DIR/devnet/manifest.json, and DATA_DIR/devnet-l2/manifest.json for the second chain. */
export function manifestPath(dataDir: string, slug: DevnetSlug = 'devnet'): string {
  return join(dataDir, slug, 'manifest.json');
}

export function tokenListPath(dataDir: string, slug: DevnetSlug = 'devnet'): string {
  return join(dataDir, slug, 'tokenlist.json');
}

/** Writes the manifest and the token list (Uniswap token-list format) atomically into the data directory. */
export function writeManifest(dataDir: string, input: DevnetManifestInput): void {
  const manifest = DevnetManifestSchema.parse(input);
  mkdirSync(join(dataDir, manifest.slug), { recursive: true });
  writeAtomically(manifestPath(dataDir, manifest.slug), `${JSON.stringify(manifest, null, 2)}\n`);
  const tokenList = {
    name: 'Sextant devnet',
    timestamp: new Date().toISOString(),
    version: { major: 1, minor: 0, patch: 0 },
    tokens: manifest.tokens.map((token) => ({ chainId: manifest.chainId, ...token })),
  };
  writeAtomically(tokenListPath(dataDir, manifest.slug), `${JSON.stringify(tokenList, null, 2)}\n`);
}

export function readManifest(dataDir: string, slug: DevnetSlug = 'devnet'): DevnetManifest {
  const path = manifestPath(dataDir, slug);
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

/** The chain's Across SpokePool; a manifest written before the devnet had one is refused with what to do. */
export function spokePoolOf(manifest: DevnetManifest): Address {
  if (!manifest.contracts.across) {
    throw new DevnetError(`The devnet manifest of ${manifest.slug} predates Across: it names no SpokePool.`, {
      hint: 'Start the devnet again (`sextant devnet` or `npm start`): it deploys Across and rewrites the manifest.',
    });
  }
  return manifest.contracts.across.spokePool;
}

/** The devnet as an entry of the chain registry, so the rest of the runtime sees one shape. */
export function manifestToChain(manifest: DevnetManifest): Chain {
  const { contracts } = manifest;
  return {
    slug: manifest.slug,
    name: manifest.name,
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
      ...(contracts.across ? { acrossSpokePool: contracts.across.spokePool } : {}),
    },
    tokens: manifest.tokens,
    ...(contracts.across?.relayer
      ? { acrossRelayerFeeBps: contracts.across.relayer.minFeeBps, acrossRelayer: contracts.across.relayer.address }
      : {}),
  };
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
