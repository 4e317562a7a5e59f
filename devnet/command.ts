import { relative } from 'node:path';
import { isDevnetSlug } from '../common/chains/registry.ts';
import { type Command, parseCommandArgs, parsePort, serveUntilStopped, UsageError } from '../common/command.ts';
import type { Settings } from '../common/settings.ts';
import { type Devnet, type DevnetOptions, startDevnet } from './devnet.ts';
import { manifestPath } from './manifest.ts';

const help = `Usage: sextant devnet [options]

Starts the embedded devnet and keeps it running until Ctrl-C: anvil (chain id 31337), the protocols
deployed from their npm artifacts (EntryPoint v0.7/v0.8, SimpleAccountFactory, WETH9, USDC, USDT,
DAI, WBTC, Uniswap V3 with seeded pools, Aave V3), and the Alto bundler. Writes the manifest and the
token list into the data directory (DATA_DIR/devnet/).

Beside it, unless DEVNET_L2=0, a second, L2-like chain (devnet-l2, chain id DEVNET_L2_CHAIN_ID, 31338)
with its own anvil (DEVNET_L2_ANVIL_PORT, 8546), the same protocols (tokens and protocols at addresses
of their own, the account stack at its one address), and its
own Alto (DEVNET_L2_BUNDLER_PORT, 4339) and paymaster (DEVNET_L2_PAYMASTER_PORT, 4340); its manifest
goes to DATA_DIR/devnet-l2/. CHAIN=devnet-l2 makes it the chain Sextant acts on.

Options:
  --json               print the manifest as JSON on stdout once ready (progress stays on stderr)
  --anvil-port N       anvil's port (default: DEVNET_ANVIL_PORT, 8545)
  --bundler-port N     Alto's port (default: DEVNET_BUNDLER_PORT, 4337)
  --paymaster-port N   the mock paymaster's port (default: DEVNET_PAYMASTER_PORT, 4338)
  --block-time S       seconds between blocks; 0 mines each transaction at once (default: DEVNET_BLOCK_TIME, 0)
  --rpc-url URL        use this running chain instead of starting anvil; deploys only what is missing
                       (default: RPC_URL when set)
  --bundler-url URL    use this running bundler instead of starting Alto (default: BUNDLER_URL when set)
  -h, --help           show this help

Examples:
  sextant devnet
  sextant devnet --json > devnet.json
  sextant devnet --anvil-port 9545 --bundler-port 5337`;

export const devnetCommand: Command = {
  name: 'devnet',
  help,
  async run(argv, { settings, stdout, stderr }) {
    const { values } = parseCommandArgs('devnet', argv, {
      json: { type: 'boolean' },
      'anvil-port': { type: 'string' },
      'bundler-port': { type: 'string' },
      'paymaster-port': { type: 'string' },
      'block-time': { type: 'string' },
      'rpc-url': { type: 'string' },
      'bundler-url': { type: 'string' },
    });
    if (!isDevnetSlug(settings.chain)) {
      throw new UsageError(`CHAIN is "${settings.chain}", and the devnet is a chain of its own.`, {
        hint: 'Unset CHAIN (or set CHAIN=devnet) to run the devnet.',
      });
    }
    const blockTime =
      values['block-time'] === undefined ? settings.devnet.blockTimeSeconds : Number(values['block-time']);
    if (!Number.isFinite(blockTime) || blockTime < 0) {
      throw new UsageError(`--block-time takes a number of seconds (0 or more), not "${values['block-time']}".`);
    }
    const devnet = await startDevnetWithProgress(
      {
        ...devnetOptionsFrom(settings),
        anvilPort: parsePort(values['anvil-port'], '--anvil-port', settings.devnet.anvilPort),
        bundlerPort: parsePort(values['bundler-port'], '--bundler-port', settings.devnet.bundlerPort),
        paymasterPort: parsePort(values['paymaster-port'], '--paymaster-port', settings.devnet.paymasterPort),
        blockTimeSeconds: blockTime,
        rpcUrl: parseUrl(values['rpc-url'], '--rpc-url') ?? settings.rpcUrl,
        bundlerUrl: parseUrl(values['bundler-url'], '--bundler-url') ?? settings.bundlerUrl,
      },
      stderr,
    );
    if (values.json) stdout(`${JSON.stringify(devnet.manifest, null, 2)}\n`);
    else stdout(describeDevnet(devnet, settings.dataDir));
    stderr('Press Ctrl-C to stop.\n');
    return serveUntilStopped(stderr, devnet.stop, devnet.crashed);
  },
};

