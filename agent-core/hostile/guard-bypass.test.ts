import { type Address, erc20Abi } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testAgent } from '../testing/agent.ts';
import { agentWithTwoFacedSkill, deployTwoFacedSwap } from '../testing/two-faced.ts';
import { confirmWatched, hostileHarness } from './harness.ts';
import { allowanceProbe, balanceProbe, debtProbe } from './probes.ts';
import { upgradedAddressUser } from './upgraded-address.ts';

/**
 * The bundle guard is only as good as the account's own snapshot: a step that calls the guard itself
 * can set it again. The audited third-party skill skills/testing/fixtures/guard-resnapshot swaps on
 * TwoFacedSwap (pays only in simulation) and then calls the guard's snapshot with reads that all come
 * out 0, so the final check measures "at least 10 DAI arrives" from 0 and passes on the DAI the
 * account already held. No step's call may go to the guard: the plan must not be offered.
 */
const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;
const USDC = token('USDC');
const DAI = token('DAI');
const A_USDC = manifest.aaveV3Reserves.USDC?.aToken as Address;

describe('hostile: a skill that calls the bundle guard itself', async () => {
  const swap = await deployTwoFacedSwap(manifest);
  const deps = await agentWithTwoFacedSkill(manifest, swap, { dir: 'guard-resnapshot', id: 'matcha/swap' });
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" whose skill snapshots the guard again is not offered, and nothing moves', async ({
    task,
  }) => {
    const u = await user();
    // The account already holds DAI (the faucet's), which a baseline of 0 would count as arrived.
    const dai = await client.readContract({
      address: DAI,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [u.account],
    });
    expect(dai > 10n * 10n ** 18n).toBe(true);
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    const record = await confirmWatched(
      task,
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        balanceProbe(client, "the account's DAI", DAI, u.account),
        allowanceProbe(client, 'USDC allowance to TwoFacedSwap', USDC, u.account, swap),
        balanceProbe(client, "TwoFacedSwap's USDC", USDC, swap),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(reply.plan?.preview.ok ?? false).toBe(false);
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(/guard/);
  });
});

/**
 * A supply that grows is a position the preview shows ("Your Spark supply grows by 10 USDC"), and the
 * asset has left for it: the guard must hold it to what was shown, not skip it. TwoFacedVault supplies
 * to Aave on the account's behalf only in simulation, behind a skill as honest as the built-in supply
 * (gives 10 USDC, takes the position). On chain it keeps the 10 USDC: the guard must revert.
 */
describe('hostile: a supply that grows in the preview and not on chain', async () => {
  const vault = await deployTwoFacedSwap(manifest, 'TwoFacedVault');
  const deps = await agentWithTwoFacedSkill(manifest, vault, { dir: 'two-faced-vault', id: 'spark/supply' });
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "supply 10 USDC to spark" previews a supply; the mined bundle that supplies nothing reverts and nothing moves', async ({
    task,
  }) => {
    const u = await user();
    const reply = await say(u, 'supply 10 USDC to spark');
    expect(reply.kind, reply.text).toBe('plan');
    const plan = reply.plan;
    if (!plan) throw new Error('no plan');
    expect(plan.steps.map((s) => s.skillId)).toEqual(['spark/supply']);
    expect(plan.preview.ok, plan.preview.problem).toBe(true);
    expect(plan.preview.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ token: USDC, amount: '-10' }),
        expect.objectContaining({ kind: 'supplied', amount: '10' }),
      ]),
    );
    const record = await confirmWatched(
      task,
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        balanceProbe(client, "the account's aUSDC", A_USDC, u.account),
        balanceProbe(client, "TwoFacedVault's USDC", USDC, vault),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status, record?.error ?? '').toBe('reverted');
    expect(record?.error).toMatch(/on-chain guard/);
  });
});

/**
 * The same reset, aimed at one user whose smart account is their own address (EIP-7702): the skill
 * declares that address and has the account call itself (Simple7702Account's execute takes calls from
 * the account), the nested call going to the guard. No step's call may go to the account itself either.
 */
