import { type Command, parseCommandArgs } from '../command.ts';
import { knownNetworks } from './known-networks.ts';

const help = `Usage: sextant chains [--json]

Lists the chains CHAIN= can select: the embedded devnet (the default) and the real networks the
runtime knows, with what each has (EntryPoints, WETH, Uniswap V3, Aave V3) and its main tokens.
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
    if (values.json) {
      stdout(`${JSON.stringify({ devnet: { slug: 'devnet', chainId: 31337 }, networks: knownNetworks }, null, 2)}\n`);
      return 0;
    }
    const mark = (slug: string) => (settings.chain === slug ? '*' : ' ');
    const lines = [`${mark('devnet')} devnet         31337  embedded anvil with every protocol (the default)`];
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
