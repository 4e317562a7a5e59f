import { type Address, erc20Abi, isAddressEqual } from 'viem';
import { formatAmount, toBaseUnits } from '../sdk/amounts.ts';
import { NATIVE_TOKEN, type SkillContext } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';

/** A chain as the SDK gives it. */
type Chain = SkillContext['chain'];

/** How long relayers have to fill a deposit before it expires and is refunded on the origin. */
export const FILL_WITHIN_SECONDS = 3600;

/** A deposit as this package makes it: what leaves here, what arrives there, for what fee, by when. */
export type BridgeRoute = {
  destination: Chain;
  spokePool: Address;
  /** The token as the account gives it (NATIVE_TOKEN for ETH) and as the SpokePool takes it (WETH for ETH). */
  given: { address: Address; symbol: string; decimals: number };
  inputToken: Address;
  /** The token the fill pays on the destination (WETH there for ETH) and as the account receives it. */
  outputToken: Address;
  received: { address: Address; symbol: string; decimals: number };
  inputAmount: bigint;
  outputAmount: bigint;
  fee: bigint;
  feeBps: number;
  quoteTimestamp: number;
  fillDeadline: number;
};

/**
 * The route of one bridge: the destination the runtime knows by that name, the SpokePool on both
 * sides, the same token there (by symbol from its token list, with the same decimals; ETH as WETH),
 * and the fee the chain's relayers take, rounded up so a relayer that takes it fills. Anything it
 * cannot be sure of is refused, never guessed.
 */
export async function bridgeRoute(
  input: { token: string; amount: string; toChain: string },
  ctx: SkillContext,
): Promise<BridgeRoute> {
  const toChain = input.toChain.toLowerCase();
  if (toChain === ctx.chain.slug) {
    throw new SkillError(`The account is already on ${ctx.chain.name}: there is nothing to bridge.`, {
      hint: 'Name the chain the tokens should go to (`sextant chains` lists them).',
    });
  }
  const destination = ctx.otherChain?.(toChain);
  if (!destination) {
    throw new SkillError(`Sextant knows no chain "${input.toChain}" to bridge to from ${ctx.chain.name}.`, {
      hint: 'Name one that `sextant chains` lists; on the devnet the second chain is devnet-l2 (unless DEVNET_L2=0).',
    });
  }
  const spokePool = ctx.contract('acrossSpokePool');
  if (!destination.contracts.acrossSpokePool) {
    throw new SkillError(`${destination.name} has no Across SpokePool: nothing can fill a deposit there.`, {
      hint: 'Choose a destination Across serves.',
    });
  }
  const feeBps = ctx.chain.acrossRelayerFeeBps;
  if (feeBps === undefined) {
    throw new SkillError(
      `There is no Across fee quote for ${ctx.chain.name} → ${destination.name}: on real networks each deposit's fee comes from Across' API, which Sextant does not call yet.`,
      { hint: "Bridge with Across' own app for now; on the devnet, bridging between its two chains works." },
    );
  }
  const token = await ctx.token(input.token);
  if (!token.listed) {
    throw new SkillError(`${token.address} is not on ${ctx.chain.name}'s token list: only listed tokens are bridged.`, {
      hint: 'Name a token from the token list (`sextant chains`).',
    });
  }
  const there = ctx.otherClient?.(destination.slug);
  if (!there) {
    throw new SkillError(`Sextant cannot read ${destination.name} from here, so it cannot tell what would arrive.`, {
      hint: 'Start the devnet with both chains (`sextant devnet`, DEVNET_L2 unset or 1).',
    });
  }
  const native = isAddressEqual(token.address, NATIVE_TOKEN);
  let inputToken: Address;
  let outputToken: Address;
  if (native) {
    inputToken = ctx.contract('weth');
    const weth = destination.contracts.weth;
    if (!weth) {
      throw new SkillError(`${destination.name} has no WETH: ETH cannot be bridged there.`, {
        hint: 'Bridge a token instead.',
      });
    }
    outputToken = weth;
  } else {
    inputToken = token.address;
    const counterpart = destination.tokens.filter((t) => t.symbol.toLowerCase() === token.symbol.toLowerCase());
    if (counterpart.length !== 1 || !counterpart[0]) {
      throw new SkillError(
        `${destination.name}'s token list has ${counterpart.length === 0 ? 'no' : 'more than one'} ${token.symbol}.`,
        { hint: `Bridge a token both chains list (${destination.tokens.map((t) => t.symbol).join(', ')}).` },
      );
    }
    if (counterpart[0].decimals !== token.decimals) {
      throw new SkillError(
        `${token.symbol} has ${token.decimals} decimals on ${ctx.chain.name} but ${counterpart[0].decimals} on ${destination.name}; Sextant does not bridge it.`,
        { hint: 'Bridge another token.' },
      );
    }
    outputToken = counterpart[0].address;
  }
  // The SpokePool pays its wrapped native token out as ETH to an address without code (or with an
  // EIP-7702 delegation), and as WETH to a contract: what arrives depends on the account there now.
  let received: BridgeRoute['received'];
  if (destination.contracts.weth && isAddressEqual(outputToken, destination.contracts.weth)) {
    const code = (await there.getCode({ address: ctx.account })) ?? '0x';
    const contract = code !== '0x' && !code.toLowerCase().startsWith('0xef0100');
    received = contract
      ? { address: outputToken, symbol: 'WETH', decimals: 18 }
      : { address: NATIVE_TOKEN, symbol: 'ETH', decimals: 18 };
  } else {
    const listed = destination.tokens.find((t) => isAddressEqual(t.address, outputToken)) as {
      symbol: string;
      decimals: number;
    };
    received = { address: outputToken, symbol: listed.symbol, decimals: listed.decimals };
  }
  const inputAmount = toBaseUnits(input.amount, token);
  if (inputAmount <= 0n)
    throw new SkillError('The amount to bridge must be more than zero.', { hint: 'Give an amount.' });
  const fee = (inputAmount * BigInt(feeBps) + 9_999n) / 10_000n;
  const outputAmount = inputAmount - fee;
  if (outputAmount <= 0n) {
    throw new SkillError(`${input.amount} ${token.symbol} does not cover the relayer's ${feeBps} bps fee.`, {
      hint: 'Bridge a larger amount.',
    });
  }
  // A relayer fills only from what it holds there: a deposit it cannot pay out would wait an hour and
  // come back. Where the relayer is known (the devnet's), ask no more of it than it holds.
  const relayer = destination.acrossRelayer ?? ctx.chain.acrossRelayer;
  if (relayer) {
    const held = await there.readContract({
      address: outputToken,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [relayer],
    });
    if (held < outputAmount) {
      // It pays out of its output token (WETH for ETH), whatever form arrives.
      const paid = {
        decimals: received.decimals,
        symbol: native || received.symbol === 'WETH' ? 'WETH' : received.symbol,
      };
      throw new SkillError(
        `The relayer holds ${formatAmount(held, paid)} on ${destination.name}, less than the ${formatAmount(outputAmount, paid)} this bridge would need it to pay out.`,
        { hint: 'Bridge a smaller amount.' },
      );
    }
  }
  const quoteTimestamp = Number((await ctx.client.getBlock({ blockTag: 'latest' })).timestamp);
  return {
    destination,
    spokePool,
    given: { address: token.address, symbol: token.symbol, decimals: token.decimals },
    inputToken,
    outputToken,
    received,
    inputAmount,
    outputAmount,
    fee,
    feeBps,
    quoteTimestamp,
    fillDeadline: quoteTimestamp + FILL_WITHIN_SECONDS,
  };
}
