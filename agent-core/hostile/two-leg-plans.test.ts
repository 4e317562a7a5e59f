import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, createWalletClient, erc20Abi, formatUnits, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import { databasePath, openDatabase } from '../../common/database.ts';
import { jsonRpc } from '../../common/json-rpc.ts';
import type { Devnet } from '../../devnet/devnet.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetTransport } from '../../devnet/testing/clients.ts';
import { deployLookalikeToken } from '../../devnet/testing/fake-token.ts';
import { sextantInProcess } from '../../devnet/testing/in-process.ts';
import { startTwoChainDevnet } from '../../devnet/two-chains-on-free-ports.ts';
import { standInForBuiltinSignature } from '../../skills/testing/stand-in-signature.ts';
import { type RunJson, twoChainCli } from './two-chain-cli.ts';

/**
 * Hostile cases for plans that continue on another chain after an Across bridge ("bridge 100 USDC to
 * devnet-l2 and supply it to aave there"), through `sextant run`, `sextant plans confirm` and
 * `sextant bridges` on the two-chain devnet, across/bridge's signature stood in for (test auditor).
 * Every case reads the balances on both chains (and the records) before and after: what moved must be
 * what the words asked for, counted once against the policy, run once, and only after a fill.
 * A case marked `it.fails` shows a hole that is open now: its comment says what moved.
 */
let devnet: Devnet;
let home: DevnetManifest;
let l2: DevnetManifest;
const dataDir = mkdtempSync(join(tmpdir(), 'sextant-two-leg-hostile-'));

