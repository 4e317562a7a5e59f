/**
 * An agent using Sextant over the Model Context Protocol (@modelcontextprotocol/sdk's client, streamable
 * HTTP): list the tools, read the balances, build a plan with its simulated preview, and ask for its
 * execution. No tool executes anything: the user confirms the plan in Sextant itself (the chat page,
 * or `sextant plans confirm ID`), and only then does execute_plan report the execution. With a server
 * running (`npm start`, another terminal):
 *
 *   npx tsx examples/mcp-client.ts "wrap 0.1 ETH"              # builds the plan; execute_plan refuses
 *   npx tsx examples/mcp-client.ts "wrap 0.1 ETH" --wait 120   # and waits for the user to confirm it
 *
 * The token is the MCP token, from `sextant token --mcp --json` (or SEXTANT_MCP_TOKEN, with
 * SEXTANT_MCP_URL for the endpoint): it builds and reads plans, and can never confirm one.
 */
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { sextantToken } from './sextant-token.ts';

export type McpExampleResult = {
  tools: string[];
  account: string;
  /** build_plan's answer: its kind, the assistant's words, the plan with its preview, how to execute it. */
  built: {
    kind: string;
    text: string;
    plan: { id: string; status: string; preview: { changes: { symbol: string; amount: string }[] } } | null;
    toExecute?: string;
  };
  /** execute_plan's answer: the execution once the user confirmed the plan, or the refusal saying how. */
  executed: { isError: boolean; body: Record<string, unknown> } | undefined;
};

/** A tool's answer: Sextant answers every tool with JSON text (an error too, with isError). */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.find((part) => part.type === 'text')?.text ?? 'null';
  return { isError: result.isError === true, body: JSON.parse(text) as Record<string, unknown> };
}

export async function main(options: {
  /** Sextant's MCP endpoint, e.g. http://127.0.0.1:8787/mcp. */
  url: string;
  /** The MCP token (`sextant token --mcp`). */
  token: string;
  message: string;
  /** How long execute_plan waits for the user to confirm the plan and for its execution to land. */
  waitSeconds?: number;
  /** Told the plan's id once it is built: where a front end would show the user what to confirm. */
  onPlan?: (planId: string) => void | Promise<void>;
  log?: (line: string) => void;
}): Promise<McpExampleResult> {
  const log = options.log ?? console.log;
  const client = new Client({ name: 'sextant-example', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(options.url), {
      requestInit: { headers: { authorization: `Bearer ${options.token}` } },
    }),
  );
  try {
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    log(`tools: ${tools.join(', ')}`);

    const balances = await call(client, 'get_balances');
    const held = (balances.body.balances as { symbol: string; amount: string }[]).filter((b) => b.amount !== '0');
    log(`account ${balances.body.account}: ${held.map((b) => `${b.amount} ${b.symbol}`).join(', ') || 'empty'}`);

    const built = await call(client, 'build_plan', { message: options.message });
    if (built.isError) throw new Error(`build_plan: ${JSON.stringify(built.body)}`);
    const answer = built.body as McpExampleResult['built'];
    log(`Sextant (${answer.kind}): ${answer.text}`);
    if (answer.kind !== 'plan' || !answer.plan) {
      return { tools, account: balances.body.account as string, built: answer, executed: undefined };
    }
    for (const change of answer.plan.preview.changes) log(`  change: ${change.amount} ${change.symbol}`);
    log(`to execute: ${answer.toExecute}`);
    await options.onPlan?.(answer.plan.id);

    // Refused until the user confirms in Sextant; then the execution, once it has landed.
    const executed = await call(client, 'execute_plan', {
      planId: answer.plan.id,
      waitSeconds: options.waitSeconds ?? 0,
    });
    log(executed.isError ? `execute_plan: ${executed.body.error}` : `execute_plan: ${JSON.stringify(executed.body)}`);
    return { tools, account: balances.body.account as string, built: answer, executed };
  } finally {
    await client.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const waitAt = args.indexOf('--wait');
  const waitSeconds = waitAt >= 0 ? Number(args[waitAt + 1]) : 0;
  const message =
    args.filter((_arg, i) => waitAt < 0 || (i !== waitAt && i !== waitAt + 1)).join(' ') || 'wrap 0.1 ETH';
  const issued = process.env.SEXTANT_MCP_TOKEN ? undefined : await sextantToken({ mcp: true });
  const token = process.env.SEXTANT_MCP_TOKEN ?? issued?.token ?? '';
  const url = process.env.SEXTANT_MCP_URL ?? issued?.url ?? 'http://127.0.0.1:8787/mcp';
  await main({ url, token, message, waitSeconds });
}
