import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import { type AgentDeps, handleMessage } from '../agent-core/agent.ts';
import { listOrders } from '../agent-core/orders/store.ts';
import { delegatorUser } from '../agent-core/orders/testing/delegator-user.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { loadSettings } from '../common/settings.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { devnetNetwork, TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { serverRuntime } from './runtime.ts';

/**
 * A standing order said in chat, to the agent as the server assembles it (serverRuntime, with the
 * passphrase that seals agent keys): the chat proposes it itself, nothing signed or sent, and the
 * answer gives the grant in words and how to grant it. A proposal the orders refuse (an address off
 * the DeleGator) is said with its reason and the command; a claim order needs no DeleGator; the same
 * server without the passphrase proposes nothing and names the command.
 */
const manifest = testDevnet();
const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
const router = manifest.contracts.uniswapV3.swapRouter02;

describe('standing orders said in chat, on the server', async () => {
  const probe = await testAgent(manifest);
  const settings = loadSettings({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'sextant-chat-orders-')),
    CHAIN: 'devnet',
    OLLAMA_HOST: 'http://127.0.0.1:9',
  });
  const runtime = await serverRuntime(probe.db, devnetNetwork(manifest), settings, TEST_PASSPHRASE);
  const deps: AgentDeps = { ...runtime.agent.agent, parse: probe.parse };
  const client = deps.env.publicClient;
  const say = (user: { userId: string; ownerAddress: Address; account: Address }, text: string, on = deps) =>
    handleMessage(on, { userId: user.userId, owner: user.ownerAddress, account: user.account, text });

  it('proposes the order it reads, with nothing signed or sent, and says how to grant it', async () => {
    const user = await delegatorUser(deps.env, manifest);
    const sent = await client.getTransactionCount({ address: user.account });
    const reply = await say(user, 'swap 50 USDC into ETH every day for 3 days');
    expect(reply.kind).toBe('answer');
    expect(reply.plan).toBeUndefined();
    const [order, ...others] = listOrders(deps.db, user.userId);
    expect(others).toEqual([]);
    expect(order).toMatchObject({ kind: 'daily-swap', status: 'proposed', account: user.account });
    expect(order?.kind === 'daily-swap' && order.terms.amountIn).toBe(50_000_000n);
    expect(order?.kind === 'daily-swap' && order.terms.days).toBe(3);
    expect(reply.text).toContain(`I proposed it as order ${order?.id}, with nothing signed: Sextant may swap 50 USDC`);
    expect(reply.text).toContain(`\`sextant orders confirm ${order?.id}\``);
    // Proposed is all: no allowance, no delegation, no transaction from the address.
    expect(
      await client.readContract({
        address: usdc.address,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [user.account, router],
      }),
    ).toBe(0n);
    expect(await client.getTransactionCount({ address: user.account })).toBe(sent);
  });

  it('says why it could not propose, with the command, for an address off the DeleGator; a claim order needs none', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const swap = await say(user, 'swap 50 USDC into ETH every day for 3 days');
    expect(swap.text).toContain(
      "It could not be proposed here: Standing orders run from your own address delegated to MetaMask's EIP-7702 DeleGator",
    );
    expect(swap.text).toContain('`sextant orders new --spend "50 USDC" --buy ETH --days 3`');
    expect(listOrders(deps.db, user.userId)).toEqual([]);
    const claim = await say(user, 'claim my rewards when an epoch settles');
    const [order] = listOrders(deps.db, user.userId);
    expect(order).toMatchObject({ kind: 'claim-rewards', status: 'proposed', account: user.account });
    expect(claim.text).toContain(`I proposed it as order ${order?.id}, with nothing signed: Sextant may claim`);
  });

  it('answers, proposing nothing, when the terms read do not fit an order (a token that is an address, an amount past 40 characters)', async () => {
    const user = await delegatorUser(deps.env, manifest);
    for (const text of [
      'swap 50 USDC into 0x1111111111111111111111111111111111111111 every day for 3 days',
      'swap 0.000000000000000000000000000000000000000001 USDC into ETH every day for 3 days',
    ]) {
      const reply = await say(user, text);
      expect(reply.kind, text).toBe('answer');
      expect(reply.text, text).toContain(
        'It could not be proposed here: The order read from your words does not fit one',
      );
      expect(reply.text, text).toContain('set it up with `sextant orders new --spend');
    }
    expect(listOrders(deps.db, user.userId)).toEqual([]);
  });

  it('proposes nothing without the passphrase, and names the command', async () => {
    const user = await delegatorUser(deps.env, manifest);
    const locked = await serverRuntime(probe.db, devnetNetwork(manifest), settings, '');
    expect(locked.agent.agent.proposeStandingOrder).toBeUndefined();
    const reply = await say(user, 'swap 50 USDC into ETH every day for 3 days', {
      ...locked.agent.agent,
      parse: probe.parse,
    });
    expect(reply.text).toContain('Set it up with `sextant orders new --spend "50 USDC" --buy ETH --days 3`');
    expect(listOrders(deps.db, user.userId)).toEqual([]);
  });
});
