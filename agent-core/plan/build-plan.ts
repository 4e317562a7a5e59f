import {
  type Address,
  erc20Abi,
  formatUnits,
  isAddress,
  isAddressEqual,
  type PublicClient,
  parseUnits,
  type RpcStateOverride,
} from 'viem';
import type { Chain, Token } from '../../common/chains/types.ts';
import { READ_ONLY_ACTIONS } from '../../common/intent-actions.ts';
import { buildSkillCalls, parseInput, quoteSkill, readSkill } from '../../skills/build.ts';
import type { CatalogEntry } from '../../skills/registry/catalog.ts';
import { createSkillContext } from '../../skills/sdk/context.ts';
import {
  type Arrival,
  NATIVE_TOKEN,
  type SkillCall,
  type SkillContext,
  type SkillReading,
} from '../../skills/sdk/define-skill.ts';
import { SkillError, SkillRefusedError } from '../../skills/sdk/errors.ts';
import { inputFromIntent, type ResolvedIntent } from '../../skills/sdk/intent-input.ts';
import { servesChain } from '../../skills/sdk/serves-chain.ts';
import { accountSummary, accountSummaryTable } from '../../smart-accounts/balances.ts';
import { missingField, questionFor } from '../intents/requirements.ts';
import type { Intent } from '../intents/schema.ts';
import { boundsWithCallFlows } from '../policy/call-flows.ts';
import { BoundsTally } from '../policy/value-flow.ts';
import { arrivalState, clientWithState } from './arrival-state.ts';
import { clientAfterCalls } from './client-after-calls.ts';
import { ClarifyError, UnsupportedError } from './errors.ts';
import type { PlannerContext } from './planner-context.ts';
import { type PriceBook, priceBook } from './prices.ts';
import { resolveRecipient, resolveToken } from './resolve.ts';
import { claimRewardsStep } from './rewards.ts';
import { given, skillInput, symbolOrAddress } from './skill-input.ts';
import type { PlanDraft, PlanStep } from './types.ts';

export type { PlannerContext } from './planner-context.ts';

/**
 * The steps on one chain, as the planner builds them: the home chain's, or those on the chain a
 * bridge earlier in the plan goes to. Later steps of a leg see the chain as its earlier calls leave it.
 */
type Leg = {
  chain: Chain;
  /** The chain as the leg starts: on a destination, with what the bridge brings already there. */
  client: PublicClient;
  steps: PlanStep[];
  calls: SkillCall[];
  /** What earlier steps give (−) and receive (+ at least), per token: later steps see it. */
  tally: BoundsTally;
  /** What the step before received, for "…and supply it". */
  previousReceives: { token: Address; amount: bigint }[];
  /**
   * Whether `previousReceives` is what a bridge brings (the first step of a destination leg): that is
   * in the account before the leg's bundle starts, exactly, so the step takes it as built, never
   * through the guard's forwarding of what arrived during the bundle.
   */
  fedByArrivals: boolean;
  prices: PriceBook;
};

/** Chains named the way people name them, to the registry's slugs. */
const CHAIN_ALIASES: Record<string, string> = { mainnet: 'ethereum', eth: 'ethereum', op: 'optimism', arb: 'arbitrum' };

/** The registry slug of the chain an intent names ("mainnet" is "ethereum"), if it names one. */
function chainSlugOf(intent: Intent): string | undefined {
  return intent.chain === undefined ? undefined : (CHAIN_ALIASES[intent.chain] ?? intent.chain);
}

/**
 * Intents to one bundle, in order: each intent to the audited skill that serves its action (and
 * protocol, when the user named one), with symbols, recipients and amounts resolved against the
 * chain, each skill's exact approvals inserted before its calls, and every step built on the state
 * the steps before it leave (so "swap half my ETH to USDC and supply it to Aave" supplies what the
 * swap guarantees). Read-only intents are answered at once.
 */
