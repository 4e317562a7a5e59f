import { isDevnetSlug } from '../common/chains/registry.ts';
import { asksForHelp, type Command, type CommandContext, UsageError } from '../common/command.ts';
import { describeError } from '../common/errors.ts';
import { loadDotEnv, loadSettings, type Settings } from '../common/settings.ts';
import { VERSION } from '../common/version.ts';

/**
 * A `sextant` subcommand as the CLI lists it: its name and one line, and where its module is. The
 * module is imported only when the command runs (or its --help is asked), so `sextant --help` and a
 * light command do not pay for loading every module (viem, the agent, the devnet, the router).
 */
type CommandEntry = { name: string; summary: string; load: () => Promise<Command> };

/** The agent's runtime (app/runtime.ts), for the commands that open an agent session. */
const agentSession = async () => (await import('./runtime.ts')).openAgentSession;

/** The emissions module's settled compute buckets, for the router's earnings (router/earnings.ts). */
const computeSettlements = async () => (await import('../emissions/compute-settlements.ts')).computeSettlements;

/** Every `sextant` subcommand; each module contributes its own. */
export const commands: readonly CommandEntry[] = [
  {
    name: 'start',
    summary: 'start the devnet (on CHAIN=devnet) and the server on HOST:PORT',
    load: async () => (await import('./start.ts')).startCommand,
  },
  {
    name: 'token',
    summary:
      "print a user's sign-in link for the server, or with --mcp the token for agents (creates the user on first use)",
    load: async () => (await import('./token-command.ts')).tokenCommand,
  },
  {
    name: 'devnet',
    summary: 'start the embedded devnet (anvil, Uniswap V3, Aave V3, EntryPoints, Alto)',
    load: async () => (await import('../devnet/command.ts')).devnetCommand,
  },
  {
    name: 'account',
    summary: "show the user's account (mode, balances, total value); import a key, upgrade it to EIP-7702, downgrade",
    load: async () => (await import('../agent-core/account-command.ts')).accountCommand,
  },
  {
    name: 'faucet',
    summary: "fund the user's smart account with test ETH and tokens (devnet only)",
    load: async () => (await import('../smart-accounts/command.ts')).faucetCommand,
  },
  {
    name: 'bridges',
    summary: "the user's bridge deposits (Across) and where each stands on both chains",
    load: async () => (await import('../smart-accounts/bridges-command.ts')).bridgesCommand,
  },
  {
    name: 'run',
    summary: 'one request, end to end: parse, plan, simulate, confirm, execute',
    load: async () => (await import('../agent-core/command.ts')).runCommand(await agentSession()),
  },
  {
    name: 'chat',
    summary: 'a conversation in the terminal, with a preview and a confirmation for every plan',
    load: async () => (await import('../agent-core/command.ts')).chatCommand(await agentSession()),
  },
  {
    name: 'plans',
    summary: 'show a plan by its id, or confirm it (how a plan an agent built over MCP gets to run)',
    load: async () => (await import('../agent-core/plans-command.ts')).plansCommand(await agentSession()),
  },
  {
    name: 'orders',
    summary:
      'standing orders the agent key runs within limits the chain enforces: daily swaps, price orders, position guards, reward claims',
    load: async () => {
      const [{ ordersCommand }, { rewardsForNetwork }] = await Promise.all([
        import('../agent-core/orders/command.ts'),
        import('../emissions/claims.ts'),
      ]);
      // Claim orders read the emissions' settlements, which sit above agent-core: handed in from here.
      return ordersCommand({
        rewardsFor: (env, dataDir) => rewardsForNetwork(env.db, env.publicClient, env.chain, dataDir),
      });
    },
  },
  {
    name: 'policy',
    summary: "show or change the user's limits (per plan, per day, slippage, new recipients)",
    load: async () => (await import('../agent-core/command.ts')).policyCommand(await agentSession()),
  },
  {
    name: 'contacts',
    summary: "the user's address book: labels for recipients",
    load: async () => (await import('../agent-core/command.ts')).contactsCommand(await agentSession()),
  },
  {
    name: 'parse',
    summary: 'turn a message into intents and print them (no planning, no execution)',
    load: async () => (await import('../agent-core/parse/command.ts')).parseCommand,
  },
  {
    name: 'eval',
    summary: 'score a parser on a JSON Lines set of prompts and expected intents',
    load: async () => (await import('../agent-core/parse/command.ts')).evalCommand,
  },
  {
    name: 'skills',
    summary: 'start, try, publish, attest, list, show and verify skills (the guide: docs/skills.md)',
    load: async () =>
      (await import('../skills/command.ts')).skillsCommand({
        // `skills try` plans with the agent, which stands above the registry: handed in from here.
        agent: async () => {
          const [{ handleMessage, cancelPlan }, { renderReply }] = await Promise.all([
            import('../agent-core/agent.ts'),
            import('../agent-core/render.ts'),
          ]);
          return { openSession: await agentSession(), handleMessage, cancelPlan, renderReply };
        },
      }),
  },
  {
    name: 'endpoints',
    summary: "add, list, refresh and remove protocols' agent endpoints (remote skills)",
    load: async () => (await import('../skills/remote/command.ts')).endpointsCommand,
  },
  {
    name: 'endpoint',
    summary: 'serve local skills as an agent endpoint; attest an endpoint as an auditor',
    load: async () => (await import('../skills/remote/command.ts')).endpointCommand,
  },
  {
    name: 'mcp',
    summary: "Sextant's tools over MCP on stdio, for agents (executing still needs your confirmation)",
    load: async () => (await import('../agent-core/mcp/command.ts')).mcpCommand(await agentSession()),
  },
  {
    name: 'router',
    summary: 'the inference router: serve, providers, receipts',
    load: async () => (await import('../router/command.ts')).routerCommand(await computeSettlements()),
  },
  {
    name: 'provider',
    summary: 'serve your Ollama (or an OpenAI-compatible server) to routers for a price',
    load: async () => (await import('../router/command.ts')).providerCommand(await computeSettlements()),
  },
  {
    name: 'emissions',
    summary: 'the emission schedule, epoch settlement, reward claims and reports',
    load: async () => (await import('../emissions/command.ts')).emissionsCommand(await agentSession()),
  },
  {
    name: 'chains',
    summary: 'list the chains CHAIN= can select and what each has',
    load: async () => (await import('../common/chains/command.ts')).chainsCommand,
  },
  {
    name: 'keys',
    summary: 'make an author or auditor key for the skill registry (a file, mode 600) and show its address',
    load: async () => (await import('../skills/keys-command.ts')).keysCommand,
  },
];

