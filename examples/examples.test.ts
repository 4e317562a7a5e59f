import { erc20Abi, formatEther, type PublicClient } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { getPlan } from '../agent-core/plan/store.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { listen } from '../app/server.ts';
import { testAgentApp } from '../app/testing/agent-app.ts';
import { findFreePort } from '../common/ports.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { main as httpApiExample } from './http-api.ts';
import { main as mcpClientExample } from './mcp-client.ts';
import { sextantToken } from './sextant-token.ts';

const manifest = testDevnet();
const weth = manifest.tokens.find((token) => token.symbol === 'WETH')?.address as `0x${string}`;

/** The account's WETH, on chain. */
const wethOf = (client: PublicClient, account: `0x${string}`) =>
  client.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [account] });

// Each example's main function, run against Sextant on the shared devnet (an in-process server on a
// free port, as app/api.test.ts starts it), with the tokens `sextant token` prints for that server.
describe('the examples, against a running Sextant', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const { app, dataDir } = testAgentApp(manifest, deps, [alice]);
  const port = await findFreePort();
  const server = await listen(app, '127.0.0.1', port);
  afterAll(() => server.close());
  // What a user's shell would hold: the server's settings, the user, the passphrase for their key.
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    SEXTANT_USER: alice.userId,
    SEXTANT_PASSPHRASE: 'a passphrase for tests',
  };
  const quiet = () => {};

  it('examples/http-api.ts: gets a token, sends a message, reads the preview, confirms, and the WETH arrives', async () => {
    const signIn = await sextantToken({ env });
    expect(signIn.user).toBe(alice.userId);
    expect(signIn.url).toBe(`${server.url}/?token=${signIn.token}`);
    const before = await wethOf(deps.env.publicClient, alice.account);

    const lines: string[] = [];
    const result = await httpApiExample({
      url: new URL(signIn.url).origin,
      token: signIn.token,
      message: 'wrap 0.1 ETH',
      confirm: true,
      log: (line) => lines.push(line),
    });

    expect(result.kind).toBe('plan');
    expect(result.plan?.preview.ok).toBe(true);
    expect(result.plan?.preview.changes).toContainEqual(expect.objectContaining({ symbol: 'WETH', amount: '0.1' }));
    expect(result.execution).toMatchObject({ status: 'succeeded', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(getPlan(deps.db, alice.userId, result.plan?.id as string)?.executionId).toBe(result.execution?.id);
    expect(formatEther((await wethOf(deps.env.publicClient, alice.account)) - before)).toBe('0.1');
    expect(lines.join('\n')).toMatch(/execution \S+: succeeded in 0x/);
  });

  it('examples/http-api.ts without --confirm: shows the plan and leaves it proposed', async () => {
    const signIn = await sextantToken({ env });
    const result = await httpApiExample({
      url: server.url,
      token: signIn.token,
      message: 'wrap 0.2 ETH',
      log: quiet,
    });
    expect(result.execution).toBeUndefined();
    expect(getPlan(deps.db, alice.userId, result.plan?.id as string)?.status).toBe('proposed');
  });

  it('examples/mcp-client.ts: builds a plan over MCP with the MCP token; execute_plan refuses until the user confirms', async () => {
    const issued = await sextantToken({ mcp: true, env });
    expect(issued.url).toBe(`${server.url}/mcp`);

    const refused = await mcpClientExample({
      url: issued.url,
      token: issued.token,
      message: 'wrap 0.3 ETH',
      log: quiet,
    });
    expect(refused.tools).toEqual(expect.arrayContaining(['build_plan', 'execute_plan', 'get_balances', 'get_plan']));
    expect(refused.account).toBe(alice.account);
    expect(refused.built.kind).toBe('plan');
    expect(refused.built.plan?.preview.changes).toContainEqual(
      expect.objectContaining({ symbol: 'WETH', amount: '0.3' }),
    );
    const planId = refused.built.plan?.id as string;
    expect(refused.executed).toMatchObject({
      isError: true,
      body: { error: expect.stringMatching(/not been confirmed/) },
    });
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('proposed');

    // The user confirms in Sextant while the agent waits in execute_plan: it then reports the execution.
    const before = await wethOf(deps.env.publicClient, alice.account);
    const signIn = await sextantToken({ env });
    let confirmed: Promise<Response> | undefined;
    const waited = await mcpClientExample({
      url: issued.url,
      token: issued.token,
      message: 'wrap 0.3 ETH',
      waitSeconds: 60,
      onPlan: (id) => {
        confirmed = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
          fetch(`${server.url}/v1/plans/${id}/confirm`, {
            method: 'POST',
            headers: { authorization: `Bearer ${signIn.token}`, 'content-type': 'application/json' },
            body: '{}',
          }),
        );
      },
      log: quiet,
    });
    expect((await confirmed)?.status).toBe(200);
    expect(waited.executed).toMatchObject({
      isError: false,
      body: { planId: waited.built.plan?.id, status: 'confirmed', execution: { status: 'succeeded' } },
    });
    expect(formatEther((await wethOf(deps.env.publicClient, alice.account)) - before)).toBe('0.3');
  });
});