export async function buildPlan(intents: Intent[], planner: PlannerContext): Promise<PlanDraft> {
  try {
    return await draft(intents, planner);
  } catch (error) {
    if (error instanceof ClarifyError) {
      return { kind: 'clarify', intents, question: error.message, field: error.field, intentIndex: error.intentIndex };
    }
    if (error instanceof UnsupportedError) return { kind: 'unsupported', intents, reason: error.message };
    // Why the skill may not run, and what a person does about it.
    if (error instanceof SkillRefusedError) {
      const hint = error.hint && !error.message.includes(error.hint) ? ` ${error.hint}` : '';
      return { kind: 'unsupported', intents, reason: `${error.message}${hint}` };
    }
    throw error;
  }
}

async function draft(intents: Intent[], planner: PlannerContext): Promise<PlanDraft> {
  const { chain, account } = planner;
  if (intents.length === 0) {
    throw new ClarifyError('What would you like to do? For example: "swap 100 USDC for ETH".', 'action', 0);
  }
  const readings: SkillReading[] = [];
  // Tokens the user named by their address: the only unlisted tokens any skill may touch.
  const userTokens = namedAddresses(intents);
  // The other chains a bridge may go to, and how to read them (what would arrive there).
  const others = {
    otherChains: planner.otherChains ?? [],
    ...(planner.clientOn ? { clientOn: planner.clientOn } : {}),
  };
  const contextOn = (leg: Leg, client: PublicClient = leg.client): SkillContext =>
    createSkillContext({ chain: leg.chain, client, account, userTokens, ...others });
  const home = newLeg(chain, planner.client);
  /** The steps on the chain a bridge in this plan goes to, once an intent names it. */
  let destination: (Leg & { arrivals: Arrival[]; state: RpcStateOverride }) | undefined;

  for (const [index, original] of intents.entries()) {
    const intent = { ...original };
    // A read on the other chain ("…and check my USDC balance there") reads that chain as it is now:
    // it is no step of a leg, and must not see the bridged funds as if they had arrived.
    const elsewhere = READ_ONLY_ACTIONS.includes(intent.action) ? otherChainNamed(intent) : undefined;
    if (elsewhere) {
      const client = planner.clientOn?.(elsewhere);
      if (!client) throw new UnsupportedError(`${elsewhere.name} cannot be reached from this session to read it.`);
      delete intent.chain;
      const there = newLeg(elsewhere, client);
      readings.push(await readIntent(intent, index, plannerOn(there), contextOn(there)));
      continue;
    }
    const leg = await legOf(intent, index);
    // Chosen: the chain is the leg's from here on (skills read their chain from the context).
    delete intent.chain;
    const canChain = leg.previousReceives.length > 0;
    const missing = missingField(intent, canChain);
    if (missing) throw new ClarifyError(missing.question, missing.field, index);

    const ctx = contextOn(leg, clientAfterCalls(leg.client, account, leg.calls));

    if (READ_ONLY_ACTIONS.includes(intent.action)) {
      readings.push(await readIntent(intent, index, plannerOn(leg), ctx));
      continue;
    }

    if (intent.action === 'claim_rewards') {
      if (leg !== home) throw new UnsupportedError(`Rewards are claimed on ${chain.name}, where this session runs.`);
      const step = await claimRewardsStep(planner.rewards, planner.client, account, index, intent.protocol);
      leg.calls.push(...step.calls);
      leg.tally.add(step.bounds);
      leg.previousReceives = step.bounds.receives;
      leg.steps.push(step);
      continue;
    }

    // "bridge 1 ETH … and supply it there": ETH bridged to a contract account arrives as WETH, and
    // "it" is that WETH, not ETH of the account's own to wrap.
    if (leg !== home && intent.amount === undefined) {
      for (const field of ['token', 'tokenIn'] as const) {
        const name = intent[field];
        if (name === undefined || !(await isNativeEth(ctx, name))) continue;
        const weth = ctx.chain.contracts.weth;
        if (weth && leg.previousReceives.some((r) => isAddressEqual(r.token, weth))) intent[field] = weth;
      }
    }
    // Do what was meant: ETH supplied to Aave is wrapped first, in the same bundle; a swap with no
    // direct pool goes through WETH (two swaps, the second selling what the first guarantees).
    if (intent.action === 'supply' && intent.token !== undefined && (await isNativeEth(ctx, intent.token))) {
      await buildStep(leg, { action: 'wrap', amount: intent.amount, token: 'ETH' } as Intent, index, ctx);
      const weth = ctx.contract('weth');
      await buildStep(leg, { ...intent, token: weth, amount: undefined }, index, clientCtx(leg));
      continue;
    }
    try {
      await buildStep(leg, intent, index, ctx);
    } catch (error) {
      const legs = await wethRoute(intent, ctx, error);
      if (!legs) throw error;
      await buildStep(leg, legs[0], index, ctx);
      await buildStep(leg, legs[1], index, clientCtx(leg));
    }
  }
  if (home.steps.length === 0 && !destination) return { kind: 'answer', intents, readings };
  return {
    kind: 'plan',
    intents,
    steps: home.steps,
    readings,
    prices: home.prices,
    // Only a leg with steps: an empty one would run a guarded bundle of nothing there, for gas.
    ...(destination && destination.steps.length > 0
      ? {
          destination: {
            chain: destination.chain,
            client: destination.client,
            state: destination.state,
            arrivals: destination.arrivals,
            steps: destination.steps,
            prices: destination.prices,
          },
        }
      : {}),
  };

  function newLeg(on: Chain, client: PublicClient): Leg {
    return {
      chain: on,
      client,
      steps: [],
      calls: [],
      tally: new BoundsTally(),
      previousReceives: [],
      fedByArrivals: false,
      // Prices of the chain as it is now, read once per plan whatever the number of steps.
      prices: priceBook(planner.catalog, createSkillContext({ chain: on, client, account, userTokens })),
    };
  }

  /** The other chain an intent names, if it names one the session can reach (not the home chain). */
  function otherChainNamed(intent: Intent): Chain | undefined {
    const named = chainSlugOf(intent);
    if (named === undefined || named === chain.slug) return undefined;
    return (planner.otherChains ?? []).find((c) => c.slug === named);
  }

  /** The planner as a step on `leg` sees it: that chain, read as the leg starts. */
  function plannerOn(leg: Leg): PlannerContext {
    return leg === home ? planner : { ...planner, chain: leg.chain, client: leg.client };
  }

  /**
   * The chain an intent runs on: the home chain, unless it names the chain a bridge earlier in this
   * plan goes to ("…and supply it to Aave there"), which starts the destination leg: built and
   * previewed on that chain as it will be once the bridged funds have arrived, run there once the
   * bridge is filled (smart-accounts/bridge-continuations.ts).
   */
  async function legOf(intent: Intent, index: number): Promise<Leg> {
    const named = chainSlugOf(intent);
    if (named === undefined || named === chain.slug) {
      if (destination && named === undefined) {
        throw new UnsupportedError(
          `Step ${index + 1} names no chain, after a step on ${destination.chain.name}: say "on ${destination.chain.slug}" or "on ${chain.slug}" for it, or ask for it separately.`,
        );
      }
      return home;
    }
    if (destination) {
      if (destination.chain.slug === named) return destination;
      throw new UnsupportedError(
        `This plan already continues on ${destination.chain.name}; one plan continues on one other chain. Ask for what happens on ${intent.chain} separately.`,
      );
    }
    const other = (planner.otherChains ?? []).find((c) => c.slug === named);
    if (!other) {
      throw new UnsupportedError(
        `This session runs on ${chain.name}; ${intent.chain} is not available here. Start Sextant with CHAIN=${named} to use it.`,
      );
    }
    const arrivals = home.steps.flatMap((step) => step.bounds.arrives ?? []).filter((a) => a.chainId === other.chainId);
    if (arrivals.length === 0) {
      throw new UnsupportedError(
        `Nothing earlier in this request brings funds to ${other.name}, so step ${index + 1} cannot run there as part of it. Bridge first ("bridge 100 USDC to ${other.slug} and supply it to Aave there"), or start Sextant with CHAIN=${other.slug} to act there.`,
      );
    }
    const client = planner.clientOn?.(other);
    if (!client)
      throw new UnsupportedError(`${other.name} cannot be reached from this session to plan what happens there.`);
    // ETH bridged arrives as ETH at an address without code, as WETH at a contract: which one is
    // decided at the fill. Where the account has no code there yet, anything that deploys it before
    // the fill would change what arrives, and a leg built for ETH would spend the account's own ETH
    // while the WETH that came sat idle. Not guessed.
    if (
      arrivals.some((arrival) => isAddressEqual(arrival.token, NATIVE_TOKEN)) &&
      ((await client.getCode({ address: account })) ?? '0x') === '0x'
    ) {
      throw new UnsupportedError(
        `ETH bridged to ${other.name} arrives as ETH while your account has no code there, but as WETH if it is deployed there before the fill, so step ${index + 1} cannot be fixed now. Bridge first, then ask for the rest on ${other.slug} once it has arrived (\`sextant bridges\` shows when).`,
      );
    }
    const state = await arrivalState(client, account, arrivals);
    const leg = newLeg(other, clientWithState(client, state));
    // "…and supply it there": what the bridge brings is what the first step there takes, at its least
    // (Across fills exactly the output amount it declares).
    leg.previousReceives = arrivals.map((arrival) => ({ token: arrival.token, amount: arrival.amount }));
    leg.fedByArrivals = true;
    destination = { ...leg, arrivals, state };
    return destination;
  }

  /** A context that sees the leg's chain as the calls so far leave it. */
  function clientCtx(leg: Leg): SkillContext {
    return contextOn(leg, clientAfterCalls(leg.client, account, leg.calls));
  }

  /** One intent to one step: resolved, built by its skill, approvals inserted, added to the leg. */
  async function buildStep(leg: Leg, asked: Intent, index: number, ctx: SkillContext): Promise<void> {
    const intent = { ...asked };
    const { tally } = leg;
    const legPlanner = plannerOn(leg);
    // "…and supply it": the token and amount the step before guaranteed.
    if (intent.token === undefined && leg.previousReceives.length === 1 && leg.previousReceives[0]) {
      intent.token = leg.previousReceives[0].token;
    }
    const previousReceives = leg.previousReceives;
    const balanceOf = async (token: Token) => {
      const live = isAddressEqual(token.address, NATIVE_TOKEN)
        ? await leg.client.getBalance({ address: account })
        : await leg.client.readContract({
            address: token.address,
            abi: erc20Abi,
            functionName: 'balanceOf',
            args: [account],
          });
      return live + tally.change(token.address);
    };
    /** The token and minimum an earlier step brings in, when this step takes "it". */
    let received: { token: Token; minimum: bigint } | undefined;
    if (intent.amount === undefined && intent.amountOut === undefined) {
      const token = intent.token ? await resolveToken(ctx, intent.token, 'token', index) : undefined;
      const chained = token && previousReceives.find((r) => isAddressEqual(r.token, token.address));
      if (!token || !chained) {
        throw new ClarifyError(questionFor({ ...intent, token: token?.symbol }, 'amount'), 'amount', index);
      }
      intent.amount = formatUnits(chained.amount, token.decimals);
      received = { token, minimum: chained.amount };
    } else if (
      intent.amount !== undefined &&
      (intent.amount === 'all' || intent.amount.endsWith('%')) &&
      intent.token !== undefined &&
      previousReceives.length > 0
    ) {
      // "…and send all of it" or "…send all my ETH"? A share of a token the step before brings in
      // could mean a share of what it brings or of the whole balance after it: ask, never guess.
      const token = await resolveToken(ctx, intent.token, 'token', index);
      const chained = previousReceives.find((r) => isAddressEqual(r.token, token.address));
      if (chained) {
        throw new ClarifyError(
          `How much ${token.symbol} do you want to ${intent.action}? Step ${index} brings in at least ${formatUnits(chained.amount, token.decimals)} ${token.symbol}; "${intent.amount === 'all' ? 'all' : intent.amount}" could mean of that or of the whole balance. Give an amount.`,
          'amount',
          index,
        );
      }
    }

    const entry = chooseSkill(intent, index, legPlanner, await tokenOfIntent(intent, ctx, index));
    const skill = planner.catalog.require(entry.manifest.id);
    const input = (await skillInput(skill, intent, index, ctx, legPlanner, {
      balanceOf,
      prices: leg.prices,
    })) as Record<string, unknown>;
    let build: Awaited<ReturnType<typeof buildSkillCalls>>;
    let quote: SkillReading | undefined;
    let slippageBps: number | undefined;
    try {
      // The slippage the skill builds with: the user's, or the skill's own default.
      const used = parseInput(skill, input) as { slippageBps?: unknown };
      if (skill.actions.includes('swap') && typeof used.slippageBps === 'number') slippageBps = used.slippageBps;
      build = await buildSkillCalls(skill, input, ctx);
      quote = await quoteSkill(skill, input, ctx).catch(() => undefined);
    } catch (error) {
      if (error instanceof SkillError) {
        throw new UnsupportedError(`${entry.manifest.title}: ${error.message}${error.hint ? ` ${error.hint}` : ''}`);
      }
      throw error;
    }
    // Built with the minimum; run with what actually arrives, when the amount can be found in the call.
    // Not for what a bridge brings: it is there before the leg's bundle starts, exactly.
    const forward =
      received && !leg.fedByArrivals
        ? await forwardOf(build, received, async (amount) =>
            buildSkillCalls(
              skill,
              await skillInput(skill, { ...intent, amount }, index, ctx, legPlanner, { balanceOf, prices: leg.prices }),
              ctx,
            ),
          )
        : undefined;
    const approve = planner.catalog.require('erc20/approve');
    const approvalCalls: SkillCall[] = [];
    for (const approval of build.approvals) {
      const approvalBuild = await buildSkillCalls(
        approve,
        { token: approval.token, spender: approval.spender, amount: approval.amount.toString() },
        ctx,
      );
      approvalCalls.push(...approvalBuild.calls);
    }
    const stepCalls = [...approvalCalls, ...build.calls];
    // What the skill declares, plus whatever its calls do that it did not declare (policy/call-flows.ts).
    const bounds = boundsWithCallFlows(
      { calls: build.calls, bounds: build.bounds, approvals: build.approvals },
      account,
    );
    assertNamedTokensUsed(intent, bounds, build.approvals, index);
    leg.calls.push(...stepCalls);
    const health = healthFactorOf(quote);
    if (health && !bounds.healthFactor) bounds.healthFactor = health;
    tally.add(bounds);
    leg.previousReceives = build.bounds.receives;
    leg.fedByArrivals = false;
    leg.steps.push({
      intentIndex: index,
      skillId: skill.id,
      skillVersion: skill.version,
      protocol: skill.protocol,
      title: skill.title,
      summary: build.summary,
      input,
      calls: stepCalls,
      bounds,
      approvals: build.approvals,
      quote,
      // Who the step pays or lets spend, as the skill declares it: the new-recipient rule's address.
      recipient: bounds.payee ?? bounds.allowances?.[0]?.spender,
      slippageBps,
      // The approval calls come first in the step: the call that takes the amount is after them.
      forward: forward && {
        ...forward,
        call: approvalCalls.length + forward.call,
        approvalCalls: approvalCalls.length,
      },
    });
  }
}

