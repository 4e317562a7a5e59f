import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type Address, erc20Abi, formatEther, getAddress, parseAbi, parseEther } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { findFreePort } from '../common/ports.ts';
import { devnetClients, fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import type { AccountSummary } from '../smart-accounts/balances.ts';
import { accessToken } from './access.ts';
import { listen } from './server.ts';
import { testAgentApp } from './testing/agent-app.ts';

/**
 * Positions are part of the account (issue 17, item 1): after a supply, GET /v1/account lists the
 * aToken position valued with Aave's oracle and the total holds; after a borrow the debt is
 * subtracted and the health factor shown; the deposit pool's shares, the reward token and the ETH the
 * EntryPoint holds for the account's gas appear; and
 * MCP get_balances and "what's my balance?" in chat give the same answer.
 */

const manifest = testDevnet();

type AccountAnswer = AccountSummary & { user: string; address: string; owner: string };

/** Server-sent events as [event, data] pairs. */
async function events(response: Response): Promise<[string, unknown][]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.trim())
    .map((frame) => [
      /^event: (.*)$/m.exec(frame)?.[1] ?? 'message',
      JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null'),
    ]);
}

const within = (actual: number, expected: number, fraction: number) =>
  Math.abs(actual - expected) <= Math.abs(expected) * fraction;

