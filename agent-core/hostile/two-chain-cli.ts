import { type Address, erc20Abi, getAddress, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { expect } from 'vitest';
import { databasePath, openDatabase } from '../../common/database.ts';
import { publicClientFor } from '../../common/network.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { sextantInProcess } from '../../devnet/testing/in-process.ts';
import { TEST_TRUSTED_AUDITORS } from '../../skills/testing/endpoints.ts';
import { listContinuations } from '../../smart-accounts/bridge-continuations.ts';
import { devnetNetwork } from '../../smart-accounts/testing/environment.ts';

/** What `sextant run --json` prints, as much of it as the hostile two-leg cases read. */
export type RunJson = {
  kind: string;
  text: string;
  plan?: {
    id: string;
    status: string;
    newRecipients: string[];
    steps: { skillId: string; chainId?: number }[];
    preview: {
      valueOutUsd: number;
      destination?: { arrives: { token: Address; symbol: string; amount: string }[]; preview: { changes: unknown[] } };
    };
  };
  execution: { id: string; status: string } | null;
};

/** A leg as `sextant bridges --json` lists it. */
export type LegJson = {
  status: string;
  executionStatus: string | null;
  reason: string | null;
  afterExecutionId: string;
};

/**
 * The hostile two-leg cases' way of acting and looking: users driven through the CLI in this process
 * on the two-chain devnet in `dataDir` (across/bridge trusted through SKILL_AUDITORS, its signature
 * stood in for), and the balances they watch on both chains. `chains` is read when called: the
 * devnet starts in the file's beforeAll.
 */
export function twoChainCli(
  dataDir: string,
  passphrase: string,
  chains: () => { home: DevnetManifest; l2: DevnetManifest },
) {
  const envOf = (user: string, chain?: string) => ({
    DATA_DIR: dataDir,
    SEXTANT_PASSPHRASE: passphrase,
    SEXTANT_USER: user,
    SKILL_AUDITORS: TEST_TRUSTED_AUDITORS.join(','),
    ...(chain ? { CHAIN: chain } : {}),
  });
  const clientOf = (m: DevnetManifest) => publicClientFor(devnetNetwork(m));
  const tokenOn = (m: DevnetManifest, symbol: string) => m.tokens.find((t) => t.symbol === symbol)?.address as Address;
  const aTokenOn = (m: DevnetManifest, symbol: string) =>
    m.aaveV3Reserves[symbol as keyof typeof m.aaveV3Reserves]?.aToken as Address;
  const erc20 = (m: DevnetManifest, token: Address, holder: Address) =>
    clientOf(m).readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const eth = (m: DevnetManifest, holder: Address) => clientOf(m).getBalance({ address: holder });
  const usdc = (n: string) => parseUnits(n, 6);
  const newAddress = () => getAddress(privateKeyToAccount(generatePrivateKey()).address);

  /** A user with the faucet's amounts on both chains (ETH for gas there too), and their account. */
  async function newUser(name: string): Promise<{ name: string; account: Address }> {
    expect((await sextantInProcess(['faucet'], envOf(name))).code).toBe(0);
    expect((await sextantInProcess(['faucet'], envOf(name, 'devnet-l2'))).code).toBe(0);
    const shown = await sextantInProcess(['account', '--json'], envOf(name));
    return { name, account: JSON.parse(shown.stdout).account as Address };
  }

  async function run(user: string, text: string, flags: string[] = [], chain?: string): Promise<RunJson> {
    const result = await sextantInProcess(['run', text, '--json', '--llm', 'embedded', ...flags], envOf(user, chain));
    try {
      return JSON.parse(result.stdout) as RunJson;
    } catch {
      throw new Error(`sextant run "${text}" printed no JSON: ${result.stdout}${result.stderr}`);
    }
  }

  async function legs(user: string): Promise<LegJson[]> {
    const result = await sextantInProcess(['bridges', '--json'], envOf(user));
    return (JSON.parse(result.stdout) as { legs: LegJson[] }).legs;
  }

  /** `sextant bridges` until no leg waits (the relayer fills after its delay), then the legs. */
  async function settledLegs(user: string): Promise<LegJson[]> {
    let last: LegJson[] = [];
    await expect
      .poll(
        async () => {
          last = await legs(user);
          return last.some((leg) => leg.status === 'waiting');
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(false);
    return last;
  }

  /** Continuations as the database holds them (read-only, beside the CLI's own connection). */
  function continuationsOf(user: string) {
    const db = openDatabase(databasePath(dataDir));
    try {
      return listContinuations(db, user);
    } finally {
      db.close();
    }
  }

  /** The balances a case watches, on both chains. */
  async function snapshot(account: Address, others: Address[] = []) {
    const { home, l2 } = chains();
    const read = async (holder: Address) => ({
      homeUsdc: await erc20(home, tokenOn(home, 'USDC'), holder),
      homeEth: await eth(home, holder),
      l2Usdc: await erc20(l2, tokenOn(l2, 'USDC'), holder),
      l2Weth: await erc20(l2, tokenOn(l2, 'WETH'), holder),
      l2Eth: await eth(l2, holder),
      l2aUsdc: await erc20(l2, aTokenOn(l2, 'USDC'), holder),
      l2aWeth: await erc20(l2, aTokenOn(l2, 'WETH'), holder),
      homeaUsdc: await erc20(home, aTokenOn(home, 'USDC'), holder),
    });
    return { account: await read(account), others: await Promise.all(others.map(read)) };
  }

  return {
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
  };
}