/**
 * Where a step built with an earlier step's minimum takes that amount, so the guard can pass on what
 * actually arrived: the skill is built again with one base unit more, and the amount must be one
 * 32-byte word, going from the minimum to one more, of the one call that changes, the call the skill
 * approves for exactly the minimum. Any other shape (a native token, the amount in two places, another
 * call changing, an approval of another spender) is not forwarded: the step keeps the minimum.
 */
async function forwardOf(
  build: { calls: SkillCall[]; approvals: { token: Address; spender: Address; amount: bigint }[] },
  received: { token: Token; minimum: bigint },
  rebuild: (amount: string) => Promise<{ calls: SkillCall[]; approvals: { amount: bigint }[] }>,
): Promise<{ token: Address; call: number; offset: number; minimum: bigint } | undefined> {
  const { token, minimum } = received;
  if (isAddressEqual(token.address, NATIVE_TOKEN)) return undefined;
  const [approval, ...others] = build.approvals;
  if (!approval || others.length > 0 || approval.amount !== minimum || !isAddressEqual(approval.token, token.address)) {
    return undefined;
  }
  const more = await rebuild(formatUnits(minimum + 1n, token.decimals)).catch(() => undefined);
  if (!more || more.calls.length !== build.calls.length) return undefined;
  const word = (value: bigint) => value.toString(16).padStart(64, '0');
  let found: { call: number; offset: number } | undefined;
  for (const [i, call] of build.calls.entries()) {
    const other = more.calls[i];
    if (!other || other.to !== call.to || other.value !== call.value || other.data.length !== call.data.length) {
      return undefined;
    }
    if (other.data === call.data) continue;
    if (found || !isAddressEqual(call.to, approval.spender)) return undefined;
    // At any byte (a call wrapped in a multicall carries its own selector, so its words are not on
    // the outer call's 32-byte grid). Other words may change with the amount (a swap's minimum
    // output): they stay as built for the minimum, the stricter reading.
    for (let at = 10; at + 64 <= call.data.length; at += 2) {
      if (call.data.slice(at, at + 64) !== word(minimum) || other.data.slice(at, at + 64) !== word(minimum + 1n)) {
        continue;
      }
      if (found) return undefined;
      found = { call: i, offset: (at - 2) / 2 };
    }
    if (!found) return undefined;
  }
  return found && { token: token.address, ...found, minimum };
}

