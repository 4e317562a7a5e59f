import { type Address, erc20Abi } from 'viem';
import { describe, expect, it, vi } from 'vitest';
import { getPlan } from '../agent-core/plan/store.ts';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { manifestToChain } from '../devnet/manifest.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { newUser, TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { unlockedKeys } from '../smart-accounts/unlocked-keys.ts';
import { accessToken } from './access.ts';
import { testAgentApp } from './testing/agent-app.ts';
import { FaucetResponseSchema, LockResponseSchema, UnlockResponseSchema } from './views.ts';

const manifest = testDevnet();
/** How long an unlocked key may go unused here: short, so the test sees it dropped. */
const IDLE_MS = 2_000;

/**
 * A server started without SEXTANT_PASSPHRASE, on the devnet: confirming never waits on a terminal.
 * It answers 423 at once, the user unlocks the owner key over their session (a wrong passphrase is a
 * 403), the confirmation then executes, and the key is dropped after the idle time.
 */
describe('a server without SEXTANT_PASSPHRASE', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const bob = await newUser(deps.env);
  const users = new Map([alice, bob].map((user) => [user.userId, user]));
  const keys = unlockedKeys(deps.db, { idleMs: IDLE_MS });
  const { app, dataDir } = testAgentApp(manifest, deps, [alice], {
    keys,
    // The runtime's own wiring (app/runtime.ts): the server signs only with what `keys` holds.
    agent: {
      agent: deps,
      userAccount: async (userId) => {
        const user = users.get(userId);
        if (!user) throw new Error(`No test user ${userId}.`);
        return { owner: user.owner.address, account: user.account };
      },
      unlock: (userId) => keys.forSigning(userId),
    },
  });
  const token = accessToken(dataDir, alice.userId);
  const headers = (bearer: string) => ({ authorization: `Bearer ${bearer}`, 'content-type': 'application/json' });
  const post = (path: string, body: unknown, bearer = token) =>
    app.request(path, { method: 'POST', headers: headers(bearer), body: JSON.stringify(body) });
  const weth = manifest.tokens.find((t) => t.symbol === 'WETH')?.address as Address;
  const wethOf = (account: Address) =>
    deps.env.publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [account] });

  /** A fresh "wrap 1 ETH" plan of alice's, through the chat route. */
  async function wrapPlan(): Promise<string> {
    const text = await (await post('/v1/chat', { message: 'wrap 1 ETH' })).text();
    const planId = /"planId":"([^"]+)"/.exec(text)?.[1];
    expect(planId, text).toBeDefined();
    return planId as string;
  }

  /** Confirms, and measures how long the answer took. */
  async function confirm(planId: string) {
    const started = Date.now();
    const response = await post(`/v1/plans/${planId}/confirm`, {});
    return {
      status: response.status,
      body: (await response.json()) as { code?: string; error?: string; execution?: { status: string } },
      ms: Date.now() - started,
    };
  }

  it('answers confirm with 423 at once, refuses a wrong passphrase with 403, and executes once unlocked', async () => {
    const planId = await wrapPlan();
    const before = await wethOf(alice.account);

    const locked = await confirm(planId);
    expect(locked.status).toBe(423);
    expect(locked.body).toMatchObject({ code: 'passphrase-required', error: expect.stringContaining('passphrase') });
    // No terminal is waited on: the answer comes within a few seconds (it is immediate in practice).
    expect(locked.ms).toBeLessThan(3_000);
    // Nothing was reserved: the plan can still be confirmed.
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('proposed');

    for (const wrong of ['not the passphrase at all', 'short']) {
      const refused = await post('/v1/session/unlock', { passphrase: wrong });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'wrong-passphrase', error: expect.any(String) });
    }
    expect((await post('/v1/session/unlock', {})).status).toBe(400);
    expect(keys.isUnlocked(alice.userId)).toBe(false);
    expect((await confirm(planId)).status).toBe(423);

    const unlocked = await post('/v1/session/unlock', { passphrase: TEST_PASSPHRASE });
    expect(unlocked.status).toBe(200);
    expect(UnlockResponseSchema.parse(await unlocked.json())).toMatchObject({ owner: alice.owner.address });

    const executed = await confirm(planId);
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);
    expect(executed.body.execution).toMatchObject({ status: 'succeeded', txHash: expect.stringMatching(/^0x/) });
    // On chain: the account holds exactly 1 WETH more.
    expect((await wethOf(alice.account)) - before).toBe(10n ** 18n);
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('confirmed');
  });

  it('asks again once the key has gone unused for the idle time, and at once after a lock', async () => {
    // The idle clock is a timer: faked while the key is open, so the test moves it past the idle time at once.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      expect((await post('/v1/session/unlock', { passphrase: TEST_PASSPHRASE })).status).toBe(200);
      vi.advanceTimersByTime(IDLE_MS + 500);
    } finally {
      vi.useRealTimers();
    }
    expect(keys.isUnlocked(alice.userId)).toBe(false);
    const planId = await wrapPlan();
    const asked = await confirm(planId);
    expect(asked.status).toBe(423);
    expect(asked.body.code).toBe('passphrase-required');

    // POST /v1/session/lock drops it before the idle time.
    expect((await post('/v1/session/unlock', { passphrase: TEST_PASSPHRASE })).status).toBe(200);
    const locked = await post('/v1/session/lock', {});
    expect(locked.status).toBe(200);
    expect(LockResponseSchema.parse(await locked.json())).toEqual({ unlocked: false });
    expect((await confirm(planId)).status).toBe(423);
    expect(getPlan(deps.db, alice.userId, planId)?.status).toBe('proposed');
  });

  it('restarts the idle clock on every use', async () => {
    // The idle clock's timers, faked: the test moves them exactly, instead of sleeping through them.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await keys.unlock(alice.userId, TEST_PASSPHRASE);
      vi.advanceTimersByTime(IDLE_MS * 0.6);
      await keys.forSigning(alice.userId);
      vi.advanceTimersByTime(IDLE_MS * 0.6);
      // 1.2 idle times since the unlock, 0.6 since the last use: still open.
      expect((await keys.forSigning(alice.userId)).address).toBe(alice.owner.address);
      vi.advanceTimersByTime(IDLE_MS + 300);
      await expect(keys.forSigning(alice.userId)).rejects.toMatchObject({ code: 'passphrase-required' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses the MCP token (403) and limits tries to 10 a minute per user', async () => {
    const mcpToken = accessToken(dataDir, alice.userId, 'mcp');
    const byAgent = await post('/v1/session/unlock', { passphrase: TEST_PASSPHRASE }, mcpToken);
    expect(byAgent.status).toBe(403);
    expect(keys.isUnlocked(alice.userId)).toBe(false);

    // Bob guesses: the eleventh try within the minute is a 429, even with the right passphrase.
    const bobToken = accessToken(dataDir, bob.userId);
    for (let i = 0; i < 10; i++) {
      expect((await post('/v1/session/unlock', { passphrase: `guess number ${i}` }, bobToken)).status).toBe(403);
    }
    expect((await post('/v1/session/unlock', { passphrase: TEST_PASSPHRASE }, bobToken)).status).toBe(429);
    expect(keys.isUnlocked(bob.userId)).toBe(false);
  });
});

