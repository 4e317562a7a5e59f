import {
  type Address,
  encodeFunctionData,
  erc20Abi,
  formatUnits,
  type Hex,
  parseAbi,
  slice,
  toFunctionSelector,
} from 'viem';
import { type Caveat, caveatTerms, type Delegation, periodDelegations } from '../../smart-accounts/delegations.ts';

/**
 * What a standing order "swap 50 USDC into WETH every day for 30 days" lets Sextant's agent key do,
 * as delegations the chain enforces (smart-accounts/delegations.ts, MetaMask's framework 1.3.0): one
 * delegation per day, each valid only that day and for one call, and that call only the router's
 * exactInputSingle with its token pair, fee tier, amount and recipient (the user's own address)
 * pinned, and no ETH sent with it. The router is allowed the total once, from the user's address. A
 * stolen agent key can make at most that one swap a day, at a price it chooses (the minimum out is not
 * pinned), and nothing else.
 */
export type DailySwapGrant = {
  /** The user's own address, delegated to the framework's EIP-7702 DeleGator. */
  user: Address;
  /** Sextant's agent key, the only one that may redeem. */
  agent: Address;
  tokenIn: Token;
  tokenOut: Token;
  /** Base units of tokenIn each day. */
  amountIn: bigint;
  /** The Uniswap V3 pool's fee tier (hundredths of a basis point). */
  fee: number;
  router: Address;
  /** Named in the grant's words ("Uniswap V3"). */
  protocol: string;
  /** Unix seconds: the first day starts here. */
  start: bigint;
  days: number;
  /** The first day's delegation salt (the others follow); a new grant takes new salts. */
  salt: bigint;
  enforcers: {
    AllowedTargetsEnforcer: Address;
    AllowedMethodsEnforcer: Address;
    AllowedCalldataEnforcer: Address;
    RedeemerEnforcer: Address;
    ValueLteEnforcer: Address;
    TimestampEnforcer: Address;
    LimitedCallsEnforcer: Address;
  };
};

type Token = { address: Address; symbol: string; decimals: number };
type Call = { to: Address; value: bigint; data: Hex };

const DAY = 86_400n;

export const ROUTER_ABI = parseAbi([
  'struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
  'function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)',
]);
const EXACT_INPUT_SINGLE = toFunctionSelector(
  'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))',
);
const DELEGATOR_ABI = parseAbi([
  'struct Caveat { address enforcer; bytes terms; bytes args; }',
  'struct Delegation { address delegate; address delegator; bytes32 authority; Caveat[] caveats; uint256 salt; bytes signature; }',
  'function disableDelegation(Delegation delegation)',
]);

/** The day's swap as the agent key makes it: only `amountOutMinimum` is its choice. */
export function dailySwapCall(grant: DailySwapGrant, amountOutMinimum: bigint): { to: Address; data: Hex } {
  return { to: grant.router, data: swapData(grant, grant.amountIn, grant.user, amountOutMinimum) };
}

/**
 * The grant: the delegations to sign (one per day), the approval the user's address makes for the
 * total, and the grant in words, to be shown and confirmed like a plan.
 */
export function dailySwapGrant(grant: DailySwapGrant): {
  delegations: Omit<Delegation, 'signature'>[];
  approval: Call;
  words: string;
} {
  if (grant.days < 1 || grant.amountIn <= 0n)
    throw new Error('A daily swap grant needs at least one day and an amount.');
  // tokenIn, tokenOut, fee, recipient and amountIn: the call's bytes 4 to 164 (the selector is 0 to 3).
  const pinned = slice(swapData(grant, grant.amountIn, grant.user, 0n), 4, 164);
  const { enforcers } = grant;
  const caveats: Caveat[] = [
    { enforcer: enforcers.AllowedTargetsEnforcer, terms: caveatTerms.allowedTargets([grant.router]), args: '0x' },
    { enforcer: enforcers.AllowedMethodsEnforcer, terms: caveatTerms.allowedMethods([EXACT_INPUT_SINGLE]), args: '0x' },
    { enforcer: enforcers.AllowedCalldataEnforcer, terms: caveatTerms.allowedCalldata(4n, pinned), args: '0x' },
    { enforcer: enforcers.RedeemerEnforcer, terms: caveatTerms.redeemer([grant.agent]), args: '0x' },
    // No ETH with the call: exactInputSingle is payable, and ETH left in the router is anyone's to take
    // (its refundETH pays the caller), so a redemption carrying value would drain the address.
    { enforcer: enforcers.ValueLteEnforcer, terms: caveatTerms.valueLte(0n), args: '0x' },
  ];
  const delegations = periodDelegations({
    delegate: grant.agent,
    delegator: grant.user,
    caveats,
    enforcers: { timestamp: enforcers.TimestampEnforcer, limitedCalls: enforcers.LimitedCallsEnforcer },
    start: grant.start,
    periodSeconds: DAY,
    periods: grant.days,
    callsPerPeriod: 1n,
    salt: grant.salt,
  });
  const total = grant.amountIn * BigInt(grant.days);
  const amount = (units: bigint) => `${formatUnits(units, grant.tokenIn.decimals)} ${grant.tokenIn.symbol}`;
  const words =
    `Sextant may swap ${amount(grant.amountIn)} into ${grant.tokenOut.symbol} on ${grant.protocol} once a day ` +
    `for ${grant.days} day${grant.days === 1 ? '' : 's'}, from ${when(grant.start)} until ` +
    `${when(grant.start + DAY * BigInt(grant.days))}, paid to your address ${grant.user}; nothing else. ` +
    `Your address allows the ${grant.protocol} router ${amount(total)} for it.`;
  return {
    delegations,
    approval: {
      to: grant.tokenIn.address,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [grant.router, total] }),
    },
    words,
  };
}

/**
 * Revoking the grant: every day's delegation disabled on chain and the router's allowance taken back,
 * as calls the user's address makes to itself and the token (one batch).
 */
export function revokeDailySwapGrant(grant: DailySwapGrant, delegations: readonly Delegation[]): Call[] {
  return [
    ...delegations.map((delegation) => ({
      to: grant.user,
      value: 0n,
      data: encodeFunctionData({
        abi: DELEGATOR_ABI,
        functionName: 'disableDelegation',
        args: [{ ...delegation, caveats: [...delegation.caveats] }],
      }),
    })),
    {
      to: grant.tokenIn.address,
      value: 0n,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [grant.router, 0n] }),
    },
  ];
}

function swapData(grant: DailySwapGrant, amountIn: bigint, recipient: Address, amountOutMinimum: bigint): Hex {
  return encodeFunctionData({
    abi: ROUTER_ABI,
    functionName: 'exactInputSingle',
    args: [
      {
        tokenIn: grant.tokenIn.address,
        tokenOut: grant.tokenOut.address,
        fee: grant.fee,
        recipient,
        amountIn,
        amountOutMinimum,
        sqrtPriceLimitX96: 0n,
      },
    ],
  });
}

/** "6 December 2026, 15:57 UTC". */
function when(seconds: bigint): string {
  const date = new Date(Number(seconds) * 1000);
  const day = date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day}, ${time} UTC`;
}