async function isNativeEth(ctx: SkillContext, name: string): Promise<boolean> {
  const token = await ctx.token(name).catch(() => undefined);
  return token !== undefined && isAddressEqual(token.address, NATIVE_TOKEN);
}

/**
 * The two swaps through WETH for a swap the skill refused for want of a direct pool ("swap 100 DAI
 * for WBTC"): tokenIn → WETH, then WETH → tokenOut of what the first guarantees (its minimum; the
 * exact amount is chained in a later version). Only exact-in swaps between two tokens that are not
 * ETH or WETH; a floor the user named applies to the last leg.
 */
async function wethRoute(intent: Intent, ctx: SkillContext, error: unknown): Promise<[Intent, Intent] | undefined> {
  if (intent.action !== 'swap' || intent.amountOut !== undefined) return undefined;
  if (!(error instanceof UnsupportedError) || !/\bpool\b/.test(error.message)) return undefined;
  if (!intent.tokenIn || !intent.tokenOut) return undefined;
  const weth = ctx.contract('weth');
  const tokenIn = await ctx.token(intent.tokenIn).catch(() => undefined);
  const tokenOut = await ctx.token(intent.tokenOut).catch(() => undefined);
  if (!tokenIn || !tokenOut) return undefined;
  const viaWeth = [tokenIn, tokenOut].some(
    (t) => isAddressEqual(t.address, weth) || isAddressEqual(t.address, NATIVE_TOKEN),
  );
  if (viaWeth) return undefined;
  const { minAmountOut, ...rest } = intent;
  return [
    { ...rest, tokenOut: weth },
    { ...rest, tokenIn: weth, amount: undefined, ...(minAmountOut !== undefined ? { minAmountOut } : {}) },
  ];
}

