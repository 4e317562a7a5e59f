import { type Address, encodeFunctionData, erc20Abi, formatUnits, isAddressEqual } from 'viem';
import type { Chain, Token } from '../../common/chains/types.ts';
import { formatAmount } from '../sdk/amounts.ts';
import { NATIVE_TOKEN, type Skill, type SkillBuild, type SkillCall, type SkillContext } from '../sdk/define-skill.ts';
import { type RefusalReason, SkillError, SkillRefusedError } from '../sdk/errors.ts';
import type { SkillManifest } from '../sdk/manifest.ts';
import { assertCallsDeclared, contractByName, permissionsOn } from '../sdk/permissions.ts';
import { REMOTE_INPUTS, type RemoteAction, type RemoteSwapInput, remoteSkillAction } from './actions.ts';
import {
  BUILD_PATH,
  type BuildResponse,
  BuildResponseSchema,
  displayText,
  firstIssue,
  MAX_BUILD_RESPONSE_BYTES,
} from './document.ts';
import { EndpointError } from './errors.ts';
import { fetchJson } from './fetch-json.ts';
import { intentBound } from './intent-bounds.ts';
import { simulateStep } from './step-simulation.ts';

/** The slippage a swap is planned (and checked by the policy) with when the user names none, as for local swaps. */
const DEFAULT_SLIPPAGE_BPS = 50;
/** Room for the market to move between the endpoint's quote and Sextant's simulation of it. */
const DRIFT_BPS = 10n;
/** The health factor a step may not leave a position with debt under (1.1, as the local Aave skills). */
const MIN_HEALTH_FACTOR = 1_100_000_000_000_000_000n;

export type RemoteSkillOptions = {
  /** The endpoint's base URL, as stored. */
  endpoint: string;
  /** The skill's manifest, its texts already cut for display. */
  manifest: SkillManifest;
  timeoutMs: number;
  /** Why the endpoint is suspect, if it is (read at each build: a mark made since the catalog loaded counts). */
  suspicion: () => string | undefined;
  /** Records that the endpoint built something it must not have. */
  markSuspect: (reason: string) => void;
};

/**
 * A remote skill as the runtime holds it: a Skill whose `build` asks the endpoint (POST /build) and
 * then holds the answer to Sextant's own rules, never to the endpoint's word:
 * 1. every call targets a contract and selector the attested manifest declares (assertCallsDeclared);
 * 2. the bounds are derived from the intent by Sextant (intent-bounds.ts): the one asset the account
 *    gives and at most how much, the one it receives and at least how much. For "swap 100 USDC for
 *    ETH": at most 100 USDC out, at least the user's minimum (or the endpoint's claimed one) in; for
 *    "supply 100 USDC": at most 100 USDC out, at least 100 aUSDC (less Aave's rounding) in; for
 *    "withdraw 100 USDC": at most 100 aUSDC (plus rounding) out, at least 100 USDC in. What the
 *    endpoint claims beyond that (taking more, taking other tokens) is refused;
 * 3. approvals only of the asset given, to declared contracts, for no more than is given;
 * 4. the step is simulated from the account on the state the plan's earlier steps leave, and must
 *    stay inside those bounds: no listed token, ETH or the position token drops but the one given, by
 *    no more than given; the one received rises by at least the minimum; no Approval names an
 *    undeclared spender; no Aave debt is taken on and no credit delegated (approveDelegation);
 * 5. for a swap, a minimum the endpoint chose may sit no further below the simulated output than the
 *    slippage the policy is told about (the user's, or 50 bps as for local swaps; plus 10 bps for
 *    the market's drift).
 * A breach refuses the plan with the reason and marks the endpoint suspect; a timeout, an oversized or
 * malformed answer is a clear error (EndpointError) and marks nothing. The endpoint's summary text is
 * not used: the preview's line is written here, from the numbers checked.
 */
export function remoteSkill(options: RemoteSkillOptions): Skill {
  const { manifest } = options;
  const verdict = remoteSkillAction(manifest);
  if ('problem' in verdict) throw new SkillError(`${manifest.id} cannot run as a remote skill: ${verdict.problem}.`);
  const { action } = verdict;
  return {
    kind: 'action',
    id: manifest.id,
    version: manifest.version,
    title: manifest.title,
    description: manifest.description,
    protocol: manifest.protocol,
    author: manifest.author,
    actions: [...manifest.actions],
    chains: [...manifest.chains],
    input: REMOTE_INPUTS[action],
    contracts: manifest.contracts,
    build: (input, ctx) => buildRemote(options, action, input, ctx),
  };
}

