import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Address,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  parseEther,
  parseEventLogs,
  parseUnits,
  zeroAddress,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { depositFromLog, depositStatus, FUNDS_DEPOSITED, spokePoolAbi, toBytes32 } from '../common/contracts/across.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { jsonRpc } from '../common/json-rpc.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { publicClientFor } from '../common/network.ts';
import { loadSettings } from '../common/settings.ts';
import type { Devnet } from '../devnet/devnet.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { type DevnetManifest, readManifest, spokePoolOf } from '../devnet/manifest.ts';
import { devnetTransport } from '../devnet/testing/clients.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { eventually, isAlive } from '../devnet/testing/processes.ts';
import { startTwoChainDevnet } from '../devnet/two-chains-on-free-ports.ts';
import { TEST_TRUSTED_AUDITORS } from '../skills/testing/endpoints.ts';
import { standInForBuiltinSignature } from '../skills/testing/stand-in-signature.ts';
import { execute } from '../smart-accounts/execute.ts';
import { smartAccountAddress } from '../smart-accounts/smart-account.ts';
import { devnetNetwork, newUser, testEnvironment } from '../smart-accounts/testing/environment.ts';
import { resolveNetwork } from './network.ts';

/**
 * The devnet with its second, L2-like chain, started on free ports as `sextant start` starts it: two
 * anvils with their own chain ids, the account stack at one address on both (so a user's
 * smart account has one address on both), an Alto per chain, each chain's manifest in the data
 * directory, `CHAIN=devnet-l2` selecting the second, `sextant chains --json` listing both; a
 * UserOperation on the second chain moves tokens there and nothing on the first.
 */
const RELAYER_DELAY_MS = 300;
let devnet: Devnet;
let l2: DevnetManifest;
let startSeconds: number;
const dataDir = mkdtempSync(join(tmpdir(), 'sextant-two-chains-'));