/** The health factor a quote says the step moves the position from and to (Aave's quotes), 18 decimals. */
function healthFactorOf(
  quote: SkillReading | undefined,
): { before: bigint | undefined; after: bigint | undefined } | undefined {
  const before = quote?.values.healthFactorBefore;
  const after = quote?.values.healthFactorAfter;
  if (before === undefined || after === undefined) return undefined;
  const read = (value: string) => (/^\d+(\.\d+)?$/.test(value) ? parseUnits(value, 18) : undefined);
  return { before: read(before), after: read(after) };
}

/** A token the user named by address must be what the step moves: never another one in its place. */
function assertNamedTokensUsed(
  intent: Intent,
  bounds: { gives: { token: Address }[]; receives: { token: Address }[]; allowances?: { token: Address }[] },
  approvals: readonly { token: Address }[],
  index: number,
): void {
  const touched = [...bounds.gives, ...bounds.receives, ...(bounds.allowances ?? []), ...approvals].map((a) => a.token);
  for (const named of namedAddresses([intent])) {
    if (!touched.some((token) => isAddressEqual(token, named))) {
      throw new UnsupportedError(
        `Step ${index + 1} would not use the token you named, ${named}, but another in its place. Not offered.`,
      );
    }
  }
}

/** Every 0x address the intents name as a token. */
function namedAddresses(intents: readonly Intent[]): Address[] {
  return intents
    .flatMap((intent) => [intent.token, intent.tokenIn, intent.tokenOut])
    .filter((name): name is string => typeof name === 'string' && isAddress(name, { strict: false }))
    .map((name) => name as Address);
}