async function buildRemote(
  options: RemoteSkillOptions,
  action: RemoteAction,
  input: unknown,
  ctx: SkillContext,
): Promise<SkillBuild> {
  const { endpoint, manifest } = options;
  const id = manifest.id;
  const suspicion = options.suspicion();
  if (suspicion) {
    throw new SkillRefusedError(
      id,
      'suspect',
      `${id} may not run: its endpoint ${endpoint} is marked suspect (${suspicion}).`,
      {
        hint: 'Look into the endpoint; `sextant endpoints clear-suspect URL` restores it, `sextant endpoints remove URL` drops it.',
      },
    );
  }
  const bound = await intentBound(action, input, ctx, id);
  const { gives, receives, userMinimum } = bound;

  const reply = await askEndpoint(options, bound.request, ctx);
  const refuse = (reason: RefusalReason, why: string): never => {
    options.markSuspect(why);
    throw new SkillRefusedError(id, reason, `${id} was refused, and its endpoint ${endpoint} marked suspect: ${why}`, {
      hint: 'Nothing was signed or sent. `sextant endpoints list` shows the endpoint and why.',
    });
  };

  // 1. Only what the attested manifest declares.
  try {
    assertCallsDeclared(id, manifest.contracts, ctx.chain, reply.calls);
  } catch (error) {
    if (!(error instanceof SkillRefusedError)) throw error;
    refuse('undeclared-call', error.message.replace(`${id} was refused: `, ''));
  }

  // 2. Its claims, against the intent's bounds.
  const amount = (value: bigint, token: Token) => formatAmount(value, token);
  for (const give of reply.bounds?.gives ?? []) {
    if (!isAddressEqual(give.token, gives.token.address)) {
      refuse(
        'suspect',
        `it says it would take ${give.token} too, but the ${bound.what} gives only ${gives.token.symbol}.`,
      );
    }
  }
  const claimedGive = sum(reply.bounds?.gives ?? [], gives.token.address);
  if (claimedGive > gives.amount) {
    refuse(
      'suspect',
      `it says it would take ${amount(claimedGive, gives.token)}, more than the ${amount(gives.amount, gives.token)} you asked to ${bound.verb}.`,
    );
  }
  let minimum = receives.amount;
  if (action === 'swap') {
    const tokenOut = receives.token;
    const claimedMinimum = sum(reply.bounds?.receives ?? [], tokenOut.address);
    if (userMinimum !== undefined && claimedMinimum > 0n && claimedMinimum < userMinimum) {
      throw new SkillError(
        `${id} guarantees only ${amount(claimedMinimum, tokenOut)}, less than the ${amount(userMinimum, tokenOut)} you asked for.`,
        { hint: 'Lower your minimum, or wait for a better price.' },
      );
    }
    minimum = claimedMinimum > (userMinimum ?? 0n) ? claimedMinimum : (userMinimum ?? 0n);
    if (minimum === 0n) {
      throw new SkillError(`${id}'s endpoint states no minimum ${tokenOut.symbol} for the swap, and you named none.`, {
        hint: 'A swap without a guaranteed minimum is not offered; say the least you will accept ("at least …").',
      });
    }
  }

  // 3. Approvals: the asset given, to contracts the manifest declares, no more than is given.
  const declared = declaredContracts(manifest, ctx.chain);
  const approvals = reply.approvals ?? [];
  for (const approval of approvals) {
    if (!isAddressEqual(approval.token, gives.token.address) || isAddressEqual(approval.token, NATIVE_TOKEN)) {
      refuse(
        'suspect',
        `it asks for an allowance of ${approval.token}, but the ${bound.what} gives ${gives.token.symbol}.`,
      );
    }
    if (!declared.some((address) => isAddressEqual(address, approval.spender))) {
      refuse('suspect', `it asks for an allowance to ${approval.spender}, a contract its manifest does not declare.`);
    }
  }
  if (sum(approvals, gives.token.address) > gives.amount) {
    refuse('suspect', `it asks for an allowance above the ${amount(gives.amount, gives.token)} given.`);
  }

  // 4. The simulation must show the account inside those bounds.
  const approveCalls: SkillCall[] = approvals.map((approval) => ({
    to: approval.token,
    value: 0n,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [approval.spender, approval.amount] }),
  }));
  const watched = [gives.token.address, receives.token.address, ...ctx.chain.tokens.map((token) => token.address)];
  const aavePool = ctx.chain.contracts.aaveV3?.pool;
  const simulation = await simulateStep(ctx, [...approveCalls, ...reply.calls], watched, aavePool ? { aavePool } : {});
  if (!simulation.ok) {
    throw new SkillError(`${id}'s calls from ${endpoint} would fail: ${simulation.revertReason}.`, {
      hint: 'Nothing was signed or sent; ask again in a moment, or use another skill.',
    });
  }
  for (const [token, change] of simulation.changes) {
    const floor = isAddressEqual(token as Address, gives.token.address)
      ? -gives.amount
      : isAddressEqual(token as Address, receives.token.address)
        ? minimum
        : 0n;
    if (change < floor) {
      const what = await ctx.token(token).catch(() => ({ symbol: token, decimals: 0 }) as Token);
      refuse(
        'suspect',
        `the simulation shows the account's ${what.symbol} changing by ${formatAmount(change, what)}, outside the ${bound.what} you asked for (at most ${amount(gives.amount, gives.token)} out, at least ${amount(minimum, receives.token)} in).`,
      );
    }
  }
  if (simulation.unlistedOutflows.length > 0) {
    refuse('suspect', `the simulation shows it moving ${simulation.unlistedOutflows.join(', ')} out of the account.`);
  }
  for (const approval of simulation.approvals) {
    if (!declared.some((address) => isAddressEqual(address, approval.spender))) {
      refuse(
        'suspect',
        `the simulation shows it approving ${approval.spender}, a contract its manifest does not declare.`,
      );
    }
  }
  // Nor lets anyone else take it on later: a delegation of credit is a loan on the account's collateral.
  for (const delegation of simulation.delegations) {
    if (delegation.amount === 0n) continue;
    refuse(
      'suspect',
      `the simulation shows it letting ${delegation.delegatee} borrow against the account in the Aave V3 market (a credit delegation), which a ${bound.what} never does.`,
    );
  }
  // No step of these takes on debt: a borrow would be value the token balances do not show leaving.
  if (simulation.market && simulation.market.debtAfter > simulation.market.debtBefore) {
    refuse(
      'suspect',
      `the simulation shows it taking on debt in the Aave V3 market, which a ${bound.what} never does.`,
    );
  }
  // A step may not bring a position with debt nearer liquidation than the floor the local Aave skills hold to.
  if (
    simulation.market &&
    simulation.market.debtAfter > 0n &&
    simulation.market.healthFactorAfter < simulation.market.healthFactorBefore &&
    simulation.market.healthFactorAfter < MIN_HEALTH_FACTOR
  ) {
    throw new SkillError(
      `${id}: this ${bound.what} would leave the health factor at ${formatUnits(simulation.market.healthFactorAfter, 18).slice(0, 6)}, under ${formatUnits(MIN_HEALTH_FACTOR, 18)}.`,
      { hint: 'Withdraw less, or repay part of the debt first.' },
    );
  }
  // 5. A swap's minimum of the endpoint's choosing is held to the slippage the policy is told (the user's, or 50 bps).
  if (action === 'swap' && userMinimum === undefined) {
    const tokenOut = receives.token;
    const received = simulation.changes.get(tokenOut.address.toLowerCase()) ?? 0n;
    const allowedBps = BigInt((input as RemoteSwapInput).slippageBps ?? DEFAULT_SLIPPAGE_BPS);
    if (minimum * 10_000n < received * (10_000n - allowedBps - DRIFT_BPS)) {
      const impliedBps = ((received - minimum) * 10_000n) / received;
      throw new SkillError(
        `${id} guarantees at least ${amount(minimum, tokenOut)}, ${impliedBps} bps below the ${amount(received, tokenOut)} the simulation shows: more slippage than the ${allowedBps} bps allowed.`,
        { hint: 'Name the slippage you accept ("with 1% slippage") or the least you will take ("at least …").' },
      );
    }
  }

  return {
    calls: reply.calls,
    bounds: bound.planBounds(minimum),
    approvals,
    summary: bound.summary(minimum, `${manifest.protocol} (remote endpoint ${new URL(endpoint).host})`, amount),
  };
}