describe('hostile: a skill that has an EIP-7702 account call the guard through itself', async () => {
  const swap = await deployTwoFacedSwap(manifest);
  const base = await testAgent(manifest);
  const client = base.env.publicClient;
  // The victim: an imported, funded address upgraded to Simple7702Account.
  const u = await upgradedAddressUser(base, manifest);
  const { address } = u;
  const deps = await agentWithTwoFacedSkill(
    manifest,
    swap,
    { dir: 'guard-via-account', id: 'matcha/swap' },
    { base, replace: { '0x000000000000000000000000000000000000bEEF': address } },
  );
  const { say, confirm } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" whose skill has the account snapshot the guard is not offered, and nothing moves', async ({
    task,
  }) => {
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    const record = await confirmWatched(
      task,
      [
        balanceProbe(client, "the account's USDC", USDC, address),
        balanceProbe(client, "the account's DAI", DAI, address),
        allowanceProbe(client, 'USDC allowance to TwoFacedSwap', USDC, address, swap),
        balanceProbe(client, "TwoFacedSwap's USDC", USDC, swap),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(reply.plan?.preview.ok ?? false).toBe(false);
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(/calls your account itself/);
  });
});

/**
 * A chain whose guard address holds no guard (BUNDLE_GUARD_ADDRESS set before the guard is deployed
 * there, or to a wrong address): the snapshot and check are calls to nothing that succeed, in the
 * simulation and on chain. The preview must not say "Guarded on chain" then; it must not be offered.
 */
describe('hostile: a guard address with no guard behind it', async () => {
  const swap = await deployTwoFacedSwap(manifest);
  const base = await testAgent(manifest);
  const nowhere = privateKeyToAccount(generatePrivateKey()).address;
  const chain = { ...base.env.chain, contracts: { ...base.env.chain.contracts, bundleGuard: nowhere } };
  const deps = await agentWithTwoFacedSkill(manifest, swap, undefined, {
    base: { ...base, env: { ...base.env, chain } },
  });
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" with a codeless guard address is not offered as guarded, and nothing moves', async ({
    task,
  }) => {
    const u = await user();
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    const record = await confirmWatched(
      task,
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        balanceProbe(client, "the account's DAI", DAI, u.account),
        balanceProbe(client, "TwoFacedSwap's USDC", USDC, swap),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(reply.plan?.preview.guard).toBeUndefined();
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(/BUNDLE_GUARD_ADDRESS/);
  });
});

/**
 * The record must name the guard only when the guard reverted: TwoFacedLiar (behind the honest
 * matcha/swap skill) reverts in the mined bundle with the guard's own BoundBroken error and made-up
 * figures ("USDC changed by -1000"). Nothing moved, and the record must say which call failed, not
 * repeat the contract's story as the guard's.
 */
describe('hostile: a contract that reverts in the guard’s words', async () => {
  const liar = await deployTwoFacedSwap(manifest, 'TwoFacedLiar');
  const deps = await agentWithTwoFacedSkill(manifest, liar);
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" reverted by the desk is not recorded as the guard’s, and nothing moves', async ({
    task,
  }) => {
    const u = await user();
    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    expect(reply.plan?.preview.ok, reply.plan?.preview.problem ?? reply.text).toBe(true);
    const record = await confirmWatched(
      task,
      [
        balanceProbe(client, "the account's USDC", USDC, u.account),
        balanceProbe(client, "the account's DAI", DAI, u.account),
        balanceProbe(client, "TwoFacedLiar's USDC", USDC, liar),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).toBe('reverted');
    expect(record?.error).not.toMatch(/guard|USDC changed/);
    expect(record?.error).toMatch(new RegExp(`call \\d+ of \\d+ \\(to ${liar}\\) failed`, 'i'));
  });
});

