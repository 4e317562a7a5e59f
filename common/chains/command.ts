import { type Command, parseCommandArgs } from '../command.ts';
import { knownNetworks } from './known-networks.ts';
import { DEVNET_L2_SLUG, DEVNET_SLUG } from './registry.ts';

const help = `Usage: sextant chains [--json]

Lists the chains CHAIN= can select: the embedded devnet (the default) and its second, L2-like chain
(devnet-l2, unless DEVNET_L2=0), and the real networks the runtime knows, with what each has
(EntryPoints, WETH, Uniswap V3, Aave V3) and its main tokens.
On a real network also set RPC_URL and BUNDLER_URL (and PAYMASTER_URL for sponsored operations).

Options:
  --json      print the registry as JSON
  -h, --help  show this help`;

export const chainsCommand: Command = {
  name: 'chains',
  help,
  async run(argv, { stdout, settings }) {
    const { values } = parseCommandArgs('chains', argv, {
      json: { type: 'boolean' },
    });
    const devnets = [
      { slug: DEVNET_SLUG, name: 'Sextant devnet', chainId: 31337 },
      ...(settings.devnet.l2
        ? [{ slug: DEVNET_L2_SLUG, name: 'Sextant devnet L2', chainId: settings.devnet.l2.chainId }]
        : []),
    ];
    if (values.json) {
      // `devnet` as before; `devnets` lists both of the devnet's chains.
      const [devnet] = devnets;
      stdout(`${JSON.stringify({ devnet, devnets, networks: knownNetworks }, null, 2)}\n`);
      return 0;
    }
    const mark = (slug: string) => (settings.chain === slug ? '*' : ' ');
    const lines = [`${mark('devnet')} devnet         31337  embedded anvil with every protocol (the default)`];
    for (const l2 of devnets.slice(1)) {
      lines.push(
        `${mark(l2.slug)} ${l2.slug.padEnd(14)} ${String(l2.chainId).padStart(5)}  the devnet's second, L2-like chain: the same protocols, its own anvil and Alto`,
      );
    }
    for (const chain of knownNetworks) {
      const has = [
        chain.contracts.entryPointV08 && 'EntryPoint v0.7/v0.8',
        chain.contracts.uniswapV3 && 'Uniswap V3',
        chain.contracts.aaveV3 && 'Aave V3',
      ].filter(Boolean);
      lines.push(
        `${mark(chain.slug)} ${chain.slug.padEnd(14)} ${String(chain.chainId).padStart(5)}  ${has.join(', ')}; tokens ${chain.tokens.map((t) => t.symbol).join(' ')}`,
      );
    }
    stdout(`${lines.join('\n')}\n(* = selected by CHAIN)\n`);
    return 0;
  },
};