async function tokenOfIntent(intent: Intent, ctx: SkillContext, index: number): Promise<Token | undefined> {
  const name = intent.token ?? intent.tokenIn;
  return name ? resolveToken(ctx, name, intent.token ? 'token' : 'tokenIn', index) : undefined;
}

/**
 * The audited skill for an intent: by action, and by protocol when the user named one; among several,
 * the first audited one that supports this chain (ETH transfers go to native/transfer).
 */
function chooseSkill(intent: Intent, index: number, planner: PlannerContext, token: Token | undefined): CatalogEntry {
  const onChain = (entry: CatalogEntry) => servesChain(entry.manifest.chains, planner.chain.slug);
  // An approve's protocol names the spender ("approve uniswap to spend …"), not the skill: approvals
  // are always erc20/approve.
  const protocol = intent.action === 'approve' ? undefined : intent.protocol;
  let candidates = planner.catalog.forAction(intent.action, protocol).filter(onChain);
  if (intent.action === 'transfer' && token) {
    const native = isAddressEqual(token.address, NATIVE_TOKEN);
    candidates = candidates.filter((entry) => (entry.manifest.protocol === 'native') === native);
  }
  if (intent.action === 'approve') candidates = candidates.filter((entry) => entry.manifest.id === 'erc20/approve');
  const audited = candidates.find((entry) => entry.status === 'audited');
  if (audited) return audited;
  if (candidates[0]) return candidates[0]; // refused by catalog.require with the exact reason
  const others = planner.catalog
    .forAction(intent.action)
    .filter((entry) => entry.status === 'audited' && onChain(entry))
    .map((entry) => entry.manifest.protocol);
  const action = intent.action.replace('_', ' ');
  if (intent.protocol && others.length > 0) {
    throw new UnsupportedError(
      `There is no audited skill to ${action} on ${intent.protocol}${index > 0 ? ` (step ${index + 1})` : ''}; I can ${action} with ${[...new Set(others)].join(', ')}.`,
    );
  }
  throw new UnsupportedError(`There is no audited skill to ${action} on ${planner.chain.name} yet.`);
}