beforeAll(async () => {
  const started = performance.now();
  devnet = await startTwoChainDevnet({ relayer: { delayMs: RELAYER_DELAY_MS, minFeeBps: 10 }, dataDir });
  startSeconds = (performance.now() - started) / 1000;
  l2 = devnet.l2?.manifest as DevnetManifest;
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

describe('the devnet with two chains', () => {
  it('runs two chains with their own ids, the account stack at one address and the tokens at their own, and writes both manifests', async () => {
    expect(l2).toBeDefined();
    expect(devnet.manifest).toMatchObject({ slug: 'devnet', name: 'Sextant devnet', chainId: 31337 });
    expect(l2).toMatchObject({ slug: 'devnet-l2', name: 'Sextant devnet L2', chainId: 31338 });
    expect(Number(await jsonRpc<string>(devnet.manifest.rpcUrl, 'eth_chainId', []))).toBe(31337);
    expect(Number(await jsonRpc<string>(l2.rpcUrl, 'eth_chainId', []))).toBe(31338);
    expect(Number(await jsonRpc<string>(l2.bundlerUrl, 'eth_chainId', []))).toBe(31338);
    expect(l2.rpcUrl).not.toBe(devnet.manifest.rpcUrl);
    // The account stack at its one address everywhere (so one smart account address on both)...
    const { contracts } = devnet.manifest;
    for (const name of [
      'entryPointV07',
      'entryPointV08',
      'simpleAccountFactoryV07',
      'simpleAccountFactoryV08',
      'simple7702Account',
      'bundleGuard',
    ] as const) {
      expect(l2.contracts[name], name).toBe(contracts[name]);
    }
    expect(l2.contracts.delegation).toEqual(contracts.delegation);
    // ...and the tokens and protocols at addresses of their own, as on a real L2.
    expect(l2.tokens.map((t) => t.symbol)).toEqual(devnet.manifest.tokens.map((t) => t.symbol));
    for (const [index, token] of l2.tokens.entries()) {
      expect(token.address).not.toBe(devnet.manifest.tokens[index]?.address);
    }
    expect(l2.contracts.uniswapV3.swapRouter02).not.toBe(contracts.uniswapV3.swapRouter02);
    expect(l2.contracts.aaveV3.pool).not.toBe(contracts.aaveV3.pool);
    expect(spokePoolOf(l2)).not.toBe(spokePoolOf(devnet.manifest));
    expect(readManifest(dataDir)).toEqual(devnet.manifest);
    expect(readManifest(dataDir, 'devnet-l2')).toEqual(l2);
    // Both chains start together; the bar is 20 s on this machine.
    expect(startSeconds).toBeLessThan(60);
  });

  it('selects the second chain with CHAIN=devnet-l2, and lists both in `sextant chains --json`', async () => {
    const network = resolveNetwork(loadSettings({ CHAIN: 'devnet-l2', DATA_DIR: dataDir }));
    expect(network).toMatchObject({ rpcUrl: l2.rpcUrl, bundlerUrl: l2.bundlerUrl, isDevnet: true });
    expect(network.chain).toMatchObject({ slug: 'devnet-l2', name: 'Sextant devnet L2', chainId: 31338 });
    expect(resolveNetwork(loadSettings({ DATA_DIR: dataDir })).chain.chainId).toBe(31337);
    const chains = await sextantInProcess(['chains', '--json'], { DATA_DIR: dataDir });
    expect(chains.code, chains.stderr).toBe(0);
    const listed = JSON.parse(chains.stdout) as { devnets: { slug: string; chainId: number }[] };
    expect(listed.devnets.map((d) => [d.slug, d.chainId])).toEqual([
      ['devnet', 31337],
      ['devnet-l2', 31338],
    ]);
    const text = await sextantInProcess(['chains'], { DATA_DIR: dataDir, CHAIN: 'devnet-l2' });
    expect(text.stdout).toMatch(/^\* devnet-l2 +31338 /m);
  });

  it('gives a user one smart account address on both chains, and a UserOperation on the second moves tokens only there', async () => {
    const home = testEnvironment(devnet.manifest);
    const second = testEnvironment(l2);
    const { userId, owner, account } = await newUser(second);
    const onHome = await newUser(home);
    expect(account).not.toBe(onHome.account);
    // The same owner's account, counterfactual through the same factory, on the first chain.
    expect(await smartAccountAddress(home.publicClient, home.chain, owner.address)).toBe(account);

    await fundFromFaucet(second.publicClient, l2.rpcUrl, l2.tokens, account);
    const usdc = l2.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
    const homeUsdc = devnet.manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const balance = (env: typeof home, holder: Address) =>
      env.publicClient.readContract({
        address: env === home ? homeUsdc.address : usdc.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [holder],
      });
    const homeBefore = await balance(home, account);
    const record = await execute(second, owner, {
      userId,
      idempotencyKey: 'two-chains-transfer',
      calls: [
        {
          to: usdc.address,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, parseUnits('25', 6)] }),
        },
      ],
    });
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(record.chainId).toBe(31338);
    expect(await balance(second, to)).toBe(parseUnits('25', 6));
    expect(await balance(home, to)).toBe(0n);
    expect(await balance(home, account)).toBe(homeBefore);
  });

  it('plans and executes with the audited skills on the second chain (CHAIN=devnet-l2): a supply leaves the position there', async () => {
    const env = {
      DATA_DIR: dataDir,
      CHAIN: 'devnet-l2',
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
      SEXTANT_USER: 'l2-user',
    };
    expect((await sextantInProcess(['faucet'], env)).code).toBe(0);
    const run = await sextantInProcess(['run', 'supply 100 USDC to aave', '--yes', '--json', '--llm', 'embedded'], env);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      plan: { steps: [{ skillId: 'aave-v3/supply' }] },
      execution: { status: 'succeeded' },
    });
    // Mined on the second chain, and only there.
    const receipt = await publicClientFor(devnetNetwork(l2)).getTransactionReceipt({ hash: result.execution.txHash });
    expect(receipt.status).toBe('success');
    await expect(
      publicClientFor(devnetNetwork(devnet.manifest)).getTransactionReceipt({ hash: result.execution.txHash }),
    ).rejects.toThrow();
    const shown = await sextantInProcess(['account', '--json'], env);
    const account = JSON.parse(shown.stdout).account as Address;
    const aToken = (manifest: DevnetManifest) => manifest.aaveV3Reserves.USDC?.aToken as Address;
    const position = (manifest: DevnetManifest) =>
      publicClientFor(devnetNetwork(manifest)).readContract({
        address: aToken(manifest),
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [account],
      });
    expect(await position(l2)).toBeGreaterThanOrEqual(parseUnits('100', 6));
    expect(await position(devnet.manifest)).toBe(0n);
  });

  it('knows the other chain from each side, and refuses a bridge while across/bridge awaits its signature: nothing moves', async () => {
    const home = resolveNetwork(loadSettings({ DATA_DIR: dataDir }));
    expect(home.otherNetworks?.map((network) => [network.chain.slug, network.rpcUrl])).toEqual([
      ['devnet-l2', l2.rpcUrl],
    ]);
    expect(home.chain.acrossRelayerFeeBps).toBe(10);
    const second = resolveNetwork(loadSettings({ DATA_DIR: dataDir, CHAIN: 'devnet-l2' }));
    expect(second.otherNetworks?.map((network) => network.chain.slug)).toEqual(['devnet']);

    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests', SEXTANT_USER: 'bridger' };
    expect((await sextantInProcess(['faucet'], env)).code).toBe(0);
    const run = await sextantInProcess(
      ['run', 'bridge 100 USDC to devnet-l2', '--yes', '--json', '--llm', 'embedded'],
      env,
    );
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      kind: 'unsupported',
      parse: { intents: [{ action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2' }] },
    });
    expect(result.text).toMatch(/across\/bridge@1\.0\.0/);
    expect(result.text).toMatch(/not yet signed/);
    expect(result.execution ?? null).toBeNull();
    // The faucet's 10,000 USDC still there, and none on the second chain.
    const shown = await sextantInProcess(['account', '--json'], env);
    const account = JSON.parse(shown.stdout).account as Address;
    const usdcOf = (manifest: DevnetManifest) =>
      publicClientFor(devnetNetwork(manifest)).readContract({
        address: manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [account],
      });
    expect(await usdcOf(devnet.manifest)).toBe(parseUnits('10000', 6));
    expect(await usdcOf(l2)).toBe(0n);
  });

  it('bridges with Across for real: a deposit on one chain is filled on the other by the relayer, after its delay', async () => {
    const spokePool = spokePoolOf(devnet.manifest);
    expect(devnet.manifest.contracts.across?.relayer).toEqual({
      address: devnet.relayer?.address,
      delayMs: RELAYER_DELAY_MS,
      minFeeBps: 10,
    });
    const home = publicClientFor(devnetNetwork(devnet.manifest));
    const second = publicClientFor(devnetNetwork(l2));
    const user = privateKeyToAccount(generatePrivateKey());
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    await fundFromFaucet(home, devnet.manifest.rpcUrl, devnet.manifest.tokens, user.address);
    await fundFromFaucet(second, l2.rpcUrl, l2.tokens, user.address);
    const usdc = (m: DevnetManifest) => m.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
    const weth = (m: DevnetManifest) => m.tokens.find((t) => t.symbol === 'WETH') as { address: Address };
    const send = async (
      m: DevnetManifest,
      request: Parameters<typeof encodeFunctionData>[0] & { to: Address; value?: bigint },
    ) => {
      const wallet = createWalletClient({ account: user, transport: devnetTransport(m.rpcUrl) });
      const client = m === l2 ? second : home;
      const { to, value, ...call } = request;
      const hash = await wallet.sendTransaction({
        chain: toViemChain(m.chainId, m.rpcUrl),
        to,
        data: encodeFunctionData(call),
        ...(value ? { value } : {}),
      });
      return minedReceipt(client, hash);
    };
    const deposit = async (
      from: DevnetManifest,
      to: DevnetManifest,
      token: (m: DevnetManifest) => { address: Address },
      amounts: { input: bigint; output: bigint; value?: bigint; deadlineIn?: number },
    ) => {
      const client = from === l2 ? second : home;
      const now = Number((await client.getBlock({ blockTag: 'latest' })).timestamp);
      return send(from, {
        to: spokePoolOf(from),
        abi: spokePoolAbi,
        functionName: 'deposit',
        args: [
          toBytes32(user.address),
          toBytes32(recipient),
          toBytes32(token(from).address),
          toBytes32(token(to).address),
          amounts.input,
          amounts.output,
          BigInt(to.chainId),
          toBytes32(zeroAddress),
          now,
          now + (amounts.deadlineIn ?? 3600),
          0,
          '0x',
        ],
        ...(amounts.value ? { value: amounts.value } : {}),
      });
    };
    const balanceOf = (client: typeof home, token: Address, holder: Address) =>
      client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

    // 100 USDC from the devnet to its L2, for 99.9 there (a 10 bps fee).
    await send(devnet.manifest, {
      to: usdc(devnet.manifest).address,
      abi: erc20Abi,
      functionName: 'approve',
      args: [spokePool, parseUnits('1000', 6)],
    });
    const userUsdc = await balanceOf(home, usdc(devnet.manifest).address, user.address);
    const sentAt = performance.now();
    await deposit(devnet.manifest, l2, usdc, { input: parseUnits('100', 6), output: parseUnits('99.9', 6) });
    expect(await balanceOf(home, usdc(devnet.manifest).address, user.address)).toBe(userUsdc - parseUnits('100', 6));
    // The relayer filled the deposit on the L2.
    await expect
      .poll(() => balanceOf(second, usdc(l2).address, recipient), { timeout: 20_000, interval: 100 })
      .toBe(parseUnits('99.9', 6));
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(RELAYER_DELAY_MS);
    expect(await balanceOf(home, usdc(devnet.manifest).address, recipient)).toBe(0n);

    // ETH the other way: 1 ETH deposited as WETH on the L2, 0.999 ETH to a plain address on the devnet.
    const ethBefore = await home.getBalance({ address: recipient });
    await deposit(l2, devnet.manifest, weth, {
      input: parseEther('1'),
      output: parseEther('0.999'),
      value: parseEther('1'),
    });
    await expect
      .poll(() => home.getBalance({ address: recipient }), { timeout: 20_000, interval: 100 })
      .toBe(ethBefore + parseEther('0.999'));

    // What a relayer does not take: a fee under its minimum, a deadline already past. Nothing arrives.
    await deposit(devnet.manifest, l2, usdc, { input: parseUnits('10', 6), output: parseUnits('10', 6) });
    await deposit(devnet.manifest, l2, usdc, {
      input: parseUnits('10', 6),
      output: parseUnits('9.9', 6),
      deadlineIn: -10,
    });
    await eventually(
      () => (devnet.relayer?.outcomes.filter((o) => o.outcome === 'skipped').length ?? 0) >= 2,
      20_000,
      'the relayer passed over the two deposits',
    );
    expect(devnet.relayer?.outcomes.map((o) => [o.outcome, o.reason ?? ''])).toEqual([
      ['filled', ''],
      ['filled', ''],
      ['skipped', 'a fee under its 10 bps'],
      ['skipped', 'its fill deadline has passed'],
    ]);
    expect(await balanceOf(second, usdc(l2).address, recipient)).toBe(parseUnits('99.9', 6));
    const filled = devnet.relayer?.outcomes.filter((o) => o.outcome === 'filled') ?? [];
    for (const fill of filled) expect(fill.fillMs).toBeGreaterThanOrEqual(RELAYER_DELAY_MS);
  });

  it('plans "bridge 100 USDC to devnet-l2 and supply it to aave there" as two legs, previews both, and runs the second once the fill lands: the position is there, nothing idle', async () => {
    // across/bridge awaits the maintainers' signature: stood in for here (skills/testing/stand-in-signature.ts),
    // attested by the test auditor, whom this runtime trusts through SKILL_AUDITORS.
    const db = openDatabase(databasePath(dataDir));
    await standInForBuiltinSignature(db, 'across/bridge');
    db.close();
    const env = {
      DATA_DIR: dataDir,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
      SEXTANT_USER: 'two-legs',
      SKILL_AUDITORS: TEST_TRUSTED_AUDITORS.join(','),
    };
    expect((await sextantInProcess(['faucet'], env)).code).toBe(0);
    const shown = await sextantInProcess(['account', '--json'], env);
    const account = JSON.parse(shown.stdout).account as Address;
    const home = publicClientFor(devnetNetwork(devnet.manifest));
    const second = publicClientFor(devnetNetwork(l2));
    const usdcOn = (m: DevnetManifest) => m.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
    const balanceOf = (client: typeof home, token: Address) =>
      client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
    const aUsdcThere = l2.aaveV3Reserves.USDC?.aToken as Address;
    const message = 'bridge 100 USDC to devnet-l2 and supply it to aave there';

    // No ETH on the L2 for the second leg's gas (no paymaster there): not offered, nothing moves.
    const unfunded = await sextantInProcess(['run', message, '--yes', '--json', '--llm', 'embedded'], env);
    const refused = JSON.parse(unfunded.stdout);
    expect(refused.kind, unfunded.stdout).toBe('not-offered');
    expect(refused.text).toMatch(/On Sextant devnet L2: .*gas/);
    expect(await balanceOf(home, usdcOn(devnet.manifest))).toBe(parseUnits('10000', 6));

    expect((await sextantInProcess(['faucet'], { ...env, CHAIN: 'devnet-l2' })).code).toBe(0);
    const usdcThereBefore = await balanceOf(second, usdcOn(l2));
    const run = await sextantInProcess(['run', message, '--yes', '--json', '--llm', 'embedded'], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.plan.steps.map((s: { skillId: string; chainId?: number }) => [s.skillId, s.chainId])).toEqual([
      ['across/bridge', undefined],
      ['aave-v3/supply', l2.chainId],
    ]);
    // Both legs previewed, each on its own chain, each guarded there; the bridged 100 USDC counted once.
    const { preview } = result.plan;
    expect(preview.destination).toMatchObject({
      chainId: l2.chainId,
      arrives: [{ token: usdcOn(l2), symbol: 'USDC', amount: '99.9' }],
    });
    expect(preview.changes).toContainEqual(expect.objectContaining({ token: usdcOn(devnet.manifest), amount: '-100' }));
    expect(preview.destination.preview.changes).toContainEqual(
      expect.objectContaining({ token: usdcOn(l2), amount: '-99.9' }),
    );
    expect(preview.destination.preview.guard?.checks.length).toBeGreaterThan(0);
    expect(preview.valueOutUsd).toBeCloseTo(100, 1);
    expect(result.execution.status).toBe('succeeded');
    expect(await balanceOf(home, usdcOn(devnet.manifest))).toBe(parseUnits('9900', 6));

    // The relayer fills it after its delay; `sextant bridges` then runs the leg there, once.
    await expect
      .poll(
        async () => {
          const bridges = await sextantInProcess(['bridges', '--json'], env);
          return (JSON.parse(bridges.stdout).legs as { status: string; executionStatus: string | null }[]).map(
            (leg) => [leg.status, leg.executionStatus],
          );
        },
        { timeout: 20_000, interval: 200 },
      )
      .toEqual([['executed', 'succeeded']]);
    expect(await balanceOf(second, aUsdcThere)).toBeGreaterThanOrEqual(parseUnits('99.9', 6));
    // All 99.9 that arrived went into the position: the account's USDC there is as before the bridge.
    expect(await balanceOf(second, usdcOn(l2))).toBe(usdcThereBefore);
    expect(await balanceOf(home, devnet.manifest.aaveV3Reserves.USDC?.aToken as Address)).toBe(0n);
    const again = await sextantInProcess(['bridges', '--json'], env);
    expect(JSON.parse(again.stdout).legs).toHaveLength(1);
    // The plan says where its leg stands (`sextant plans show`, GET /v1/plans/:id, the page).
    const shownPlan = await sextantInProcess(['plans', 'show', result.plan.id, '--json'], env);
    expect(JSON.parse(shownPlan.stdout).plan.leg).toMatchObject({
      chainId: l2.chainId,
      status: 'executed',
      executionStatus: 'succeeded',
    });
    const shownText = await sextantInProcess(['plans', 'show', result.plan.id], env);
    expect(shownText.stdout).toMatch(/The leg on Sextant devnet L2: run there \(succeeded, 0x[0-9a-f]{64}\)/);
    expect(await balanceOf(second, aUsdcThere)).toBeLessThan(parseUnits('99.91', 6));
  });

  it('runs a leg waiting on a bridge in the runner’s pass (`sextant orders run`, as the server does), once', async () => {
    const env = {
      DATA_DIR: dataDir,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
      SEXTANT_USER: 'two-legs-pass',
      SKILL_AUDITORS: TEST_TRUSTED_AUDITORS.join(','),
    };
    expect((await sextantInProcess(['faucet'], env)).code).toBe(0);
    expect((await sextantInProcess(['faucet'], { ...env, CHAIN: 'devnet-l2' })).code).toBe(0);
    const account = JSON.parse((await sextantInProcess(['account', '--json'], env)).stdout).account as Address;
    const aUsdcThere = l2.aaveV3Reserves.USDC?.aToken as Address;
    const position = () =>
      publicClientFor(devnetNetwork(l2)).readContract({
        address: aUsdcThere,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [account],
      });
    const run = await sextantInProcess(
      ['run', 'bridge 50 USDC to devnet-l2 and supply it to aave there', '--yes', '--json', '--llm', 'embedded'],
      env,
    );
    expect(JSON.parse(run.stdout).execution?.status, run.stdout + run.stderr).toBe('succeeded');
    type Pass = { legs?: { userId: string; legs: { status: string }[] | null }[] };
    const legsOf = (pass: Pass) => pass.legs?.find((l) => l.userId === 'two-legs-pass')?.legs?.map((l) => l.status);
    await expect
      .poll(async () => legsOf(JSON.parse((await sextantInProcess(['orders', 'run', '--json'], env)).stdout) as Pass), {
        timeout: 20_000,
        interval: 200,
      })
      .toEqual(['executed']);
    expect(await position()).toBeGreaterThanOrEqual(parseUnits('49.95', 6));
    // A later pass finds nothing waiting: the leg is not run again.
    const later = JSON.parse((await sextantInProcess(['orders', 'run', '--json'], env)).stdout) as Pass;
    expect(legsOf(later)).toBeUndefined();
    expect(await position()).toBeLessThan(parseUnits('49.96', 6));
  });

  it('refunds a deposit that expires unfilled on its origin, and says so from both chains, once', async () => {
    // The relayer is gone: nothing fills.
    await devnet.relayer?.stop();
    const home = publicClientFor(devnetNetwork(devnet.manifest));
    const second = publicClientFor(devnetNetwork(l2));
    const spokePool = spokePoolOf(devnet.manifest);
    const user = privateKeyToAccount(generatePrivateKey());
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    await fundFromFaucet(home, devnet.manifest.rpcUrl, devnet.manifest.tokens, user.address);
    const usdc = devnet.manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
    const wallet = createWalletClient({
      account: user,
      chain: toViemChain(devnet.manifest.chainId, devnet.manifest.rpcUrl),
      transport: devnetTransport(devnet.manifest.rpcUrl),
    });
    const balance = () =>
      home.readContract({ address: usdc.address, abi: erc20Abi, functionName: 'balanceOf', args: [user.address] });
    await minedReceipt(
      home,
      await wallet.writeContract({
        address: usdc.address,
        abi: erc20Abi,
        functionName: 'approve',
        args: [spokePool, parseUnits('50', 6)],
      }),
    );
    const before = await balance();
    const now = Number((await home.getBlock({ blockTag: 'latest' })).timestamp);
    const receipt = await minedReceipt(
      home,
      await wallet.writeContract({
        address: spokePool,
        abi: spokePoolAbi,
        functionName: 'deposit',
        args: [
          toBytes32(user.address),
          toBytes32(recipient),
          toBytes32(usdc.address),
          toBytes32((l2.tokens.find((t) => t.symbol === 'USDC') as { address: Address }).address),
          parseUnits('50', 6),
          parseUnits('49.9', 6),
          BigInt(l2.chainId),
          toBytes32(zeroAddress),
          now,
          now + 20,
          0,
          '0x',
        ],
      }),
    );
    const [log] = parseEventLogs({ abi: [FUNDS_DEPOSITED], logs: receipt.logs });
    const deposit = depositFromLog(devnet.manifest.chainId, log?.args ?? {});
    const sides = [
      { client: home, spokePool },
      { client: second, spokePool: spokePoolOf(l2) },
    ] as const;
    expect(await depositStatus(...sides, deposit)).toBe('pending');
    expect(await balance()).toBe(before - parseUnits('50', 6));

    // Both chains' clocks past the deadline: it can never be filled now, and the refund comes.
    for (const manifest of [devnet.manifest, l2]) {
      await jsonRpc(manifest.rpcUrl, 'evm_increaseTime', [30]);
      await jsonRpc(manifest.rpcUrl, 'evm_mine', []);
    }
    await expect.poll(() => balance(), { timeout: 20_000, interval: 100 }).toBe(before);
    expect(await depositStatus(...sides, deposit)).toBe('refunded');
    // Counted once: a second expired deposit of the same depositor would need a payment of its own.
    expect(await depositStatus(...sides, deposit, deposit.inputAmount)).toBe('expired');
    // This one, and the earlier deposit whose deadline had already passed (the relayer passed over it).
    await expect.poll(() => devnet.refunds?.refunded.length, { timeout: 20_000, interval: 100 }).toBe(2);
    expect(devnet.refunds?.refunded).toContainEqual({
      originChainId: devnet.manifest.chainId,
      depositId: deposit.depositId,
    });
    expect(
      await second.readContract({
        address: (l2.tokens.find((t) => t.symbol === 'USDC') as { address: Address }).address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [recipient],
      }),
    ).toBe(0n);
  });

  it('stops both chains’ anvils and Altos', async () => {
    const pids = [devnet.anvil, devnet.alto, devnet.l2?.anvil, devnet.l2?.alto].map((c) => c?.process.pid);
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    await devnet.stop();
    for (const pid of pids) expect(isAlive(pid as number)).toBe(false);
  });
});
