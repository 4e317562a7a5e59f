import { accountCommand } from '../agent-core/account-command.ts';
import { chatCommand, contactsCommand, policyCommand, runCommand } from '../agent-core/command.ts';
import { mcpCommand } from '../agent-core/mcp/command.ts';
import { evalCommand, parseCommand } from '../agent-core/parse/command.ts';
import { plansCommand } from '../agent-core/plans-command.ts';
import { chainsCommand } from '../common/chains/command.ts';
import { asksForHelp, type Command, type CommandContext, UsageError } from '../common/command.ts';
import { describeError } from '../common/errors.ts';
import { loadDotEnv, loadSettings, type Settings } from '../common/settings.ts';
import { VERSION } from '../common/version.ts';
import { devnetCommand } from '../devnet/command.ts';
import { emissionsCommand } from '../emissions/command.ts';
import { providerCommand, routerCommand } from '../router/command.ts';
import { skillsCommand } from '../skills/command.ts';
import { endpointCommand, endpointsCommand } from '../skills/remote/command.ts';
import { faucetCommand } from '../smart-accounts/command.ts';
import { resolveNetwork } from './network.ts';
import { openAgentSession } from './runtime.ts';
import { startCommand } from './start.ts';
import { tokenCommand } from './token-command.ts';

/** Every `sextant` subcommand; each module contributes its own. */
export const commands: readonly Command[] = [
  startCommand,
  tokenCommand,
  devnetCommand,
  accountCommand,
  faucetCommand,
  runCommand(openAgentSession),
  chatCommand(openAgentSession),
  plansCommand(openAgentSession),
  policyCommand(openAgentSession),
  contactsCommand(openAgentSession),
  parseCommand,
  evalCommand,
  skillsCommand,
  endpointsCommand,
  endpointCommand,
  mcpCommand(openAgentSession),
  routerCommand,
  providerCommand,
  emissionsCommand(openAgentSession),
  chainsCommand,
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
  const devnet = settings.chain === 'devnet';
  const rpc = settings.rpcUrl
    ? originOnly(settings.rpcUrl)
    : devnet
      ? `unset: the embedded devnet's anvil on 127.0.0.1:${settings.devnet.anvilPort}`
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
      stdout(command === startCommand ? `${command.help}\n\n${settingsInForce()}\n` : `${command.help}\n`);
      return 0;
    }
    loadDotEnv();
    const settings = loadSettings();
    const context: CommandContext = { settings, network: () => resolveNetwork(settings), stdout, stderr };
    return await command.run(rest, context);
  } catch (error) {
    stderr(`error: ${describeError(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