async function readIntent(
  intent: Intent,
  index: number,
  planner: PlannerContext,
  ctx: SkillContext,
): Promise<SkillReading> {
  // "What's my balance?", "show my portfolio": the whole account, as the panel and /v1/account show it.
  if (intent.action === 'balance' && intent.token === undefined) return accountReading(intent, index, planner);
  const entry = chooseSkill(intent, index, planner, undefined);
  const skill = planner.catalog.require(entry.manifest.id);
  const token = await resolveToken(ctx, given(intent, ['token'], index).token, 'token', index);
  const resolved: ResolvedIntent = { action: intent.action, token: symbolOrAddress(token) };
  if (intent.action === 'balance' && intent.account) {
    resolved.account = await resolveRecipient(
      planner.chain,
      planner.client,
      planner.lookupAddress,
      intent.account,
      index,
    );
  }
  const input = inputFromIntent(skill, resolved);
  try {
    return await readSkill(skill, input, ctx);
  } catch (error) {
    if (error instanceof SkillError) throw new UnsupportedError(error.message);
    throw error;
  }
}

/** The account summary (smart-accounts/balances.ts) as a reading: a table of the wallet, positions and total. */
async function accountReading(intent: Intent, index: number, planner: PlannerContext): Promise<SkillReading> {
  const { chain, client } = planner;
  const account = intent.account
    ? await resolveRecipient(chain, client, planner.lookupAddress, intent.account, index)
    : planner.account;
  const prices = priceBook(planner.catalog, createSkillContext({ chain, client, account }));
  const summary = await accountSummary({ client, chain, account, prices });
  const whose = isAddressEqual(account, planner.account) ? 'Your account' : `Account ${account}`;
  return {
    summary: `${whose} on ${chain.name}:\n${accountSummaryTable(summary)}`,
    values: {
      account,
      totalUsd: summary.totals.totalUsd.toFixed(2),
      walletUsd: summary.totals.walletUsd.toFixed(2),
      positionsUsd: summary.totals.positionsUsd.toFixed(2),
      debtUsd: summary.totals.debtUsd.toFixed(2),
      ...(summary.aave?.healthFactor != null ? { healthFactor: String(summary.aave.healthFactor) } : {}),
    },
  };
}