beforeAll(async () => {
  devnet = await startTwoChainDevnet({ relayer: { delayMs: 200, minFeeBps: 10 }, dataDir });
  home = devnet.manifest;
  l2 = devnet.l2?.manifest as DevnetManifest;
  const db = openDatabase(databasePath(dataDir));
  await standInForBuiltinSignature(db, 'across/bridge');
  db.close();
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

const {
  envOf,
  clientOf,
  tokenOn,
  aTokenOn,
  erc20,
  eth,
  usdc,
  newAddress,
  newUser,
  run,
  legs,
  settledLegs,
  continuationsOf,
  snapshot,
} = twoChainCli(dataDir, 'a passphrase for hostile tests', () => ({ home, l2 }));

async function confirm(user: string, planId: string, flags: string[] = []) {
  const result = await sextantInProcess(['plans', 'confirm', planId, '--yes', '--json', ...flags], envOf(user));
  const parsed = result.stdout.trim().startsWith('{')
    ? (JSON.parse(result.stdout) as { execution: { id: string; status: string } })
    : undefined;
  return { code: result.code, execution: parsed?.execution, said: result.stdout + result.stderr };
}

describe('hostile: plans that continue on another chain after a bridge', () => {
  it('a step on the other chain before any bridge brings funds there is not offered, and nothing moves on either chain', async () => {
    const u = await newUser('hostile-before-bridge');
    const before = await snapshot(u.account);
    for (const text of [
      'supply 100 USDC to aave on devnet-l2 and bridge 100 USDC to devnet-l2',
      'bridge 100 USDC to devnet-l2 and supply it to aave there and send 10 USDC to 0x000000000000000000000000000000000000dEaD',
    ]) {
      const reply = await run(u.name, text, ['--yes', '--allow-new-recipient']);
      expect(reply.execution, `${text}: ${reply.text}`).toBeNull();
    }
    expect(await snapshot(u.account)).toEqual(before);
    expect(continuationsOf(u.name)).toEqual([]);
  });

  it('a bridge to the chain the session runs on is not offered: nothing leaves, nothing is scheduled', async () => {
    const u = await newUser('hostile-home-bridge');
    const before = await snapshot(u.account);
    for (const text of ['bridge 100 USDC to devnet', 'bridge 100 USDC to devnet and supply it to aave there']) {
      const reply = await run(u.name, text, ['--yes']);
      expect(reply.execution, `${text}: ${reply.text}`).toBeNull();
    }
    expect(await snapshot(u.account)).toEqual(before);
    expect(continuationsOf(u.name)).toEqual([]);
  });

  it('"…and send it to X there" needs the explicit yes even for an address paid before on the home chain; with it, X gets exactly what arrived', async () => {
    const u = await newUser('hostile-send-there');
    const bob = newAddress();
    // bob paid once on the home chain (an explicit yes then): he is a known payee there.
    const first = await run(u.name, `send 1 USDC to ${bob}`, ['--yes', '--allow-new-recipient']);
    expect(first.execution?.status, first.text).toBe('succeeded');
    const before = await snapshot(u.account, [bob]);
    const text = `bridge 100 USDC to devnet-l2 and send it to ${bob} there`;
    const reply = await run(u.name, text);
    expect(reply.kind, reply.text).toBe('plan');
    const plan = reply.plan as NonNullable<RunJson['plan']>;
    expect(plan.steps.map((s) => [s.skillId, s.chainId])).toEqual([
      ['across/bridge', undefined],
      ['erc20/transfer', l2.chainId],
    ]);
    expect(plan.newRecipients.map((a) => a.toLowerCase())).toContain(bob.toLowerCase());
    // Counted once: the bridge's 100, not the 99.9 sent on from it as well.
    expect(plan.preview.valueOutUsd).toBeCloseTo(100, 1);

    // Without the yes: refused, nothing moves, nothing is scheduled.
    const refused = await confirm(u.name, plan.id);
    expect(refused.code, refused.said).not.toBe(0);
    expect(await snapshot(u.account, [bob])).toEqual(before);
    expect(continuationsOf(u.name)).toEqual([]);

    // With it: 100 leaves the devnet, bob gets 99.9 on devnet-l2 once the fill lands, once.
    const allowed = await confirm(u.name, plan.id, ['--allow-new-recipient']);
    expect(allowed.execution?.status, allowed.said).toBe('succeeded');
    const settled = await settledLegs(u.name);
    expect(settled.map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    const after = await snapshot(u.account, [bob]);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(after.others[0]?.l2Usdc).toBe(usdc('99.9'));
    expect(after.others[0]?.homeUsdc).toBe(before.others[0]?.homeUsdc);
    // Nothing of the account's own USDC there went with it.
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc);
    expect(await legs(u.name)).toHaveLength(1);
  });

  // Was a hole: an address paid only on devnet-l2 (the destination leg of a bridge plan) becomes a "known
  // payee" on the home chain: pastRecipients (agent-core/plan/store.ts) reads every confirmed plan's
  // steps, destination steps included, with no chain, and recipientsToConfirm (pipeline/policy.ts)
  // then lets the home chain pay it with no explicit yes. 6ad88f3 holds exactly this the other way
  // round ("an address paid before on one chain may be a contract nobody controls on the other").
  // What moves: 50 USDC from the account to carol on the devnet, confirmed with --yes only.
  it('an address paid only on the destination leg is not a known payee on the home chain: paying it there needs the yes', async () => {
    const u = await newUser('hostile-known-there');
    const carol = newAddress();
    const bridged = await run(u.name, `bridge 20 USDC to devnet-l2 and send it to ${carol} there`, [
      '--yes',
      '--allow-new-recipient',
    ]);
    expect(bridged.execution?.status, bridged.text).toBe('succeeded');
    expect((await settledLegs(u.name)).map((l) => l.status)).toEqual(['executed']);
    expect(await erc20(l2, tokenOn(l2, 'USDC'), carol)).toBe(usdc('19.98'));
    const before = await erc20(home, tokenOn(home, 'USDC'), carol);
    expect(before).toBe(0n);
    // Never paid on the devnet: --yes alone must not pay carol there.
    const refused = await sextantInProcess(
      ['run', `send 50 USDC to ${carol}`, '--yes', '--json', '--llm', 'embedded'],
      envOf(u.name),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/has never been paid from this account/);
    expect(await erc20(home, tokenOn(home, 'USDC'), carol)).toBe(0n);
  });

  it('the policy counts both legs once: what the bridge brings is not counted again, what the leg adds from the account there is', async () => {
    const u = await newUser('hostile-policy');
    expect(
      (await sextantInProcess(['policy', 'set', '--max-plan-usd', '150', '--max-daily-usd', '180'], envOf(u.name)))
        .code,
    ).toBe(0);
    const before = await snapshot(u.account);
    // 100 bridged + 50.1 of the account's own USDC there = $150.1: over the per-plan limit of 150.
    const over = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply 150 USDC to aave there', ['--yes']);
    expect(over.execution, over.text).toBeNull();
    expect(over.plan?.preview.valueOutUsd ?? 150.1).toBeGreaterThan(150);
    expect(await snapshot(u.account)).toEqual(before);
    expect(continuationsOf(u.name)).toEqual([]);

    // A swap there of part of what arrives: $100 in all, within both limits; runs, once.
    const within = await run(u.name, 'bridge 100 USDC to devnet-l2 and swap 50 USDC for WETH there', ['--yes']);
    expect(within.execution?.status, within.text).toBe('succeeded');
    expect(within.plan?.preview.valueOutUsd).toBeCloseTo(100, 1);
    expect((await settledLegs(u.name)).map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    const after = await snapshot(u.account);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc + usdc('49.9'));
    expect(after.account.l2Weth).toBeGreaterThan(before.account.l2Weth);

    // A second one the same day: 100 + 100 > 180, refused; nothing more leaves.
    const daily = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there', ['--yes']);
    expect(daily.execution, daily.text).toBeNull();
    expect(await snapshot(u.account)).toEqual(after);
    expect(continuationsOf(u.name)).toHaveLength(1);
  });

  it('a plan confirmed twice sends one bridge and schedules one leg, and `sextant bridges` run again and again runs it once', async () => {
    const u = await newUser('hostile-twice');
    const before = await snapshot(u.account);
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there');
    const planId = reply.plan?.id as string;
    expect(planId, reply.text).toBeDefined();
    const first = await confirm(u.name, planId);
    const second = await confirm(u.name, planId);
    expect(first.execution?.status, first.said).toBe('succeeded');
    expect(second.execution?.id).toBe(first.execution?.id);
    expect(continuationsOf(u.name)).toHaveLength(1);
    await settledLegs(u.name);
    await legs(u.name);
    await legs(u.name);
    const all = continuationsOf(u.name);
    expect(all.map((c) => c.status)).toEqual(['executed']);
    const after = await snapshot(u.account);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(after.account.l2aUsdc).toBeGreaterThanOrEqual(usdc('99.9'));
    expect(after.account.l2aUsdc).toBeLessThan(usdc('99.91'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc);
  });

  it('an origin execution that failed with nothing sent, confirmed again, bridges once and runs the leg once (the first leg is dropped)', async () => {
    const u = await newUser('hostile-reconfirm');
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there');
    const planId = reply.plan?.id as string;
    expect(planId, reply.text).toBeDefined();
    // The account's USDC sent away (a plan of its own) before the confirmation: the bundle cannot pay.
    expect(
      (
        await sextantInProcess(
          ['policy', 'set', '--max-plan-usd', '100000', '--max-daily-usd', '100000'],
          envOf(u.name),
        )
      ).code,
    ).toBe(0);
    const aside = privateKeyToAccount(generatePrivateKey());
    const held = await erc20(home, tokenOn(home, 'USDC'), u.account);
    const drained = await run(u.name, `send ${formatUnits(held - usdc('10'), 6)} USDC to ${aside.address}`, [
      '--yes',
      '--allow-new-recipient',
    ]);
    expect(drained.execution?.status, drained.text).toBe('succeeded');
    expect(await erc20(home, tokenOn(home, 'USDC'), u.account)).toBe(usdc('10'));
    const failed = await confirm(u.name, planId);
    expect(failed.execution?.status, failed.said).toBe('failed');
    expect(continuationsOf(u.name).map((c) => [c.status, c.afterExecutionId])).toEqual([
      ['waiting', failed.execution?.id],
    ]);
    // Given back, and confirmed again: a new attempt.
    await jsonRpc(home.rpcUrl, 'anvil_setBalance', [aside.address, '0x56BC75E2D63100000']);
    const wallet = createWalletClient({
      account: aside,
      chain: toViemChain(home.chainId, home.rpcUrl),
      transport: devnetTransport(home.rpcUrl),
    });
    await clientOf(home).waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: tokenOn(home, 'USDC'),
        abi: erc20Abi,
        functionName: 'transfer',
        args: [u.account, held - usdc('10')],
      }),
    });
    expect(await erc20(home, tokenOn(home, 'USDC'), u.account)).toBe(held);
    const before = await snapshot(u.account);
    const retried = await confirm(u.name, planId);
    expect(retried.execution?.status, retried.said).toBe('succeeded');
    expect(retried.execution?.id).not.toBe(failed.execution?.id);
    const settled = await settledLegs(u.name);
    expect(settled.map((l) => l.status).sort()).toEqual(['abandoned', 'executed']);
    expect(settled.find((l) => l.status === 'abandoned')?.afterExecutionId).toBe(failed.execution?.id);
    const after = await snapshot(u.account);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(after.account.l2aUsdc).toBeGreaterThanOrEqual(usdc('99.9'));
    expect(after.account.l2aUsdc).toBeLessThan(usdc('99.91'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc);
  });

  // Was a hole: what arrives for bridged ETH is decided at the fill from the account's code there (ETH
  // to an address without code, WETH to a contract). A leg built for ETH while the account had no code
  // there ran after something deployed it (a plain supply there): 0.999 of the account's own ETH was
  // wrapped and supplied in place of what arrived, the 0.999 WETH that came left idle. Now such a leg
  // is not offered (agent-core/plan/build-plan.ts legOf); once the account is deployed there, WETH
  // arrives for certain and the leg supplies exactly that.
  it('ETH bridged to an account with no code there: the leg is not offered; once the account is deployed there, what arrives is WETH and the leg supplies exactly that', async () => {
    const u = await newUser('hostile-eth-arrives');
    const message = 'bridge 1 ETH to devnet-l2 and supply it to aave there';
    const before = await snapshot(u.account);
    const refused = await run(u.name, message, ['--yes']);
    expect(refused.execution ?? null).toBeNull();
    expect(refused.text).toMatch(/arrives as ETH while your account has no code there/);
    expect(continuationsOf(u.name)).toEqual([]);
    expect({ ...(await snapshot(u.account)).account }).toEqual({ ...before.account });
    // Something else on devnet-l2 first (a plain supply there), which deploys the account there.
    const there = await run(u.name, 'supply 10 USDC to aave', ['--yes'], 'devnet-l2');
    expect(there.execution?.status, there.text).toBe('succeeded');
    const deployed = await snapshot(u.account);
    const reply = await run(u.name, message, ['--yes']);
    expect(
      reply.plan?.preview.destination?.arrives.map((a) => [a.symbol, a.amount]),
      reply.text,
    ).toEqual([['WETH', '0.999']]);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    const settled = await settledLegs(u.name);
    expect(settled.map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    const after = await snapshot(u.account);
    expect(after.account.l2aWeth - deployed.account.l2aWeth).toBeGreaterThanOrEqual(parseEther('0.999'));
    // What arrived is what was supplied: no WETH left idle, the account's own ETH there spent on gas only.
    expect(after.account.l2Weth).toBe(deployed.account.l2Weth);
    expect(deployed.account.l2Eth - after.account.l2Eth).toBeLessThan(parseEther('0.01'));
  });

  it('"…and supply it" without "there" supplies what arrives there, never on the home chain in its place', async () => {
    const u = await newUser('hostile-no-there');
    const before = await snapshot(u.account);
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave', ['--yes']);
    expect(reply.plan?.steps.map((s) => [s.skillId, s.chainId])).toEqual([
      ['across/bridge', undefined],
      ['aave-v3/supply', l2.chainId],
    ]);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    expect((await settledLegs(u.name)).map((l) => l.status)).toEqual(['executed']);
    const after = await snapshot(u.account);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('100'));
    expect(after.account.homeaUsdc).toBe(0n);
    expect(after.account.l2aUsdc).toBeGreaterThanOrEqual(usdc('99.9'));
    expect(after.account.l2aUsdc).toBeLessThan(usdc('99.91'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc);
  });

  it('an unlisted token paid on the destination leg needs --allow-unlisted-token: without it nothing moves on either chain', async () => {
    const u = await newUser('hostile-unlisted-there');
    const fake = await deployLookalikeToken(l2, 'USDC', 6, u.account);
    const dave = newAddress();
    const before = await snapshot(u.account, [dave]);
    const reply = await run(u.name, `bridge 10 USDC to devnet-l2 and send 5 ${fake} to ${dave} there`);
    expect(reply.plan?.steps.map((s) => [s.skillId, s.chainId])).toEqual([
      ['across/bridge', undefined],
      ['erc20/transfer', l2.chainId],
    ]);
    if (reply.plan) {
      const refused = await confirm(u.name, reply.plan.id, ['--allow-new-recipient']);
      expect(refused.code, refused.said).not.toBe(0);
    }
    expect(await snapshot(u.account, [dave])).toEqual(before);
    expect(await erc20(l2, fake, dave)).toBe(0n);
    expect(continuationsOf(u.name)).toEqual([]);
  });

  it('"…and borrow … there" counts the debt in full on top of the bridge, and the leg takes exactly that debt, once', async () => {
    const u = await newUser('hostile-borrow-there');
    // Collateral there first (its own operation on devnet-l2).
    const collateral = await run(u.name, 'supply 1 WETH to aave', ['--yes'], 'devnet-l2');
    expect(collateral.execution?.status, collateral.text).toBe('succeeded');
    const debtToken = l2.aaveV3Reserves.USDC?.variableDebtToken as Address;
    const before = await snapshot(u.account);
    const debtBefore = await erc20(l2, debtToken, u.account);
    const reply = await run(u.name, 'bridge 10 USDC to devnet-l2 and borrow 100 USDC from aave there', ['--yes']);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    expect(reply.plan?.preview.valueOutUsd).toBeCloseTo(110, 0);
    expect((await settledLegs(u.name)).map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    const after = await snapshot(u.account);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('10'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc + usdc('9.99') + usdc('100'));
    const debt = (await erc20(l2, debtToken, u.account)) - debtBefore;
    expect(debt).toBeGreaterThanOrEqual(usdc('100'));
    expect(debt).toBeLessThan(usdc('100.01'));
  });

  it('two bridges to the same chain in one plan (the second after the leg, on the home chain): each counted once, the leg runs once after both fills, with only what it said', async () => {
    const u = await newUser('hostile-two-bridges');
    const before = await snapshot(u.account);
    const reply = await run(
      u.name,
      'bridge 100 USDC to devnet-l2 and supply it to aave there and bridge 50 USDC to devnet-l2 on devnet',
      ['--yes'],
    );
    expect(reply.plan?.steps.map((s) => [s.skillId, s.chainId])).toEqual([
      ['across/bridge', undefined],
      ['across/bridge', undefined],
      ['aave-v3/supply', l2.chainId],
    ]);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    expect(reply.plan?.preview.valueOutUsd).toBeCloseTo(150, 1);
    expect((await settledLegs(u.name)).map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    const after = await snapshot(u.account);
    expect(after.account.homeUsdc).toBe(before.account.homeUsdc - usdc('150'));
    expect(after.account.l2aUsdc).toBeGreaterThanOrEqual(usdc('99.9'));
    expect(after.account.l2aUsdc).toBeLessThan(usdc('99.91'));
    expect(after.account.l2Usdc).toBe(before.account.l2Usdc + usdc('49.95'));
    expect(continuationsOf(u.name)).toHaveLength(1);
  });

  // Was a hole: a continuation runs from whatever account the user has when it runs, not the account the
  // plan was previewed, guarded and confirmed for. confirmPlan refuses exactly this
  // (agent-core/agent.ts assertSameAccount: "The account mode changed since the preview"), but
  // runContinuations (smart-accounts/bridge-continuations.ts) executes `continuation.calls` with
  // execute(executionEnvironment(db, destination), owner, …), which resolves the account from the
  // user's account kind now. The guard holds only relative bounds on its caller, so a payment leg
  // passes from the other account. Message: "bridge 100 USDC to devnet-l2 and send it to <erin> there"
  // (--yes --allow-new-recipient), then `sextant account upgrade --via first-operation --yes`, then
  // `sextant bridges`. What moved: 99.9 USDC from the owner's EOA on devnet-l2 (an account the plan
  // never previewed) to erin, plus that EOA's gas and an EIP-7702 delegation written on it there; the
  // 99.9 USDC the bridge brought sits idle in the SimpleAccount.
  it('a leg confirmed for one account does not run from another: after `sextant account upgrade` the EOA there is not touched', async () => {
    const u = await newUser('hostile-mode-change');
    const erin = newAddress();
    const before = await snapshot(u.account);
    const reply = await run(u.name, `bridge 100 USDC to devnet-l2 and send it to ${erin} there`, [
      '--yes',
      '--allow-new-recipient',
    ]);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    // Filled there, to the SimpleAccount the plan was built for (no `sextant bridges` yet: the leg waits).
    await expect
      .poll(() => erc20(l2, tokenOn(l2, 'USDC'), u.account), { timeout: 20_000, interval: 100 })
      .toBe(before.account.l2Usdc + usdc('99.9'));
    const upgraded = await sextantInProcess(
      ['account', 'upgrade', '--via', 'first-operation', '--yes', '--json'],
      envOf(u.name),
    );
    expect(upgraded.code, upgraded.stdout + upgraded.stderr).toBe(0);
    const owner = JSON.parse((await sextantInProcess(['account', '--json'], envOf(u.name))).stdout).account as Address;
    expect(owner).not.toBe(u.account);
    // The EOA is funded there too (the faucet funds the account the user has now).
    expect((await sextantInProcess(['faucet'], envOf(u.name, 'devnet-l2'))).code).toBe(0);
    const eoaBefore = await snapshot(owner, [erin]);
    const codeBefore = await clientOf(l2).getCode({ address: owner });
    await legs(u.name);
    await legs(u.name);
    const eoaAfter = await snapshot(owner, [erin]);
    // Nothing ran from the EOA on devnet-l2: no USDC taken, no gas spent, no delegation written there.
    expect(eoaAfter.account.l2Usdc).toBe(eoaBefore.account.l2Usdc);
    expect(eoaAfter.account.l2Eth).toBe(eoaBefore.account.l2Eth);
    expect(await clientOf(l2).getCode({ address: owner })).toBe(codeBefore);
    expect(eoaAfter.others[0]?.l2Usdc).toBe(0n);
  });

  // Was a hole: the destination leg's gas check (agent-core/plan/destination-preview.ts previewDestination)
  // compares the account's ETH there *with the arriving ETH added* (arrival-state.ts) to the leg's gas
  // fee alone, not to the fee plus the ETH the leg itself spends (the wrap before a supply). Message:
  // "bridge 1 ETH to devnet-l2 and supply it to aave there" from an account with no ETH on devnet-l2.
  // Offered and confirmed: 1 ETH leaves the devnet, 0.999 ETH arrives, and the leg can never be sent
  // ("ETH needs 0.9997 (including gas), has 0.999"): dropped after its tries, the ETH idle there,
  // against a preview that showed it supplied.
  it('ETH bridged to an account with no ETH there: the leg is offered only if what arrives also pays its gas, and then it runs as previewed', async () => {
    const name = 'hostile-eth-no-gas';
    expect((await sextantInProcess(['faucet'], envOf(name))).code).toBe(0);
    const account = JSON.parse((await sextantInProcess(['account', '--json'], envOf(name))).stdout).account as Address;
    expect(await eth(l2, account)).toBe(0n);
    const before = await snapshot(account);
    const reply = await run(name, 'bridge 1 ETH to devnet-l2 and supply it to aave there', ['--yes']);
    if (reply.execution === null) {
      expect(await snapshot(account)).toEqual(before);
      return;
    }
    expect(reply.execution.status, reply.text).toBe('succeeded');
    const settled = await settledLegs(name);
    expect(settled.map((l) => [l.status, l.executionStatus])).toEqual([['executed', 'succeeded']]);
    expect(await erc20(l2, aTokenOn(l2, 'WETH'), account)).toBeGreaterThanOrEqual(parseEther('0.999'));
  });

  // Review finding: a read on the other chain after a bridge ("…and check my USDC balance there")
  // made an empty destination leg (a guarded bundle of nothing, run there for gas after the fill) and
  // read the balance as if the bridged funds had arrived. Now the read is of that chain as it is, and
  // there is no leg.
  it('"…and check my USDC balance there" reads the other chain as it is, and makes no leg there', async () => {
    const u = await newUser('hostile-read-there');
    const before = await snapshot(u.account);
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and check my USDC balance there', ['--yes']);
    expect(
      reply.plan?.steps.map((s) => [s.skillId, s.chainId]),
      reply.text,
    ).toEqual([['across/bridge', undefined]]);
    expect(reply.plan?.preview.destination).toBeUndefined();
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    // The balance there as it was, not with the 99.9 the bridge brings.
    const readings = (reply as unknown as { readings: { values: Record<string, string> }[] }).readings;
    expect(readings.map((r) => r.values.baseUnits)).toEqual([before.account.l2Usdc.toString()]);
    expect(continuationsOf(u.name)).toEqual([]);
    // Filled there; nothing else runs: no operation of the account on devnet-l2.
    await expect
      .poll(() => erc20(l2, tokenOn(l2, 'USDC'), u.account), { timeout: 20_000, interval: 100 })
      .toBe(before.account.l2Usdc + usdc('99.9'));
    await legs(u.name);
    expect((await snapshot(u.account)).account.l2Eth).toBe(before.account.l2Eth);
  });

  // Last: it stops the relayer and moves both chains' clocks.
  it('a bridge that expires unfilled and is refunded: the leg is dropped, never run, and the input comes back', async () => {
    const u = await newUser('hostile-expired');
    await devnet.relayer?.stop();
    const before = await snapshot(u.account);
    const reply = await run(u.name, 'bridge 100 USDC to devnet-l2 and supply it to aave there', ['--yes']);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    expect(await erc20(home, tokenOn(home, 'USDC'), u.account)).toBe(before.account.homeUsdc - usdc('100'));
    // Pending: the leg waits, and nothing happens there.
    expect((await legs(u.name)).map((l) => l.status)).toEqual(['waiting']);
    for (const manifest of [home, l2]) {
      await jsonRpc(manifest.rpcUrl, 'evm_increaseTime', [3700]);
      await jsonRpc(manifest.rpcUrl, 'evm_mine', []);
    }
    await expect
      .poll(() => erc20(home, tokenOn(home, 'USDC'), u.account), { timeout: 20_000, interval: 200 })
      .toBe(before.account.homeUsdc);
    const settled = await settledLegs(u.name);
    expect(settled.map((l) => [l.status, l.executionStatus])).toEqual([['abandoned', null]]);
    expect(settled[0]?.reason).toMatch(/expired/);
    // Bridges asked again: still dropped, nothing there; only the bridge's gas spent on the devnet.
    await legs(u.name);
    const after = await snapshot(u.account);
    expect({ ...after.account, homeEth: 0n }).toEqual({ ...before.account, homeEth: 0n });
    expect(continuationsOf(u.name).map((c) => [c.status, c.executionId])).toEqual([['abandoned', null]]);
  });
  // Was a hole: the payee of a destination leg that never ran counts as paid. pastRecipients
  // (agent-core/plan/store.ts) reads the steps of every confirmed plan, destination steps included,
  // whether or not the leg ran (here its bridge expired unfilled and the leg was dropped). Message:
  // "bridge 10 USDC to devnet-l2 and send it to <frank> there" (--yes --allow-new-recipient), the
  // deposit expires, then "send 10 USDC to <frank>" with --yes only. What moved: 10 USDC from the
  // account to frank on the devnet, an address never paid on any chain, with no explicit yes.
  it('the payee of a leg that was dropped (its bridge expired) is still a new recipient afterwards', async () => {
    const u = await newUser('hostile-dropped-payee');
    await devnet.relayer?.stop();
    const frank = newAddress();
    const reply = await run(u.name, `bridge 10 USDC to devnet-l2 and send it to ${frank} there`, [
      '--yes',
      '--allow-new-recipient',
    ]);
    expect(reply.execution?.status, reply.text).toBe('succeeded');
    for (const manifest of [home, l2]) {
      await jsonRpc(manifest.rpcUrl, 'evm_increaseTime', [3700]);
      await jsonRpc(manifest.rpcUrl, 'evm_mine', []);
    }
    expect((await settledLegs(u.name)).map((l) => [l.status, l.executionStatus])).toEqual([['abandoned', null]]);
    expect(await erc20(l2, tokenOn(l2, 'USDC'), frank)).toBe(0n);
    // Never paid anywhere: --yes alone must not pay frank.
    const refused = await sextantInProcess(
      ['run', `send 10 USDC to ${frank}`, '--yes', '--json', '--llm', 'embedded'],
      envOf(u.name),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/has never been paid from this account/);
    expect(await erc20(home, tokenOn(home, 'USDC'), frank)).toBe(0n);
  });
});