/** The devnet's options as the settings give them (CLI flags may override each). */
export function devnetOptionsFrom(settings: Settings): DevnetOptions {
  return {
    anvilPort: settings.devnet.anvilPort,
    bundlerPort: settings.devnet.bundlerPort,
    paymasterPort: settings.devnet.paymasterPort,
    blockTimeSeconds: settings.devnet.blockTimeSeconds,
    rpcUrl: settings.rpcUrl,
    bundlerUrl: settings.bundlerUrl,
    l2: settings.devnet.l2,
    relayer: settings.devnet.relayer,
    dataDir: settings.dataDir,
  };
}

function parseUrl(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !/^https?:/.test(value)) {
    throw new UsageError(`${flag} takes an http(s) URL, not "${value}".`);
  }
  return value;
}

/** Starts the devnet, printing each stage with the time since start (shared by `devnet` and `start`). */
export async function startDevnetWithProgress(options: DevnetOptions, stderr: (text: string) => void): Promise<Devnet> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s`;
  const devnet = await startDevnet({ ...options, progress: (message) => stderr(`${elapsed()}  ${message}\n`) });
  const { deployed, reused, transactions } = devnet.deployment;
  stderr(`${elapsed()}  ready: ${deployed} contracts deployed, ${reused} reused, ${transactions} transactions\n`);
  return devnet;
}

export function describeDevnet(devnet: Devnet, dataDir: string): string {
  const { manifest } = devnet;
  const tokens = manifest.tokens.map((token) => `${token.symbol.padEnd(5)} ${token.address}`).join('\n             ');
  return `Sextant devnet
  chain      ${manifest.chainId} at ${manifest.rpcUrl}${devnet.anvil ? '' : ' (existing chain)'}
  bundler    ${manifest.bundlerUrl}${devnet.alto ? ' (Alto)' : ' (existing bundler)'}
  paymaster  ${manifest.paymasterUrl ?? 'none'}${manifest.paymasterUrl ? ' (mock; used when PAYMASTER_URL points at it)' : ''}
  entrypoint v0.7 ${manifest.contracts.entryPointV07}, v0.8 ${manifest.contracts.entryPointV08}
  uniswap    SwapRouter02 ${manifest.contracts.uniswapV3.swapRouter02}, QuoterV2 ${manifest.contracts.uniswapV3.quoterV2}
  aave       Pool ${manifest.contracts.aaveV3.pool}
  delegation DelegationManager ${manifest.contracts.delegation.delegationManager} (MetaMask 1.3.0, with its caveat enforcers)
  across     SpokePool ${manifest.contracts.across?.spokePool ?? 'none'}${devnet.relayer ? ` (the relayer ${devnet.relayer.address} fills between the two chains)` : ''}
  tokens     ${tokens}
  manifest   ${relative(process.cwd(), manifestPath(dataDir)) || manifestPath(dataDir)}
${devnet.l2 ? describeL2(devnet.l2, dataDir) : '  second chain  none (DEVNET_L2=0)\n'}`;
}

function describeL2(l2: NonNullable<Devnet['l2']>, dataDir: string): string {
  const path = manifestPath(dataDir, 'devnet-l2');
  return `Sextant devnet L2 (CHAIN=devnet-l2; the same protocols, its own token addresses)
  chain      ${l2.manifest.chainId} at ${l2.manifest.rpcUrl}
  bundler    ${l2.manifest.bundlerUrl} (Alto)
  paymaster  ${l2.manifest.paymasterUrl ?? 'none'}
  manifest   ${relative(process.cwd(), path) || path}
`;
}
