import { type Address, encodeFunctionData, erc20Abi, getAddress, maxUint256, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';
import { boundsWithCallFlows } from './call-flows.ts';
import { checkPolicy, policyFacts } from './check-policy.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { BoundsTally, buildValueLedger, type LedgerReaders, type LedgerStep, tokenLabel } from './value-flow.ts';

const ACCOUNT = getAddress('0x00000000000000000000000000000000000000aa');
const USDC = getAddress('0x0000000000000000000000000000000000000001');
const WETH = getAddress('0x0000000000000000000000000000000000000002');
const FAKE = getAddress('0x0000000000000000000000000000000000000003');
const ROUTER = getAddress('0x00000000000000000000000000000000000000e0');
const POOL = getAddress('0x00000000000000000000000000000000000000e1');
const BOB = getAddress('0x00000000000000000000000000000000000000b0');
const usdc = (n: number) => BigInt(n) * 10n ** 6n;
const weth = (n: number) => BigInt(n) * 10n ** 18n;

/** USDC at $1, WETH and ETH at $3,000, the unlisted token unpriced. */
const readers: LedgerReaders = {
  async token(address) {
    if (address === USDC) return { symbol: 'USDC', name: 'USDC', address, decimals: 6 };
    if (address === WETH) return { symbol: 'WETH', name: 'WETH', address, decimals: 18 };
    if (address === NATIVE_TOKEN) return { symbol: 'ETH', name: 'Ether', address, decimals: 18 };
    return { symbol: 'USDC', name: 'USDC', address, decimals: 18, listed: false };
  },
  async value(token, amount) {
    if (token === USDC) return Number(amount) / 1e6;
    if (token === WETH || token === NATIVE_TOKEN) return (Number(amount) / 1e18) * 3000;
    return undefined;
  },
  protocolContracts: [ROUTER, POOL],
};
const step = (bounds: LedgerStep['bounds'], approvals: LedgerStep['approvals'] = []): LedgerStep => ({
  bounds,
  approvals,
});

describe('the value-flow ledger', () => {
  it('counts a standing allowance in full and makes a non-protocol spender a recipient', async () => {
    const ledger = await buildValueLedger(
      [step({ gives: [], receives: [], allowances: [{ token: USDC, spender: BOB, amount: usdc(9000) }] })],
      readers,
    );
    expect(ledger.totalUsd).toBe(9000);
    expect(ledger.recipients).toEqual([BOB]);
    const verdict = checkPolicy({ ...DEFAULT_POLICY, maxPlanUsd: 100 }, policyFacts([], ledger, 0));
    expect(verdict).toMatchObject({ ok: false, rule: 'maxPlanUsd' });
  });

  it('an allowance to a protocol contract counts but is no recipient', async () => {
    const ledger = await buildValueLedger(
      [step({ gives: [], receives: [], allowances: [{ token: USDC, spender: ROUTER, amount: usdc(100) }] })],
      readers,
    );
    expect(ledger.totalUsd).toBe(100);
    expect(ledger.recipients).toEqual([]);
  });

  it('borrow-and-send counts the debt once; the transfer it pays for is not counted again', async () => {
    const ledger = await buildValueLedger(
      [
        step({
          gives: [],
          receives: [{ token: USDC, amount: usdc(1000) }],
          debt: [{ token: USDC, amount: usdc(1000) }],
        }),
        step({ gives: [{ token: USDC, amount: usdc(1000) }], receives: [], payee: BOB }),
      ],
      readers,
    );
    expect(ledger.flows.map((f) => [f.kind, f.countedUsd])).toEqual([
      ['debt', 1000],
      ['transfer', 0],
    ]);
    expect(ledger.totalUsd).toBe(1000);
    expect(ledger.recipients).toEqual([BOB]);
  });

  it('withdraw-and-send counts the collateral removed', async () => {
    const ledger = await buildValueLedger(
      [
        step({
          gives: [],
          receives: [{ token: WETH, amount: weth(1) }],
          withdrawals: [{ token: WETH, amount: weth(1) }],
        }),
        step({ gives: [{ token: WETH, amount: weth(1) }], receives: [], payee: BOB }),
      ],
      readers,
    );
    expect(ledger.totalUsd).toBe(3000);
  });

  it('a transfer larger than what earlier steps brought in counts the part paid from the wallet', async () => {
    const ledger = await buildValueLedger(
      [
        step({ gives: [], receives: [{ token: USDC, amount: usdc(60) }], debt: [{ token: USDC, amount: usdc(60) }] }),
        step({ gives: [{ token: USDC, amount: usdc(100) }], receives: [], payee: BOB }),
      ],
      readers,
    );
    expect(ledger.totalUsd).toBe(60 + 40);
  });

  it('swap then supply counts what the swap gives, not the supply it pays for', async () => {
    const ledger = await buildValueLedger(
      [
        step({ gives: [{ token: USDC, amount: usdc(3000) }], receives: [{ token: WETH, amount: weth(1) }] }, [
          { token: USDC, spender: ROUTER, amount: usdc(3000) },
        ]),
        step({ gives: [{ token: WETH, amount: weth(1) }], receives: [] }),
      ],
      readers,
    );
    expect(ledger.totalUsd).toBe(3000);
    expect(ledger.recipients).toEqual([]);
  });

  it('an unlisted token is named by its address, never priced as the token it claims to be', async () => {
    const ledger = await buildValueLedger(
      [step({ gives: [{ token: FAKE, amount: weth(100) }], receives: [], payee: BOB })],
      readers,
    );
    expect(ledger.unlistedTokens).toEqual([{ address: FAKE, symbol: 'USDC' }]);
    expect(ledger.flows[0]?.label).toBe('unlisted token 0x0000…0003 calling itself "USDC"');
    expect(ledger.flows[0]?.countedUsd).toBeUndefined();
    // Unpriced but unlisted: not refused by the policy (the unlisted-token yes covers it), listed: refused.
    expect(ledger.unpriced).toEqual([]);
    expect(tokenLabel({ symbol: 'USDC', address: USDC })).toBe('USDC');
  });

  it('keeps the lowest health factor any step moves to', async () => {
    const ledger = await buildValueLedger(
      [
        step({ gives: [], receives: [], healthFactor: { before: undefined, after: 3n * 10n ** 18n } }),
        step({ gives: [], receives: [], healthFactor: { before: 3n * 10n ** 18n, after: 15n * 10n ** 17n } }),
      ],
      readers,
    );
    expect(ledger.healthFactor).toEqual({ before: null, after: (15n * 10n ** 17n).toString() });
  });

  it('refuses an approval the planner inserted beyond what its own step gives', () => {
    const facts = policyFacts(
      [
        {
          bounds: { gives: [{ token: USDC, amount: usdc(10) }], receives: [] },
          approvals: [{ token: USDC, spender: ROUTER, amount: usdc(11) }],
          slippageBps: 50,
        },
      ],
      { totalUsd: 10, unpriced: [] },
      0,
    );
    expect(checkPolicy(DEFAULT_POLICY, facts)).toMatchObject({ ok: false, rule: 'noUnlimitedApprovals' });
  });

  it('refuses a plan with a listed token it cannot price', () => {
    const verdict = checkPolicy(DEFAULT_POLICY, policyFacts([], { totalUsd: 0, unpriced: [USDC] }, 0));
    expect(verdict).toMatchObject({ ok: false, rule: 'valuedPlansOnly' });
  });
});

describe('flows read from the calls themselves', () => {
  const poolAbi = parseAbi([
    'function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)',
    'function withdraw(address asset, uint256 amount, address to) returns (uint256)',
  ]);

  it('finds an approve the skill did not declare, but not the approvals the planner inserted', () => {
    const approve = (spender: Address, amount: bigint) => ({
      to: USDC,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender, amount] }),
    });
    const bounds = boundsWithCallFlows(
      {
        calls: [approve(ROUTER, usdc(5)), approve(BOB, usdc(7))],
        bounds: { gives: [{ token: USDC, amount: usdc(5) }], receives: [] },
        approvals: [{ token: USDC, spender: ROUTER, amount: usdc(5) }],
      },
      ACCOUNT,
    );
    expect(bounds.allowances).toEqual([{ token: USDC, spender: BOB, amount: usdc(7) }]);
  });

  it('finds the payee of a token transfer and of plain ETH', () => {
    const transfer = {
      to: USDC,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [BOB, usdc(1)] }),
    };
    expect(
      boundsWithCallFlows({ calls: [transfer], bounds: { gives: [], receives: [] }, approvals: [] }, ACCOUNT).payee,
    ).toBe(BOB);
    const eth = { to: BOB, value: 1n, data: '0x' as const };
    expect(
      boundsWithCallFlows({ calls: [eth], bounds: { gives: [], receives: [] }, approvals: [] }, ACCOUNT).payee,
    ).toBe(BOB);
  });

  it('finds the debt of a borrow and the collateral of a withdraw (all: what the bounds receive)', () => {
    const borrow = {
      to: POOL,
      value: 0n,
      data: encodeFunctionData({ abi: poolAbi, functionName: 'borrow', args: [USDC, usdc(1000), 2n, 0, ACCOUNT] }),
    };
    const withdrawAll = {
      to: POOL,
      value: 0n,
      data: encodeFunctionData({ abi: poolAbi, functionName: 'withdraw', args: [WETH, maxUint256, ACCOUNT] }),
    };
    const bounds = boundsWithCallFlows(
      {
        calls: [borrow, withdrawAll],
        bounds: { gives: [], receives: [{ token: WETH, amount: weth(2) }] },
        approvals: [],
      },
      ACCOUNT,
    );
    expect(bounds.debt).toEqual([{ token: USDC, amount: usdc(1000) }]);
    expect(bounds.withdrawals).toEqual([{ token: WETH, amount: weth(2) }]);
  });

  it('the tally: what steps give beyond what earlier steps bring in', () => {
    const tally = BoundsTally.of([
      { bounds: { gives: [{ token: USDC, amount: 100n }], receives: [{ token: WETH, amount: 5n }] } },
      { bounds: { gives: [{ token: WETH, amount: 7n }], receives: [] } },
    ]);
    expect(tally.change(USDC)).toBe(-100n);
    expect(tally.need(USDC)).toBe(100n);
    expect(tally.need(WETH)).toBe(2n);
    expect(tally.change(WETH)).toBe(-2n);
  });
});