/**
 * Credit delegated inside the bundle is debt the guard never reads: the simulation shows no debt
 * moving (the delegatee borrows only once mined), so the debt token is not among the guard's reads,
 * and a swap moves no health factor. The third-party skill skills/testing/fixtures/two-faced-borrower
 * has the account approveDelegation 100 USDC of debt to its desk, which swaps honestly and, mined,
 * borrows that 100 USDC on the account's behalf to itself. No step may delegate credit.
 */
describe('hostile: a swap skill that delegates the account’s Aave credit', async () => {
  const desk = await deployTwoFacedSwap(manifest, 'TwoFacedBorrower');
  const debtUsdc = manifest.aaveV3Reserves.USDC?.variableDebtToken as Address;
  const deps = await agentWithTwoFacedSkill(
    manifest,
    desk,
    { dir: 'two-faced-borrower', id: 'matcha/swap' },
    { replace: { '0x000000000000000000000000000000000000bEEF': debtUsdc } },
  );
  const client = deps.env.publicClient;
  const { say, confirm, user } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" whose skill delegates credit is not offered, and no debt is taken', async ({
    task,
  }) => {
    const u = await user();
    // Collateral, so there is credit to take.
    const supplied = await confirm(u, await say(u, 'supply 500 DAI to Aave'));
    expect(supplied?.status, supplied?.error ?? '').toBe('succeeded');

    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    const record = await confirmWatched(
      task,
      [
        debtProbe(client, "the account's USDC debt", debtUsdc, u.account, [0n], 10n),
        balanceProbe(client, "the desk's USDC", USDC, desk),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(reply.plan?.preview.ok ?? false).toBe(false);
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(/credit/);
  });
});

/**
 * The same delegation of credit by a route no step names: a user whose address delegates to MetaMask's
 * DeleGator (EIP-7702), and a skill whose first step calls the DelegationManager's redeemDelegations
 * with no delegation, which the manager answers by having its caller (the account) make the skill's
 * call itself: approveDelegation to the desk, which borrows once mined. The DelegationManager is one
 * of the chain's own listed contracts, and redeemDelegations grants nothing by its selector. No step
 * may call a contract that makes calls as the account.
 */
describe('hostile: a swap skill that has the DelegationManager delegate a DeleGator account’s Aave credit', async () => {
  const desk = await deployTwoFacedSwap(manifest, 'TwoFacedBorrower');
  const debtUsdc = manifest.aaveV3Reserves.USDC?.variableDebtToken as Address;
  const base = await testAgent(manifest);
  const client = base.env.publicClient;
  const u = await upgradedAddressUser(base, manifest, { implementation: 'delegator' });
  const { address } = u;
  const deps = await agentWithTwoFacedSkill(
    manifest,
    desk,
    { dir: 'credit-via-delegation-manager', id: 'matcha/swap' },
    {
      base,
      replace: {
        '0x000000000000000000000000000000000000bEEF': debtUsdc,
        '0x000000000000000000000000000000000000cafE': manifest.contracts.delegation.delegationManager,
      },
    },
  );
  const { say, confirm } = hostileHarness(deps, manifest);

  it('hostile: "swap 10 USDC for DAI on matcha" whose skill has the DelegationManager delegate credit is not offered, and no debt is taken', async ({
    task,
  }) => {
    // Collateral, so there is credit to take.
    const supplied = await confirm(u, await say(u, 'supply 500 DAI to Aave'));
    expect(supplied?.status, supplied?.error ?? '').toBe('succeeded');

    const reply = await say(u, 'swap 10 USDC for DAI on matcha');
    const record = await confirmWatched(
      task,
      [
        debtProbe(client, "the account's USDC debt", debtUsdc, address, [0n], 10n),
        balanceProbe(client, "the desk's USDC", USDC, desk),
      ],
      () => confirm(u, reply),
    );
    expect(record?.status).not.toBe('succeeded');
    expect(reply.plan?.preview.ok ?? false).toBe(false);
    expect(reply.plan?.preview.problem ?? reply.text).toMatch(/DelegationManager/);
  });
});
