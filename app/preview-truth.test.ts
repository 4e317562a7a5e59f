import { type Address, erc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { newUser } from '../smart-accounts/testing/environment.ts';
import { accessToken } from './access.ts';
import { testAgentApp } from './testing/agent-app.ts';

const manifest = testDevnet();
const pool = manifest.contracts.aaveV3.pool;
const weth = manifest.contracts.weth;

type Change = { symbol: string; amount: string; usd: number | null; kind: string; description: string };
type PlanView = {
  id: string;
  preview: {
    ok: boolean;
    changes: Change[];
    approvals: { token: string; spender: string; amount: string; remaining: string }[];
    valueOutUsd: number;
  };
};

/** One chat turn through the API: the words said, the reply's kind and the plan, if any. */
async function chat(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  token: string,
  message: string,
) {
  const response = await app.request('/v1/chat', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
  expect(response.status).toBe(200);
  const frames = (await response.text())
    .split('\n\n')
    .filter((frame) => frame.trim())
    .map((frame) => ({
      event: /^event: (.*)$/m.exec(frame)?.[1] ?? 'message',
      data: JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null'),
    }));
  const text = frames
    .filter((f) => f.event === 'text')
    .map((f) => f.data.delta)
    .join('');
  const done = frames.find((f) => f.event === 'done')?.data as { kind: string };
  const plan = frames.find((f) => f.event === 'plan')?.data?.plan as PlanView | undefined;
  return { text, kind: done?.kind, plan };
}

describe('the money view through the API, on the devnet', async () => {
  const deps = await testAgent(manifest);
  const empty = await newUser(deps.env);
  const emptyUser = { ...empty, ownerAddress: empty.owner.address };
  const eightEth = await fundedAgentUser(deps, manifest, '8');
  const saver = await fundedAgentUser(deps, manifest);
  const { app, dataDir } = testAgentApp(manifest, deps, [emptyUser, eightEth, saver]);
  const tokenOf = (userId: string) => accessToken(dataDir, userId);
  const allowance = (token: Address, owner: Address) =>
    deps.env.publicClient.readContract({
      address: token,
      abi: erc20Abi,
      functionName: 'allowance',
      args: [owner, pool],
    });

  const confirm = async (userId: string, planId: string | undefined) => {
    const confirmed = await app.request(`/v1/plans/${planId}/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenOf(userId)}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return ((await confirmed.json()) as { execution?: { status: string } }).execution?.status;
  };

  it('an empty account asking "swap 100 USDC for ETH" is told USDC is missing, how much, and how to get it', async () => {
    const reply = await chat(app, tokenOf(empty.userId), 'swap 100 USDC for ETH');
    expect(reply.kind).toBe('not-offered');
    expect(reply.plan).toBeUndefined();
    expect(reply.text).toContain('USDC: the plan needs 100, the account holds 0.');
    expect(reply.text).toMatch(/`sextant faucet`.*Get test funds/);
    expect(reply.text).not.toMatch(/STF|call \d of \d/);
  });

  it('"swap 1000 ETH for USDC" with 8 ETH names ETH, the need and the holding, not "reverted without a reason"', async () => {
    const reply = await chat(app, tokenOf(eightEth.userId), 'swap 1000 ETH for USDC');
    expect(reply.kind).toBe('not-offered');
    expect(reply.text).toContain('ETH: the plan needs 1000, the account holds 8.');
    expect(reply.text).toMatch(/`sextant faucet`.*Get test funds/);
    expect(reply.text).not.toMatch(/without a reason/);
  });

  it('"supply 0.1 WETH to aave" previews 0 left of its allowance, which is what the chain holds after it runs', async () => {
    const reply = await chat(app, tokenOf(saver.userId), 'supply 0.1 WETH to aave');
    expect(reply.kind, reply.text).toBe('plan');
    const approval = reply.plan?.preview.approvals.find((a) => a.spender.toLowerCase() === pool.toLowerCase());
    expect(approval).toMatchObject({ amount: '0.1', remaining: '0' });
    const supplied = reply.plan?.preview.changes.find((c) => c.kind === 'supplied');
    expect(supplied).toMatchObject({ amount: '0.1', description: 'Your Aave V3 supply grows by 0.1 WETH' });
    expect(supplied?.usd).toBeGreaterThan(250);

    expect(await confirm(saver.userId, reply.plan?.id)).toBe('succeeded');
    const onChain = await allowance(weth, saver.account);
    expect(onChain).toBe(0n);
    expect(String(onChain)).toBe(approval?.remaining);
  });

  it('"wrap 1 ETH and supply it to aave" previews the allowance the chain will hold: none', async () => {
    const reply = await chat(app, tokenOf(saver.userId), 'wrap 1 ETH and supply it to aave');
    expect(reply.kind, reply.text).toBe('plan');
    expect(reply.plan?.preview.approvals).toEqual([expect.objectContaining({ amount: '1', remaining: '0' })]);
  });

  it('"borrow 500 USDC" previews the debt as owed, valued in USD as a loss, and counts it as value out', async () => {
    const collateral = await chat(app, tokenOf(saver.userId), 'supply 1 WETH to aave');
    expect(await confirm(saver.userId, collateral.plan?.id)).toBe('succeeded');
    const reply = await chat(app, tokenOf(saver.userId), 'borrow 500 USDC');
    expect(reply.kind, reply.text).toBe('plan');
    const changes = reply.plan?.preview.changes ?? [];
    const debt = changes.find((c) => c.kind === 'debt');
    expect(debt).toMatchObject({ amount: '500', usd: -500, description: 'You will owe 500 USDC on Aave V3' });
    // No green "+500 variableDebt…": the only gain shown is the USDC that arrives.
    expect(changes.filter((c) => (c.usd ?? 0) > 0).map((c) => c.symbol)).toEqual(['USDC']);
    expect(reply.plan?.preview.valueOutUsd).toBe(500);

    // What the preview said is owed is what the chain says after it runs.
    expect(await confirm(saver.userId, reply.plan?.id)).toBe('succeeded');
    const usdcDebt = manifest.aaveV3Reserves.USDC?.variableDebtToken as Address;
    const owed = await deps.env.publicClient.readContract({
      address: usdcDebt,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [saver.account],
    });
    expect(owed).toBeGreaterThanOrEqual(500_000_000n);
    expect(owed).toBeLessThan(500_001_000n); // a block or two of interest at most
  });
});
