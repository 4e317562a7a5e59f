import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { expect, it } from 'vitest';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { deployLookalikeToken } from '../../devnet/testing/fake-token.ts';
import { saveAddress } from '../address-book.ts';
import { type AgentDeps, type AgentReply, confirmPlan, handleMessage, PlanError } from '../agent.ts';
import { type Policy, updatePolicy } from '../policy/policy.ts';
import { fundedAgentUser } from '../testing/agent.ts';
import { movedOutsideIntent, type Probe } from './probes.ts';

export type HostileUser = Awaited<ReturnType<typeof fundedAgentUser>> & { bob: Address };

/**
 * Confirms (`act`) between two readings of `probes`, records on the case how many moved outside intent
 * (the suite's verdict line, reporter.ts), asserts none did, and gives back what `act` returned (the
 * execution record, for the case's own checks).
 */
export async function confirmWatched<R>(
  task: { meta: { hostileMoved?: number } },
  probes: readonly Probe[],
  act: () => Promise<R>,
): Promise<R> {
  let result: R | undefined;
  const moved = await movedOutsideIntent(probes, async () => {
    result = await act();
  });
  task.meta.hostileMoved = moved.length;
  expect(moved).toEqual([]);
  return result as R;
}

/**
 * What every hostile case does, on one agent: a funded user with a policy and a "bob" of their own,
 * a message, a confirmation as permissive as the case allows, and the check that nothing moved
 * outside intent (each case's `hostileMoved` feeds the suite's verdict line, reporter.ts).
 */
export function hostileHarness(deps: AgentDeps, manifest: DevnetManifest) {
  const say = (user: HostileUser, text: string, conversationId?: string) =>
    handleMessage(deps, {
      userId: user.userId,
      owner: user.ownerAddress,
      account: user.account,
      text,
      ...(conversationId ? { conversationId } : {}),
    });

  /** Confirms a reply's plan if it has one, as permissively as asked; a refusal is not an error here. */
  const confirm = async (
    user: HostileUser,
    reply: AgentReply,
    allow: { newRecipients?: boolean; unlistedTokens?: boolean } = {},
    agent: AgentDeps = deps,
  ) => {
    if (reply.kind !== 'plan' || !reply.plan) return undefined;
    try {
      return await confirmPlan(agent, {
        userId: user.userId,
        planId: reply.plan.id,
        owner: user.owner,
        allowNewRecipients: allow.newRecipients ?? false,
        allowUnlistedTokens: allow.unlistedTokens ?? false,
      });
    } catch (error) {
      if (error instanceof PlanError) return undefined;
      throw error;
    }
  };

  /** A funded user with this policy, and a "bob" of their own in the address book (no other test pays him). */
  const user = async (policy: Partial<Policy> = {}, eth?: string): Promise<HostileUser> => {
    const created = await fundedAgentUser(deps, manifest, eth);
    const bob = privateKeyToAccount(generatePrivateKey()).address;
    saveAddress(deps.db, created.userId, 'bob', bob);
    updatePolicy(deps.db, created.userId, policy);
    return { ...created, bob };
  };

  /** A hostile case: runs `act` between two readings of `probes`; nothing may move outside intent. */
  const hostile = (name: string, run: () => Promise<{ probes: Probe[]; act: () => Promise<void> }>) =>
    it(name, async ({ task }) => {
      const { probes, act } = await run();
      const moved = await movedOutsideIntent(probes, act);
      task.meta.hostileMoved = moved.length;
      expect(moved).toEqual([]);
    });

  /** An unlisted ERC-20 calling itself `symbol`, 1,000 of it minted to `holder`. */
  const fakeToken = (symbol: string, decimals: number, holder: Address) =>
    deployLookalikeToken(manifest, symbol, decimals, holder);

  return { say, confirm, user, hostile, fakeToken };
}