function overview(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `Sextant: an on-chain AI agent runtime. Words become intents, audited skills turn them into
calls, and an ERC-4337 smart account runs them as one simulated, confirmed bundle.

Usage: sextant <command> [options]

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run \`sextant <command> --help\` for a command's options.
Settings come from the environment and .env (see .env.example); CHAIN=devnet is the default.

${settingsInForce()}`;
}

/**
 * The settings as they are now (environment, then .env, then the defaults), for the help: what a
 * command would use, not the defaults it falls back to. Never fails: a broken value is named instead.
 */
export function settingsInForce(): string {
  let settings: Settings;
  try {
    loadDotEnv();
    settings = loadSettings();
  } catch (error) {
    return `Settings in force: unreadable. ${describeError(error)}`;
  }
  const devnet = isDevnetSlug(settings.chain);
  const rpc = settings.rpcUrl
    ? originOnly(settings.rpcUrl)
    : devnet
      ? `unset: the embedded devnet's anvil on 127.0.0.1:${settings.chain === 'devnet' ? settings.devnet.anvilPort : (settings.devnet.l2?.anvilPort ?? 'none: DEVNET_L2=0')}`
      : `unset: CHAIN=${settings.chain} needs it`;
  return `Settings in force (environment, .env, defaults):
  CHAIN        ${settings.chain}
  RPC_URL      ${rpc}
  HOST, PORT   ${settings.host}, ${settings.port}  (the server: http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port})
  DATA_DIR     ${settings.dataDir}
  OLLAMA_HOST  ${settings.ollama.host}  (model ${settings.ollama.model})`;
}

/** An RPC URL's origin only: the path and query often carry an API key, and help output gets pasted. */
function originOnly(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname === '/' && !parsed.search ? parsed.origin : `${parsed.origin}/…`;
}

export async function main(argv: string[]): Promise<number> {
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
  const stdout = write(process.stdout);
  const stderr = write(process.stderr);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdout(`${overview()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    stdout(`sextant ${VERSION}\n`);
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  try {
    if (!command) {
      throw new UsageError(`Unknown command "${name}".`, {
        hint: `Commands: ${commands.map((c) => c.name).join(', ')}. Run \`sextant --help\`.`,
      });
    }
    // A command's --help must work even when the settings are broken.
    if (asksForHelp(rest)) {
      // start's options default to the settings: show the ones in force.
      const loaded = await command.load();
      // A subcommand with a help of its own (`sextant emissions settle --help`) prints that one.
      const help = loaded.helpFor?.(rest) ?? loaded.help;
      stdout(command.name === 'start' ? `${help}\n\n${settingsInForce()}\n` : `${help}\n`);
      return 0;
    }
    loadDotEnv();
    const settings = loadSettings();
    const [loaded, { resolveNetwork }] = await Promise.all([command.load(), import('./network.ts')]);
    const context: CommandContext = { settings, network: () => resolveNetwork(settings), stdout, stderr };
    return await loaded.run(rest, context);
  } catch (error) {
    stderr(`error: ${describeError(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
