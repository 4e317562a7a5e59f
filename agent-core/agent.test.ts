import { type Address, erc20Abi, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { listExecutions } from '../smart-accounts/executions.ts';
import { newUser } from '../smart-accounts/testing/environment.ts';
import { saveAddress } from './address-book.ts';
import { confirmPlan, handleMessage } from './agent.ts';
import { getPlan } from './plan/store.ts';
import { updatePolicy } from './policy/policy.ts';
import { fundedAgentUser, testAgent } from './testing/agent.ts';

const manifest = testDevnet();
const tokenAddress = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;

describe('the agent, from a message to a landed execution on the devnet', async () => {
  const deps = await testAgent(manifest);
  const balances = async (account: Address) => {
    const result: Record<string, bigint> = { ETH: await deps.env.publicClient.getBalance({ address: account }) };
    for (const token of manifest.tokens) {
      result[token.symbol] = await deps.env.publicClient.readContract({
        address: token.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [account],
      });
    }
    return result;
  };

  type User = Awaited<ReturnType<typeof fundedAgentUser>>;
  /** The user's message to the agent, optionally continuing a conversation. */
  const say = (user: User, text: string, conversationId?: string) =>
    handleMessage(deps, {
      userId: user.userId,
      owner: user.ownerAddress,
      account: user.account,
      text,
      ...(conversationId ? { conversationId } : {}),
    });

  /** Sends a message, confirms the plan, and checks every token moved as the preview said (ETH: plus gas). */
  async function runAndCheck(
    user: Awaited<ReturnType<typeof fundedAgentUser>>,
    text: string,
    allowNewRecipients = false,
  ) {
    const reply = await say(user, text);
    expect(reply.kind, reply.text).toBe('plan');
    const plan = reply.plan;
    if (!plan) throw new Error('no plan');
    const before = await balances(user.account);
    const record = await confirmPlan(deps, {
      userId: user.userId,
      planId: plan.id,
      owner: user.owner,
      allowNewRecipients,
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(record.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    const after = await balances(user.account);
    for (const token of manifest.tokens) {
      const shown = plan.preview.changes.find((c) => c.token.toLowerCase() === token.address.toLowerCase());
      const moved = (after[token.symbol] ?? 0n) - (before[token.symbol] ?? 0n);
      if (!shown) {
        expect(moved, `${token.symbol} moved though the preview showed no change`).toBe(0n);
        continue;
      }
      // Exact where the amount is fixed; a swap's output may differ from the simulation by price moves of other tests.
      const predicted = BigInt(shown.baseUnits);
      const tolerance = (predicted < 0n ? -predicted : predicted) / 100n;
      expect(
        moved >= predicted - tolerance && moved <= predicted + tolerance,
        `${token.symbol}: moved ${moved}, preview ${predicted}`,
      ).toBe(true);
    }
    return { reply, plan, record };
  }

  it('a plan made on one chain is not confirmed by Sextant running on another: refused, nothing sent, nothing moved', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const reply = await say(user, 'send 10 USDC to 0x000000000000000000000000000000000000bEEF');
    const plan = reply.plan;
    if (!plan) throw new Error(reply.text);
    const before = await balances(user.account);
    // The same database and keys, with Sextant started on another chain (CHAIN=…).
    const elsewhere = {
      ...deps,
      env: { ...deps.env, chain: { ...deps.env.chain, chainId: 31_338, name: 'Another chain' } },
    };
    await expect(
      confirmPlan(elsewhere, { userId: user.userId, planId: plan.id, owner: user.owner, allowNewRecipients: true }),
    ).rejects.toThrow(
      /this plan was built and previewed on chain \d+, and Sextant runs on Another chain \(chain 31338\) now/,
    );
    expect(await balances(user.account)).toEqual(before);
    expect(listExecutions(deps.db, user.userId)).toEqual([]);
  });

  it('"swap 100 USDC for ETH"', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const { plan } = await runAndCheck(user, 'swap 100 USDC for ETH');
    expect(plan.steps.map((s) => s.skillId)).toEqual(['uniswap-v3/swap']);
    expect(plan.preview.changes.find((c) => c.symbol === 'USDC')?.amount).toBe('-100');
    // The exact approval the swap needs, granted to SwapRouter02 and spent to the last unit.
    expect(plan.preview.approvals).toEqual([
      expect.objectContaining({ symbol: 'USDC', spender: manifest.contracts.uniswapV3.swapRouter02, amount: '100' }),
    ]);
    expect(plan.preview.gas.feeUsd).toBeGreaterThan(0);
  });

  it('"send 0.1 ETH to 0x…" — a new recipient needs an explicit yes', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const reply = await say(user, `send 0.1 ETH to ${recipient}`);
    expect(reply.plan?.newRecipients).toEqual([recipient]);
    await expect(
      confirmPlan(deps, { userId: user.userId, planId: reply.plan?.id as string, owner: user.owner }),
    ).rejects.toThrow(/never been paid/);
    const record = await confirmPlan(deps, {
      userId: user.userId,
      planId: reply.plan?.id as string,
      owner: user.owner,
      allowNewRecipients: true,
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await deps.env.publicClient.getBalance({ address: recipient })).toBe(parseEther('0.1'));
  });

  it('"supply 500 DAI to Aave", then "borrow 100 USDC"', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const supplied = await runAndCheck(user, 'supply 500 DAI to Aave');
    expect(supplied.plan.steps[0]?.skillId).toBe('aave-v3/supply');
    expect(supplied.plan.preview.changes.find((c) => c.symbol === 'DAI')?.amount).toBe('-500');
    const borrowed = await runAndCheck(user, 'borrow 100 USDC');
    expect(borrowed.plan.steps[0]?.skillId).toBe('aave-v3/borrow');
    expect(borrowed.plan.preview.changes.find((c) => c.symbol === 'USDC')?.amount).toBe('100');
    expect(borrowed.plan.steps[0]?.quote?.values.healthFactorAfter).toBeDefined();
  });

  it('"supply 1 ETH to aave" wraps it first, in the same bundle', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const aWeth = manifest.aaveV3Reserves.WETH?.aToken as Address;
    const before = await deps.env.publicClient.readContract({
      address: aWeth,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [user.account],
    });
    const { plan } = await runAndCheck(user, 'supply 1 ETH to aave');
    expect(plan.steps.map((s) => s.skillId)).toEqual(['weth/wrap', 'aave-v3/supply']);
    const after = await deps.env.publicClient.readContract({
      address: aWeth,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [user.account],
    });
    // The aToken grows by the supply (1 WETH), give or take a wei of Aave's rounding.
    expect(after - before >= parseEther('1') - 1n).toBe(true);
  });

  it('"swap 100 DAI for WBTC" goes through WETH when there is no direct pool, and leaves no WETH behind', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const wethBefore = (await balances(user.account)).WETH;
    const { plan } = await runAndCheck(user, 'swap 100 DAI for WBTC');
    expect(plan.steps.map((s) => s.skillId)).toEqual(['uniswap-v3/swap', 'uniswap-v3/swap']);
    // The second swap sells all the WETH the first bought, not only its minimum.
    expect(plan.preview.changes.find((c) => c.symbol === 'WETH')).toBeUndefined();
    expect((await balances(user.account)).WETH).toBe(wethBefore);
    expect(plan.preview.changes.find((c) => c.symbol === 'DAI')?.amount).toBe('-100');
    expect(BigInt(plan.preview.changes.find((c) => c.symbol === 'WBTC')?.baseUnits ?? '0') > 0n).toBe(true);
  });

  it('"wrap 1 ETH"', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const { plan } = await runAndCheck(user, 'wrap 1 ETH');
    expect(plan.preview.changes.find((c) => c.symbol === 'WETH')?.amount).toBe('1');
  });

  it('"wrap 5 USDC" is not wrapped as 5 ETH: a skill that takes no token refuses another one named', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const reply = await say(user, 'wrap 5 USDC');
    expect(reply.plan).toBeUndefined();
    expect(reply.text).toMatch(/moves only ETH; USDC .*cannot/);
  });

  it('"swap half my ETH to USDC and supply it to Aave": the supply is all the swap brought in, none left idle', async () => {
    const user = await fundedAgentUser(deps, manifest, '2');
    const usdc = tokenAddress('USDC');
    const usdcBefore = (await balances(user.account)).USDC ?? 0n;
    const { plan } = await runAndCheck(user, 'swap half my ETH to USDC and supply it to Aave');
    expect(plan.steps.map((s) => s.skillId)).toEqual(['uniswap-v3/swap', 'aave-v3/supply']);
    // Half of (2 ETH less the gas reserve); the supply is built with the swap's minimum output and
    // runs with what the swap actually returned (the guard's forwardReceived).
    expect(plan.steps[1]?.summary).toMatch(/Supply [\d.]+ USDC/);
    expect(plan.preview.guard?.checks).toContainEqual(
      expect.stringMatching(/^USDC: step 2 takes all that arrived \(at least [\d.]+ USDC\)/),
    );
    expect(plan.preview.changes.find((c) => c.token === usdc)).toBeUndefined();
    // On chain: no USDC idle in the wallet, and the supply is more than the minimum it was built with.
    expect((await balances(user.account)).USDC).toBe(usdcBefore);
    const supplied = plan.preview.changes.find((c) => c.kind === 'supplied');
    const minimum = /Supply ([\d.]+) USDC/.exec(plan.steps[1]?.summary ?? '')?.[1];
    expect(Number(supplied?.amount)).toBeGreaterThan(Number(minimum));
  });

  it('lets a step spend what the step before it receives, and counts a transfer once', async () => {
    // An account with ETH and nothing else: the supply spends only what the swap brings in.
    const user = await newUser(deps.env);
    const request = deps.env.publicClient.request as unknown as (args: {
      method: string;
      params: unknown[];
    }) => Promise<unknown>;
    await request({ method: 'anvil_setBalance', params: [user.account, `0x${parseEther('2').toString(16)}`] });
    const chained = await handleMessage(deps, {
      userId: user.userId,
      owner: user.owner.address,
      account: user.account,
      text: 'swap 1 ETH to USDC and supply it to Aave',
    });
    expect(chained.kind, chained.text).toBe('plan');
    const record = await confirmPlan(deps, {
      userId: user.userId,
      planId: chained.plan?.id as string,
      owner: user.owner,
    });
    expect(record.status, record.error ?? '').toBe('succeeded');

    // 6,000 of 10,000 USDC: the transfer's bound and the transfer call are the same 6,000, not 12,000.
    const rich = await fundedAgentUser(deps, manifest);
    saveAddress(deps.db, rich.userId, 'carol', privateKeyToAccount(generatePrivateKey()).address);
    updatePolicy(deps.db, rich.userId, { maxPlanUsd: 20_000 });
    const big = await say(rich, 'send 6000 USDC to carol');
    const sent = await confirmPlan(deps, { userId: rich.userId, planId: big.plan?.id as string, owner: rich.owner });
    expect(sent.status, sent.error ?? '').toBe('succeeded');
  });

  it('refuses a plan over the policy limit, naming the rule', async () => {
    const user = await fundedAgentUser(deps, manifest);
    updatePolicy(deps.db, user.userId, { maxPlanUsd: 50 });
    const reply = await say(user, 'send 100 USDC to 0x000000000000000000000000000000000000dEaD');
    expect(reply.kind).toBe('refused');
    expect(reply.text).toMatch(/over your limit of \$50 per plan.*maxPlanUsd/);
    await expect(
      confirmPlan(deps, {
        userId: user.userId,
        planId: reply.plan?.id as string,
        owner: user.owner,
        allowNewRecipients: true,
      }),
    ).rejects.toThrow(/refused/);
  });

  it('does not offer a plan the account cannot pay for, naming the token, the need and the holding', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const reply = await say(user, 'send 20000 USDC to 0x000000000000000000000000000000000000dEaD');
    expect(reply.kind).toBe('not-offered');
    // Told before any simulation (a plan that reverts in simulation: plan/preview.test.ts).
    expect(reply.plan).toBeUndefined();
    expect(reply.text).toMatch(/^USDC: the plan needs 20000, the account holds 10000\. .*sextant faucet/);
  });

  it('pays an address-book label without asking about a new recipient', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const friend = privateKeyToAccount(generatePrivateKey()).address;
    saveAddress(deps.db, user.userId, 'alice', friend);
    const { plan } = await runAndCheck(user, 'send 5 USDC to alice');
    expect(plan.newRecipients).toEqual([]);
    const paid = await deps.env.publicClient.readContract({
      address: tokenAddress('USDC'),
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [friend],
    });
    expect(paid).toBe(5_000_000n);
    const unknown = await say(user, 'send 5 USDC to bob');
    expect(unknown.kind).toBe('clarify');
    expect(unknown.text).toMatch(/Who is "bob"/);
  });

  it('completes a clarify round trip in one conversation', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const first = await say(user, 'swap 100 USDC');
    expect(first.kind).toBe('clarify');
    expect(first.text).toMatch(/Which token do you want to receive/);
    const second = await say(user, 'DAI', first.conversationId);
    expect(second.kind, second.text).toBe('plan');
    expect(second.plan?.steps[0]?.summary).toMatch(/Swap 100 USDC for at least [\d.]+ DAI/);
  });

  it('asks about the part the answer will fill: a bare "swap" answered "DAI" sells DAI, as asked', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const first = await say(user, 'swap');
    expect(first.kind).toBe('clarify');
    // The question names the part the answer fills (before, the parser's "receive?" was shown while
    // the sold side was the one pending, so "DAI" would have been sold unasked).
    expect(first.text).toMatch(/Which token do you want to sell/);
    const second = await say(user, 'DAI', first.conversationId);
    expect(second.kind).toBe('clarify');
    expect(second.text).not.toMatch(/sell/);
  });

  it('executes a double confirmation once', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const reply = await say(user, 'wrap 0.5 ETH');
    const planId = reply.plan?.id as string;
    const [a, b] = await Promise.all([
      confirmPlan(deps, { userId: user.userId, planId, owner: user.owner }),
      confirmPlan(deps, { userId: user.userId, planId, owner: user.owner }),
    ]);
    expect(a.id).toBe(b.id);
    const weth = await deps.env.publicClient.readContract({
      address: tokenAddress('WETH'),
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [user.account],
    });
    expect(weth).toBe(parseEther('5.5'));
  });

  it('keeps a referrer on the plan, checksummed, and refuses one that is not an address before anything is recorded', async () => {
    const user = await fundedAgentUser(deps, manifest);
    const ask = (referrer: string) =>
      handleMessage(deps, {
        userId: user.userId,
        owner: user.ownerAddress,
        account: user.account,
        text: 'wrap 0.1 ETH',
        referrer,
      });
    await expect(ask('frontend.example')).rejects.toThrow(/Referrer "frontend.example" is not an Ethereum address/);
    // Mixed case that does not match its checksum: a typo.
    await expect(ask('0x5C0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90')).rejects.toThrow(/checksum/);
    for (const table of ['agent_plans', 'agent_conversations']) {
      expect(deps.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`).get(user.userId)).toEqual({
        n: 0,
      });
    }

    const reply = await ask('0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90');
    expect(getPlan(deps.db, user.userId, reply.plan?.id as string)?.referrer).toBe(
      '0x5c0FF1c1a1B2C3D4E5f60718293A4B5C6d7E8F90',
    );
    const direct = await say(user, 'wrap 0.1 ETH');
    expect(getPlan(deps.db, user.userId, direct.plan?.id as string)?.referrer).toBeNull();
  });
});
