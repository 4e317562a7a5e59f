import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, encodeFunctionData, erc20Abi, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonRpc } from '../common/json-rpc.ts';
import { findFreePort } from '../common/ports.ts';
import { loadSettings } from '../common/settings.ts';
import { type Devnet, startDevnet } from '../devnet/devnet.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { type DevnetManifest, readManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { isAlive } from '../devnet/testing/processes.ts';
import { execute } from '../smart-accounts/execute.ts';
import { smartAccountAddress } from '../smart-accounts/smart-account.ts';
import { newUser, testEnvironment } from '../smart-accounts/testing/environment.ts';
import { resolveNetwork } from './network.ts';

/**
 * The devnet with its second, L2-like chain, started on free ports as `sextant start` starts it: two
 * anvils with their own chain ids, the same protocols at the same addresses on both (so a user's
 * smart account has one address on both), an Alto per chain, each chain's manifest in the data
 * directory, `CHAIN=devnet-l2` selecting the second, `sextant chains --json` listing both; a
 * UserOperation on the second chain moves tokens there and nothing on the first.
 */
let devnet: Devnet;
let l2: DevnetManifest;
let startSeconds: number;
const dataDir = mkdtempSync(join(tmpdir(), 'sextant-two-chains-'));

beforeAll(async () => {
  const started = performance.now();
  devnet = await startDevnet({
    anvilPort: await findFreePort(),
    bundlerPort: await findFreePort(),
    paymasterPort: await findFreePort(),
    l2: {
      chainId: 31338,
      anvilPort: await findFreePort(),
      bundlerPort: await findFreePort(),
      paymasterPort: await findFreePort(),
    },
    dataDir,
  });
  startSeconds = (performance.now() - started) / 1000;
  l2 = devnet.l2?.manifest as DevnetManifest;
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

describe('the devnet with two chains', () => {
  it('runs two chains with their own ids, the same protocols at the same addresses, and writes both manifests', async () => {
    expect(l2).toBeDefined();
    expect(devnet.manifest).toMatchObject({ slug: 'devnet', name: 'Sextant devnet', chainId: 31337 });
    expect(l2).toMatchObject({ slug: 'devnet-l2', name: 'Sextant devnet L2', chainId: 31338 });
    expect(Number(await jsonRpc<string>(devnet.manifest.rpcUrl, 'eth_chainId', []))).toBe(31337);
    expect(Number(await jsonRpc<string>(l2.rpcUrl, 'eth_chainId', []))).toBe(31338);
    expect(Number(await jsonRpc<string>(l2.bundlerUrl, 'eth_chainId', []))).toBe(31338);
    expect(l2.rpcUrl).not.toBe(devnet.manifest.rpcUrl);
    expect(l2.contracts).toEqual(devnet.manifest.contracts);
    expect(l2.tokens).toEqual(devnet.manifest.tokens);
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
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const balance = (env: typeof home, holder: Address) =>
      env.publicClient.readContract({
        address: usdc.address,
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

  it('stops both chains’ anvils and Altos', async () => {
    const pids = [devnet.anvil, devnet.alto, devnet.l2?.anvil, devnet.l2?.alto].map((c) => c?.process.pid);
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    await devnet.stop();
    for (const pid of pids) expect(isAlive(pid as number)).toBe(false);
  });
});