/** POST /build, with the deadline and the size limit, and the answer checked against the format. */
async function askEndpoint(
  options: RemoteSkillOptions,
  input: Record<string, unknown>,
  ctx: SkillContext,
): Promise<BuildResponse> {
  const { endpoint, manifest } = options;
  const { status, json } = await fetchJson(`${endpoint}${BUILD_PATH}`, {
    endpoint,
    method: 'POST',
    body: { skill: manifest.id, input, chainId: ctx.chain.chainId, account: ctx.account },
    timeoutMs: options.timeoutMs,
    maxBytes: MAX_BUILD_RESPONSE_BYTES,
    what: `the build of ${manifest.id}`,
  });
  if (status !== 200) {
    const said = typeof (json as { error?: unknown })?.error === 'string' ? (json as { error: string }).error : '';
    throw new EndpointError(
      endpoint,
      'http',
      `${endpoint} could not build ${manifest.id} (HTTP ${status})${said ? `; it said: "${displayText(said, 200)}"` : ''}.`,
    );
  }
  const parsed = BuildResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new EndpointError(
      endpoint,
      'malformed',
      `${endpoint}'s build of ${manifest.id} is not valid: ${firstIssue(parsed.error)}.`,
      {
        hint: 'It answered, but not in the agent endpoint format (skills/remote/README.md).',
      },
    );
  }
  return parsed.data;
}

/** The contracts a manifest names on this chain (named ones and addresses; not `any`, not the token list). */
function declaredContracts(manifest: SkillManifest, chain: Chain): Address[] {
  return permissionsOn(manifest.contracts, chain).flatMap((permission) => {
    if (permission.contract === 'any' || permission.contract === 'token-list') return [];
    const address = contractByName(chain, permission.contract);
    return address ? [address] : [];
  });
}

function sum(amounts: readonly { token: Address; amount: bigint }[], token: Address): bigint {
  return amounts.filter((a) => isAddressEqual(a.token, token)).reduce((total, a) => total + a.amount, 0n);
}
