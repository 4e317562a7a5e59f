import { randomUUID } from 'node:crypto';
import { type Address, erc20Abi, isAddressEqual, type LocalAccount, parseAbi } from 'viem';
import { expect } from 'vitest';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import { type DevnetManifest, manifestToChain } from '../../devnet/manifest.ts';
import type { ExecutionEnvironment } from '../../smart-accounts/environment.ts';
import { execute } from '../../smart-accounts/execute.ts';
import type { ExecutionRecord } from '../../smart-accounts/executions.ts';
import { newUser } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls } from '../build.ts';
import { erc20Approve } from '../erc20/approve.ts';
import { createSkillContext } from '../sdk/context.ts';
import { type AssetBounds, NATIVE_TOKEN, type SkillBuild, type SkillContext } from '../sdk/define-skill.ts';

/** A funded user on the devnet (faucet amounts) with a skill context for their smart account. */
export type TestUser = { userId: string; owner: LocalAccount; account: Address; ctx: SkillContext };

export async function fundedTestUser(env: ExecutionEnvironment, manifest: DevnetManifest): Promise<TestUser> {
  const user = await newUser(env, (account) =>
    fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, account),
  );
  const ctx = createSkillContext({ chain: manifestToChain(manifest), client: env.publicClient, account: user.account });
  return { ...user, ctx };
}

/**
 * Runs builds as the planner will: each build's approvals first (through erc20/approve, exact), then
 * its calls, all in one UserOperation. Returns the record and the account's balance change of every
 * asset the bounds name (ETH net of the gas fee).
 */
export async function executeBuilds(
  env: ExecutionEnvironment,
  user: TestUser,
  builds: SkillBuild[],
): Promise<{ record: ExecutionRecord; deltas: Map<Address, bigint> }> {
  const calls = [];
  for (const build of builds) {
    for (const approval of build.approvals) {
      const approve = await buildSkillCalls(
        erc20Approve,
        { token: approval.token, spender: approval.spender, amount: approval.amount.toString() },
        user.ctx,
      );
      calls.push(...approve.calls);
    }
    calls.push(...build.calls);
  }
  const assets = new Set<Address>([NATIVE_TOKEN]);
  for (const build of builds) {
    for (const asset of [...build.bounds.gives, ...build.bounds.receives]) assets.add(asset.token);
  }
  const before = await holdings(env, user.account, [...assets]);
  const record = await execute(env, user.owner, {
    userId: user.userId,
    idempotencyKey: randomUUID(),
    calls,
    spends: builds.flatMap((build) => build.bounds.gives.filter((give) => give.token !== NATIVE_TOKEN)),
  });
  const after = await holdings(env, user.account, [...assets]);
  const deltas = new Map<Address, bigint>();
  for (const asset of assets) {
    let delta = (after.get(asset) ?? 0n) - (before.get(asset) ?? 0n);
    if (asset === NATIVE_TOKEN) delta += record.feePaid ?? 0n;
    deltas.set(asset, delta);
  }
  return { record, deltas };
}

/** Checks measured deltas against bounds: gives at most, receives at least; nothing else taken. */
export function expectWithinBounds(deltas: Map<Address, bigint>, bounds: AssetBounds): void {
  for (const [asset, delta] of deltas) {
    const gives = bounds.gives.filter((g) => isAddressEqual(g.token, asset)).reduce((sum, g) => sum + g.amount, 0n);
    const receives = bounds.receives
      .filter((r) => isAddressEqual(r.token, asset))
      .reduce((sum, r) => sum + r.amount, 0n);
    expect(delta, `change of ${asset}`).toBeGreaterThanOrEqual(receives - gives);
  }
}

const ENTRY_POINT_DEPOSIT = parseAbi(['function balanceOf(address) view returns (uint256)']);

/** Balances of `assets`; ETH includes the account's EntryPoint deposit, which is its own money too. */
async function holdings(env: ExecutionEnvironment, account: Address, assets: Address[]): Promise<Map<Address, bigint>> {
  const result = new Map<Address, bigint>();
  for (const asset of assets) {
    if (asset === NATIVE_TOKEN) {
      const entryPoint = env.chain.contracts.entryPointV08 as Address;
      const [balance, deposit] = await Promise.all([
        env.publicClient.getBalance({ address: account }),
        env.publicClient.readContract({
          address: entryPoint,
          abi: ENTRY_POINT_DEPOSIT,
          functionName: 'balanceOf',
          args: [account],
        }),
      ]);
      result.set(asset, balance + deposit);
    } else {
      result.set(
        asset,
        await env.publicClient.readContract({
          address: asset,
          abi: erc20Abi,
          functionName: 'balanceOf',
          args: [account],
        }),
      );
    }
  }
  return result;
}