describe('POST /v1/faucet', async () => {
  const deps = await testAgent(manifest);
  const carol = await fundedAgentUser(deps, manifest, '0');
  const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address; decimals: number };
  const usdcOf = (account: Address) =>
    deps.env.publicClient.readContract({
      address: usdc.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [account],
    });

  it("funds the signed-in user's account on the devnet, and is refused to the MCP token", async () => {
    const { app, token, dataDir } = testAgentApp(manifest, deps, [carol]);
    const before = {
      eth: await deps.env.publicClient.getBalance({ address: carol.account }),
      usdc: await usdcOf(carol.account),
    };
    const response = await app.request('/v1/faucet', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(FaucetResponseSchema.parse(await response.json())).toMatchObject({
      account: carol.account,
      given: expect.arrayContaining([
        { symbol: 'ETH', amount: '10' },
        { symbol: 'USDC', amount: '10000' },
      ]),
    });
    expect((await deps.env.publicClient.getBalance({ address: carol.account })) - before.eth).toBe(10n * 10n ** 18n);
    expect((await usdcOf(carol.account)) - before.usdc).toBe(10_000n * 10n ** BigInt(usdc.decimals));

    const mcpToken = accessToken(dataDir, carol.userId, 'mcp');
    const byAgent = await app.request('/v1/faucet', {
      method: 'POST',
      headers: { authorization: `Bearer ${mcpToken}` },
    });
    expect(byAgent.status).toBe(403);
  });

  it('is a 404 that says why on any other chain', async () => {
    const { app, token } = testAgentApp(manifest, deps, [carol], {
      chain: { ...manifestToChain(manifest), slug: 'base', name: 'Base' },
    });
    const before = await usdcOf(carol.account);
    const response = await app.request('/v1/faucet', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining('devnet only') });
    expect(await usdcOf(carol.account)).toBe(before);
  });
});