describe('GET /v1/account: positions, debt and total value, on the devnet', async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  const { app, dataDir } = testAgentApp(manifest, deps, [alice]);
  const token = accessToken(dataDir, alice.userId);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = (path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
  const account = async () => (await (await app.request('/v1/account', { headers })).json()) as AccountAnswer;
  const ethUsd = (answer: AccountAnswer) => {
    const eth = answer.balances.find((b) => b.address === null);
    return (eth?.usd ?? 0) / Number(eth?.amount ?? 1);
  };
  /** Plans `message` in chat and confirms it; the fee the account paid, in USD. */
  async function run(message: string, ethPrice: number): Promise<number> {
    const stream = await events(await post('/v1/chat', { message }));
    const plan = (stream.find(([event]) => event === 'plan')?.[1] as { plan?: { id: string } } | undefined)?.plan;
    expect(plan, JSON.stringify(stream.filter(([e]) => e !== 'text'))).toBeDefined();
    const confirmed = (await (await post(`/v1/plans/${plan?.id}/confirm`, {})).json()) as {
      execution: { status: string; feePaid: string | null };
    };
    expect(confirmed.execution.status, JSON.stringify(confirmed)).toBe('succeeded');
    return Number(formatEther(BigInt(confirmed.execution.feePaid ?? '0'))) * ethPrice;
  }

  const { publicClient } = devnetClients(manifest);
  const server = await listen(app, '127.0.0.1', await findFreePort());
  afterAll(() => server.close());

  it('after "swap half my ETH to USDC and supply it to Aave": the aToken position with USD, the total within 0.5%', async () => {
    // The plan moves $15,000; the default limits ($10,000 a plan) would refuse it.
    const policy = await app.request('/v1/policy', {
      method: 'PUT',
      headers,
      body: JSON.stringify({ maxPlanUsd: 100_000, maxDailyUsd: 200_000 }),
    });
    expect(policy.status).toBe(200);

    const before = await account();
    expect(before.address).toBe(alice.account);
    // 15 ETH (10 + 5 WETH) at about $3,000, 30,000 in stablecoins, 0.5 WBTC at about $60,000.
    expect(within(before.totals.totalUsd, 105_000, 0.02), JSON.stringify(before.totals)).toBe(true);
    expect(before.positions).toEqual([]);
    expect(before.totals).toMatchObject({ positionsUsd: 0, debtUsd: 0 });
    expect(before.aave).toMatchObject({ healthFactor: null, collateralUsd: 0, debtUsd: 0 });
    // The reward token is listed even at zero; nothing unpriced is held yet.
    expect(before.balances.find((b) => b.reward)).toMatchObject({
      address: getAddress(manifest.contracts.emissions.rewardToken),
      amount: '0',
    });

    const fee = await run('swap half my ETH to USDC and supply it to Aave', ethUsd(before));
    const after = await account();
    const supplied = after.positions.find((p) => p.protocol === 'aave-v3' && p.kind === 'supplied');
    expect(supplied, JSON.stringify(after.positions)).toMatchObject({
      symbol: 'USDC',
      token: getAddress(manifest.aaveV3Reserves.USDC?.aToken as Address),
      priceSource: 'aave-oracle',
      collateral: true,
    });
    // Half of 10 ETH is about $15,000 of USDC, less the pool's fee and the slippage bound left idle.
    expect(supplied?.usd).toBeGreaterThan(14_000);
    expect(supplied?.usd).toBeLessThan(15_100);
    // What the operation did not use of its prefunded gas stays at the EntryPoint as the account's
    // deposit: its own ETH, shown as a position and counted in the total, to the wei of the chain.
    const gasDeposit = after.positions.find((p) => p.kind === 'gas-deposit');
    const onChain = await publicClient.readContract({
      address: manifest.contracts.entryPointV08,
      abi: parseAbi(['function balanceOf(address) view returns (uint256)']),
      functionName: 'balanceOf',
      args: [alice.account],
    });
    expect(onChain).toBeGreaterThan(0n);
    expect(gasDeposit, JSON.stringify(after.positions)).toMatchObject({
      protocol: 'erc-4337',
      symbol: 'ETH',
      token: getAddress(manifest.contracts.entryPointV08),
      tokenSymbol: 'EntryPoint v0.8',
      raw: onChain.toString(),
      amount: formatEther(onChain),
    });
    // Valued as ETH, at the price the wallet's ETH has in the same answer (the swap moved it).
    expect(within(gasDeposit?.usd ?? 0, Number(formatEther(onChain)) * ethUsd(after), 0.001)).toBe(true);
    expect(after.totals.positionsUsd).toBeCloseTo((supplied?.usd ?? 0) + (gasDeposit?.usd ?? 0), 1);
    expect(after.totals.totalUsd).toBeCloseTo(after.totals.walletUsd + after.totals.positionsUsd, 1);
    console.log(
      `swap half my ETH to USDC and supply it to Aave: total value $${before.totals.totalUsd.toFixed(2)} before, $${after.totals.totalUsd.toFixed(2)} after (fee $${fee.toFixed(2)}; wallet $${after.totals.walletUsd.toFixed(2)} + Aave $${after.totals.positionsUsd.toFixed(2)})`,
    );
    expect(
      within(after.totals.totalUsd + fee, before.totals.totalUsd, 0.005),
      `${before.totals.totalUsd} → ${after.totals.totalUsd} (fee ${fee})`,
    ).toBe(true);
    expect(after.aave?.collateralUsd).toBeCloseTo(supplied?.usd ?? 0, 0);
    expect(after.aave?.availableBorrowsUsd).toBeGreaterThan(10_000);
    expect(after.aave?.healthFactor).toBeNull();
  });

  it('after "borrow 500 DAI": the debt is subtracted from the total, and the health factor shown', async () => {
    const before = await account();
    const fee = await run('borrow 500 DAI', ethUsd(before));
    const after = await account();
    const debt = after.positions.find((p) => p.kind === 'borrowed');
    expect(debt, JSON.stringify(after.positions)).toMatchObject({
      protocol: 'aave-v3',
      symbol: 'DAI',
      token: getAddress(manifest.aaveV3Reserves.DAI?.variableDebtToken as Address),
      amount: expect.stringMatching(/^500(\.0*\d*)?$/),
    });
    expect(debt?.usd).toBeGreaterThan(499);
    expect(debt?.usd).toBeLessThan(501);
    expect(after.totals.debtUsd).toBeCloseTo(debt?.usd ?? 0, 1);
    // The 500 DAI came into the wallet and is owed: the total does not move (but for the fee).
    expect(after.totals.walletUsd - before.totals.walletUsd).toBeGreaterThan(499 - fee - 1);
    expect(after.totals.totalUsd).toBeCloseTo(
      after.totals.walletUsd + after.totals.positionsUsd - after.totals.debtUsd,
      1,
    );
    expect(within(after.totals.totalUsd + fee, before.totals.totalUsd, 0.001)).toBe(true);
    expect(after.aave?.debtUsd).toBeCloseTo(debt?.usd ?? 0, 0);
    // About $15,000 of USDC behind $500 of DAI: far from liquidation.
    expect(after.aave?.healthFactor).toBeGreaterThan(10);
    expect(after.aave?.availableBorrowsUsd).toBeLessThan(before.aave?.availableBorrowsUsd ?? 0);
  });

  it('shows the deposit pool’s shares as the WETH they redeem for, and the reward token', async () => {
    const { testClient } = devnetClients(manifest);
    const { depositPool, rewardToken } = manifest.contracts.emissions;
    const before = await account();
    // Someone else deposits 1 WETH into the pool for Alice, and the operator mints her 12.5 rewards.
    const { account: depositor, walletClient } = await fundedAccount(manifest, '10');
    const weth = manifest.contracts.weth;
    const landed = async (hash: Promise<`0x${string}`>) => minedReceipt(publicClient, await hash);
    const wethAbi = parseAbi(['function deposit() payable', 'function approve(address, uint256) returns (bool)']);
    const from = { account: depositor, chain: walletClient.chain } as const;
    await landed(
      walletClient.writeContract({
        ...from,
        address: weth,
        abi: wethAbi,
        functionName: 'deposit',
        value: parseEther('1'),
      }),
    );
    await landed(
      walletClient.writeContract({
        ...from,
        address: weth,
        abi: wethAbi,
        functionName: 'approve',
        args: [depositPool, parseEther('1')],
      }),
    );
    await landed(
      walletClient.writeContract({
        ...from,
        address: depositPool,
        abi: parseAbi(['function deposit(uint256 assets, address receiver) returns (uint256)']),
        functionName: 'deposit',
        args: [parseEther('1'), alice.account],
      }),
    );
    await testClient.impersonateAccount({ address: manifest.admin });
    await testClient.setBalance({ address: manifest.admin, value: parseEther('100') });
    const hash = await walletClient.writeContract({
      account: manifest.admin,
      chain: walletClient.chain,
      address: rewardToken,
      abi: parseAbi(['function mint(address to, uint256 amount)']),
      functionName: 'mint',
      args: [alice.account, parseEther('12.5')],
    });
    await minedReceipt(publicClient, hash);
    await testClient.stopImpersonatingAccount({ address: manifest.admin });
    expect(
      await publicClient.readContract({
        address: rewardToken,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [alice.account],
      }),
    ).toBe(parseEther('12.5'));

    const after = await account();
    const deposit = after.positions.find((p) => p.kind === 'deposit');
    expect(deposit, JSON.stringify(after.positions)).toMatchObject({
      protocol: 'sextant',
      symbol: 'WETH',
      token: getAddress(depositPool),
      tokenSymbol: 'sxWETH',
      amount: expect.stringMatching(/^(1|0\.9{6,}\d*)$/),
    });
    expect(Number(deposit?.shares)).toBeGreaterThan(0);
    const wethPrice =
      (after.balances.find((b) => b.symbol === 'WETH')?.usd ?? 0) /
      Number(after.balances.find((b) => b.symbol === 'WETH')?.amount);
    expect(deposit?.usd).toBeCloseTo(wethPrice, 0);
    const reward = after.balances.find((b) => b.reward);
    expect(reward).toMatchObject({ symbol: 'SXR', amount: '12.5', usd: null });
    expect(after.totals.unpriced).toContain('SXR');
    expect(within(after.totals.totalUsd, before.totals.totalUsd + (deposit?.usd ?? 0), 0.001)).toBe(true);
  });

  it('gives the same answer over MCP get_balances and to "what\'s my balance?" in chat, as a table', async () => {
    const client = new Client({ name: 'sextant-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const result = (await client.callTool({ name: 'get_balances', arguments: {} })) as CallToolResult;
    await client.close();
    const viaMcp = JSON.parse(result.content.find((part) => part.type === 'text')?.text ?? 'null') as AccountSummary & {
      account: string;
    };
    const viaApi = await account();
    expect(viaMcp.account).toBe(alice.account);
    // The same positions; a debt accrues interest whenever another test mines a block between the
    // two reads, so amounts agree to a millionth, not to the wei.
    expect(viaMcp.positions.map((p) => [p.kind, p.symbol])).toEqual(viaApi.positions.map((p) => [p.kind, p.symbol]));
    viaMcp.positions.forEach((p, i) => {
      const other = BigInt(viaApi.positions[i]?.raw ?? '0');
      const diff = BigInt(p.raw) - other;
      expect((diff < 0n ? -diff : diff) * 1_000_000n <= other, `${p.symbol}: ${p.raw} vs ${other}`).toBe(true);
    });
    expect(within(viaMcp.totals.totalUsd, viaApi.totals.totalUsd, 0.001)).toBe(true);
    expect(Object.keys(viaMcp).sort()).toEqual([
      'aave',
      'account',
      'balances',
      'chain',
      'deployed',
      'positions',
      'totals',
    ]);

    for (const message of ["what's my balance?", 'show my portfolio']) {
      const stream = await events(await post('/v1/chat', { message }));
      const done = stream.find(([event]) => event === 'done')?.[1] as { kind: string };
      const text = stream
        .filter(([event]) => event === 'text')
        .map(([, data]) => (data as { delta: string }).delta)
        .join('');
      expect(done.kind, text).toBe('answer');
      expect(text).toMatch(/^Your account on Sextant devnet:/);
      expect(text).toMatch(/\| Asset +\| +Amount \| +USD \|/);
      expect(text).toMatch(/\| Aave V3 supplied USDC +\| +[\d,.]+ \| +\$[\d,.]+ \|/);
      expect(text).toMatch(/\| Aave V3 borrowed DAI +\| +500(\.\d+)? \| +−\$50\d\.\d\d \|/);
      expect(text).toMatch(/\| Deposit pool WETH \([\d.]+ sxWETH\)/);
      expect(text).toMatch(/\| Gas deposit ETH \(EntryPoint v0\.8\) +\| +0\.\d+ \| +\$\d+\.\d\d \|/);
      expect(text).toMatch(/\| SXR \(reward token\) +\| +12\.5 \| +— \|/);
      expect(text).toMatch(/Aave V3: health factor \d+\.\d\d, can borrow \$[\d,.]+ more\./);
      const total = Number(/Total value \$([\d,]+\.\d\d)/.exec(text)?.[1]?.replaceAll(',', ''));
      expect(within(total, viaApi.totals.totalUsd, 0.001), text).toBe(true);
    }
  });
});
