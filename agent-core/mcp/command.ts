import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type Command, parseCommandArgs } from '../../common/command.ts';
import { SESSION_OPTIONS, sessionOptions } from '../command-session.ts';
import type { OpenAgentSession } from '../session.ts';
import { sextantMcpServer } from './tools.ts';

const help = `Usage: sextant mcp [--user ID] [--llm auto|embedded|ollama]

Sextant as an MCP server on standard input and output, for an agent on this machine (the same
tools as the server's /mcp): parse_request, build_plan (a plan with its simulated preview),
list_skills, get_balances, get_plan, execute_plan, propose_order (a standing order, proposed; it
needs SEXTANT_PASSPHRASE) and list_orders. No tool executes anything on the agent's word:
execute_plan refuses a plan until you confirm it yourself (\`sextant plans confirm ID\`), and an
order's grant is yours to confirm on the page or with \`sextant orders\`.
For an agent that reaches the running server instead, give it /mcp and the MCP token
(\`sextant token --mcp\`): it can build and read plans there, never confirm them.

Standard output carries the protocol only; messages go to standard error. Settings as for every
command (DATA_DIR, CHAIN, SEXTANT_USER, ...).

Options:
  --user ID   the local user (default: SEXTANT_USER)
  --llm ...   which parser (default auto: Ollama when it answers, else embedded)
  -h, --help  show this help`;

/** `sextant mcp`, with the CLI user's agent session as app/ assembles it (the composition root). */
export function mcpCommand(openAgentSession: OpenAgentSession): Command {
  return {
    name: 'mcp',
    help,
    async run(argv, context) {
      const { values } = parseCommandArgs('mcp', argv, SESSION_OPTIONS);
      // Standard output is the protocol's: anything the session would print goes to standard error.
      const quiet = { ...context, stdout: context.stderr };
      const session = await openAgentSession(quiet, sessionOptions(values));
      const server = sextantMcpServer(
        {
          agent: session.deps,
          userAccount: async () => ({ owner: session.owner, account: session.account }),
          // propose_order seals the agent key with it; without it, proposing is refused with how to set it.
          passphrase: process.env.SEXTANT_PASSPHRASE || undefined,
        },
        session.userId,
      );
      const closed = new Promise<void>((resolve) => {
        server.server.onclose = () => resolve();
        process.stdin.once('end', () => resolve());
      });
      await server.connect(new StdioServerTransport());
      context.stderr(
        `Sextant MCP server on stdio: user ${session.userId}, account ${session.account} on ${session.deps.env.chain.name}.\n`,
      );
      await closed;
      await server.close();
      return 0;
    },
  };
}
