import {
  type Abi,
  type Address,
  decodeErrorResult,
  formatUnits,
  type Hex,
  isAddressEqual,
  isHex,
  parseAbi,
  toFunctionSelector,
} from 'viem';
import { BUNDLE_GUARD_ABI } from '../common/contracts/bundle-guard.ts';

/**
 * Errors a bundle's revert data may carry, outermost first: SimpleAccount's ExecuteError wraps the
 * failing call of a batch; the rest are what tokens and protocols commonly revert with.
 */
const KNOWN_ERRORS: Abi = [
  ...parseAbi([
    'error ExecuteError(uint256 index, bytes reason)',
    'error FailedOp(uint256 opIndex, string reason)',
    'error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner)',
    'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
    'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
    'error ERC20InvalidReceiver(address receiver)',
    'error SafeERC20FailedOperation(address token)',
  ]),
  // Sextant's bundle guard's own (common/contracts/SextantBundleGuard.sol), from its one ABI.
  ...BUNDLE_GUARD_ABI.filter((item) => item.type === 'error'),
];

const PANICS: Record<number, string> = {
  1: 'assertion failed',
  17: 'arithmetic overflow or underflow',
  18: 'division by zero',
  33: 'invalid enum value',
  50: 'array index out of bounds',
  65: 'out of memory',
  81: 'call to an uninitialised function',
};

/**
 * Aave V3's error codes (`@aave/core-v3` contracts/protocol/libraries/helpers/Errors.sol): the Pool
 * reverts with the number alone. Those a user's own request can hit are in plain words; the rest
 * (admin, configuration) keep Errors.sol's own description.
 */
const AAVE_ERRORS: Record<string, string> = {
  '1': 'the caller is not a pool admin',
  '2': 'the caller is not an emergency admin',
  '3': 'the caller is not a pool or emergency admin',
  '4': 'the caller is not a risk or pool admin',
  '5': 'the caller is not an asset listing or pool admin',
  '6': 'the caller is not a bridge',
  '7': 'the pool addresses provider is not registered',
  '8': 'invalid id for the pool addresses provider',
  '9': 'the address is not a contract',
  '10': 'the caller is not the pool configurator',
  '11': 'the caller is not an aToken',
  '12': 'the pool addresses provider is invalid',
  '13': 'invalid return value of the flash loan executor',
  '14': 'the reserve has already been added',
  '15': 'the pool has reached its maximum number of reserves',
  '16': 'eMode category 0 is reserved',
  '17': 'invalid eMode category assignment',
  '18': 'the reserve still has liquidity',
  '19': 'invalid flash loan premium',
  '20': 'invalid risk parameters for the reserve',
  '21': 'invalid risk parameters for the eMode category',
  '22': 'invalid bridge protocol fee',
  '23': 'the caller must be the pool',
  '24': 'invalid amount to mint',
  '25': 'invalid amount to burn',
  '26': 'the amount must be more than zero',
  '27': 'the reserve is not active',
  '28': 'the reserve is frozen: it takes no new supply or borrowing',
  '29': 'the reserve is paused',
  '30': 'borrowing is not enabled for this asset',
  '31': 'stable-rate borrowing is not enabled',
  '32': 'the account cannot withdraw more than it has supplied',
  '33': 'invalid interest rate mode',
  '34': 'the account has no collateral',
  '35': 'the health factor would fall below the liquidation threshold',
  '36': 'the collateral does not cover the new borrow',
  '37': 'the collateral is (mostly) the same asset as the borrow',
  '38': 'the amount is above the maximum stable-rate loan',
  '39': 'the account has no debt of that type to repay',
  '40': 'repaying on behalf of another account needs an explicit amount',
  '41': 'the account has no stable-rate debt on this reserve',
  '42': 'the account has no variable-rate debt on this reserve',
  '43': 'the account has nothing supplied in this asset',
  '44': 'the interest rate rebalance conditions are not met',
  '45': 'the health factor is not below the threshold',
  '46': 'this collateral cannot be liquidated',
  '47': 'the account did not borrow this asset',
  '49': 'inconsistent flash loan parameters',
  '50': 'the borrow cap of this asset is reached',
  '51': 'the supply cap of this asset is reached',
  '52': 'the unbacked mint cap is exceeded',
  '53': 'the debt ceiling is exceeded',
  '54': 'claimable rights over the underlying are not zero',
  '55': 'the stable debt supply is not zero',
  '56': 'the variable debt supply is not zero',
  '57': 'the loan-to-value check failed (a collateral with zero LTV is enabled)',
  '58': 'inconsistent eMode category',
  '59': 'the price oracle sentinel check failed',
  '60': 'this asset cannot be borrowed in isolation mode',
  '61': 'the reserve has already been initialised',
  '62': 'the account is in isolation mode, or the asset has zero LTV',
  '63': 'invalid LTV for the reserve',
  '64': 'invalid liquidation threshold for the reserve',
  '65': 'invalid liquidation bonus for the reserve',
  '66': 'invalid decimals of the underlying asset',
  '67': 'invalid reserve factor',
  '68': 'invalid borrow cap',
  '69': 'invalid supply cap',
  '70': 'invalid liquidation protocol fee',
  '71': 'invalid eMode category for the reserve',
  '72': 'invalid unbacked mint cap',
  '73': 'invalid debt ceiling',
  '74': 'invalid reserve index',
  '75': 'the ACL admin cannot be the zero address',
  '76': 'array parameters differ in length',
  '77': 'the zero address is not valid',
  '78': 'the signature has expired',
  '79': 'invalid signature',
  '80': 'operation not supported',
  '81': 'the debt ceiling is not zero',
  '82': 'the asset is not listed on Aave',
  '83': 'invalid optimal usage ratio',
  '84': 'invalid optimal stable-to-total debt ratio',
  '85': 'the underlying asset cannot be rescued',
  '86': 'the addresses provider has already been added',
  '87': 'the pool addresses do not match',
  '88': 'stable-rate borrowing is enabled',
  '89': 'siloed borrowing: this asset cannot be borrowed with others',
  '90': 'the reserve still has debt',
  '91': 'flash loans are disabled for this asset',
};

/**
 * What a revert means to the person whose account it is. `kind` lets a caller that knows the step
 * name the token: `balance` (the account holds too little), `allowance` (a spender may not take
 * enough), `transfer` (a token transfer failed: too little held, or too little allowed), `slippage`
 * (the price moved past the step's limit), `protocol` (the protocol refused, with its reason), `other`.
 */
export type RevertCause = {
  kind: 'balance' | 'allowance' | 'transfer' | 'slippage' | 'protocol' | 'guard' | 'other';
  /** The cause in words, without naming a token ("Uniswap could not take the tokens (STF)"). */
  words: string;
  /** What the contract said, as it said it ("STF", "51", "ERC20InsufficientBalance(…)"). */
  raw: string;
  /** The failing call of the batch (0-based), when the account's ExecuteError says which. */
  callIndex: number | undefined;
  /** From ERC20InsufficientBalance / Allowance: what there was and what was needed, in base units. */
  have?: bigint;
  need?: bigint;
  /** From the guard's BoundBroken: which bound, what it read, the value the chain gave, and the range allowed. */
  broken?: { bound: number; target: Address; selector: Hex; value: bigint; min: bigint; max: bigint };
};

/** Reads revert data into its cause; `callIndex` is set when the account's ExecuteError wraps it. */
export function revertCause(data: Hex | undefined): RevertCause {
  if (!data || data === '0x') {
    return { kind: 'other', words: 'reverted without a reason', raw: '', callIndex: undefined };
  }
  let decoded: { errorName: string; args?: readonly unknown[] | undefined };
  try {
    decoded = decodeErrorResult({ abi: KNOWN_ERRORS, data });
  } catch {
    const raw = data.slice(0, 10);
    return { kind: 'other', words: `reverted with unrecognised error data ${raw}`, raw, callIndex: undefined };
  }
  const args = (decoded.args ?? []) as readonly unknown[];
  switch (decoded.errorName) {
    case 'Error':
      return fromMessage(String(args[0]));
    case 'Panic': {
      const code = Number(args[0]);
      const words = `panic 0x${code.toString(16)} (${PANICS[code] ?? 'unknown panic'})`;
      return { kind: 'other', words, raw: words, callIndex: undefined };
    }
    case 'ExecuteError':
      return { ...revertCause(args[1] as Hex), callIndex: Number(args[0]) };
    case 'FailedOp':
      return other(`EntryPoint refused the operation: ${args[1]}`);
    case 'FailedOpWithRevert':
      return other(`EntryPoint refused the operation: ${args[1]}: ${revertCause(args[2] as Hex).words}`);
    case 'ERC20InsufficientBalance':
      return {
        kind: 'balance',
        words: `the token balance is too small (has ${args[1]}, needs ${args[2]} in base units)`,
        raw: `ERC20InsufficientBalance(${args.map(String).join(', ')})`,
        callIndex: undefined,
        have: args[1] as bigint,
        need: args[2] as bigint,
      };
    case 'ERC20InsufficientAllowance':
      return {
        kind: 'allowance',
        words: `the allowance is too small (allowed ${args[1]}, needs ${args[2]} in base units)`,
        raw: `ERC20InsufficientAllowance(${args.map(String).join(', ')})`,
        callIndex: undefined,
        have: args[1] as bigint,
        need: args[2] as bigint,
      };
    case 'BoundBroken': {
      const [bound, target, selector, value, min, max] = args as [bigint, Address, Hex, bigint, bigint, bigint];
      return {
        kind: 'guard',
        words: `the on-chain guard reverted the bundle: bound ${bound} gave ${value}, outside ${min}..${max}`,
        raw: `BoundBroken(${args.map(String).join(', ')})`,
        callIndex: undefined,
        broken: { bound: Number(bound), target, selector, value, min, max },
      };
    }
    case 'ForwardFailed': {
      // The step's own revert, when the guard passed one on, in its own words.
      const inner = args[1] as Hex;
      const reason = inner.length > 2 ? revertCause(inner).words : 'it received nothing to pass on';
      return {
        kind: 'guard',
        words: `it could not pass on what arrived to the step: ${reason}`,
        raw: `ForwardFailed(${args[0]})`,
        callIndex: undefined,
      };
    }
    case 'AlreadySnapshotted':
      return {
        kind: 'guard',
        words: 'a second snapshot inside one bundle',
        raw: 'AlreadySnapshotted()',
        callIndex: undefined,
      };
    case 'ReadFailed':
    case 'NotSnapshotted':
    case 'Malformed':
      return {
        kind: 'guard',
        words: `it could not read what it checks (${decoded.errorName}(${args.map(String).join(', ')}))`,
        raw: `${decoded.errorName}(${args.map(String).join(', ')})`,
        callIndex: undefined,
      };
    case 'SafeERC20FailedOperation':
      return {
        kind: 'transfer',
        words: `a transfer of the token ${args[0]} failed`,
        raw: 'SafeERC20FailedOperation',
        callIndex: undefined,
      };
    default: {
      const raw = `${decoded.errorName}(${args.map(String).join(', ')})`;
      return { kind: 'other', words: raw, raw, callIndex: undefined };
    }
  }
}

function other(words: string): RevertCause {
  return { kind: 'other', words, raw: words, callIndex: undefined };
}

/** A require() message: Uniswap's short codes, Aave's numbers, OpenZeppelin's ERC20 strings. */
function fromMessage(message: string): RevertCause {
  const cause = (kind: RevertCause['kind'], words: string): RevertCause => ({
    kind,
    words,
    raw: message,
    callIndex: undefined,
  });
  // Aave V3 reverts with its error number alone (Errors.sol).
  if (/^\d{1,2}$/.test(message) && AAVE_ERRORS[message]) {
    return cause('protocol', `Aave refused: ${AAVE_ERRORS[message]} (Aave error ${message})`);
  }
  switch (message) {
    // Uniswap V3's TransferHelper and SwapRouter02.
    case 'STF':
      return cause('transfer', 'Uniswap could not take the tokens (STF: the transfer from the account failed)');
    case 'TF':
      return cause('transfer', 'a token transfer out of Uniswap failed (TF)');
    case 'STE':
      return cause('transfer', 'sending ETH failed (STE)');
    case 'SA':
      return cause('transfer', 'an approval inside Uniswap failed (SA)');
    case 'Too little received':
      return cause(
        'slippage',
        'the swap would return less than the minimum it promised (Too little received): the price moved since the quote',
      );
    case 'Too much requested':
      return cause(
        'slippage',
        'the swap would cost more than the maximum it promised (Too much requested): the price moved since the quote',
      );
    case 'Transaction too old':
      return cause('slippage', 'the swap’s deadline passed (Transaction too old)');
  }
  if (/transfer amount exceeds balance|burn amount exceeds balance|insufficient balance/i.test(message)) {
    return cause('balance', `the token balance is too small (${message})`);
  }
  if (/insufficient allowance|transfer amount exceeds allowance/i.test(message)) {
    return cause('allowance', `the allowance is too small (${message})`);
  }
  return cause('other', message);
}

/**
 * Revert data in words: "call 2 of 3 (to 0x…) failed: Uniswap could not take the tokens (STF: …)". A
 * bound the guard found broken is named from the guard's error, with `tokens` for symbols, but only
 * when the failing call went to `guard` (the chain's bundle guard): any contract can revert with the
 * guard's error names, and such a revert is quoted, never told as the guard's finding.
 */
export function describeRevert(
  data: Hex | undefined,
  calls?: readonly { to: string; data?: Hex }[],
  tokens: readonly KnownToken[] = [],
  guard?: Address,
): string {
  const cause = revertCause(data);
  if (cause.kind === 'guard' && fromGuard(cause.callIndex, calls, guard)) return guardWords(cause, tokens);
  const words = cause.kind === 'guard' ? `it reverted with ${cause.raw}` : cause.words;
  if (cause.callIndex === undefined) return words;
  const index = cause.callIndex;
  const target = calls?.[index]?.to;
  const position = calls ? `call ${index + 1} of ${calls.length}` : `call ${index + 1}`;
  return `${position}${target ? ` (to ${target})` : ''} failed: ${words}`;
}

/**
 * Whether the failing call is the guard's own: a call to the guard's address, named by the account's
 * ExecuteError (a guarded bundle has several calls, so the account always wraps the revert; a plan's
 * steps may not call the guard, plan/preview.ts).
 */
function fromGuard(
  callIndex: number | undefined,
  calls: readonly { to: string; data?: Hex }[] | undefined,
  guard: Address | undefined,
): boolean {
  const failing = callIndex === undefined ? undefined : calls?.[callIndex];
  return !!guard && !!failing && isAddressEqual(failing.to as Address, guard);
}

/** A plan's step as a revert is named by it: its title, its calls, and the tokens it spends. */
export type StepForRevert = {
  title: string;
  callCount: number;
  /** The tokens the step takes from the account, by symbol (a swap's input, a supply's asset). */
  spends: readonly string[];
};

/**
 * A revert named by the plan's step that made it, with the token when the cause is the account's
 * funds: "step 2 (Swap on Uniswap V3): the account does not hold enough USDC (Uniswap could not take
 * the tokens: STF)". `callIndex` is the failing call in the whole batch (from the account's
 * ExecuteError, or 0 for a single call, which the account passes on unwrapped).
 */
export function explainRevert(
  data: Hex | undefined,
  steps: readonly StepForRevert[],
  options: { singleCall?: boolean } = {},
): { where: string | undefined; words: string; text: string } {
  const cause = revertCause(data);
  const index = cause.callIndex ?? (options.singleCall ? 0 : undefined);
  let stepNumber: number | undefined;
  let step: StepForRevert | undefined;
  if (index !== undefined) {
    let first = 0;
    for (const [i, candidate] of steps.entries()) {
      if (index < first + candidate.callCount) {
        stepNumber = i + 1;
        step = candidate;
        break;
      }
      first += candidate.callCount;
    }
  }
  const where = step ? `step ${stepNumber} (${step.title})` : index !== undefined ? `call ${index + 1}` : undefined;
  const tokens = step?.spends.length ? step.spends.join(' or ') : undefined;
  const words = (() => {
    switch (cause.kind) {
      case 'balance':
        return tokens ? `the account does not hold enough ${tokens} (${cause.raw})` : cause.words;
      case 'allowance':
        return tokens ? `the spender is not allowed to take enough ${tokens} (${cause.raw})` : cause.words;
      case 'transfer':
        return tokens ? `the account does not hold enough ${tokens}: ${cause.words}` : cause.words;
      case 'other':
        // WETH9 and many older tokens revert with no reason when the balance or allowance is short.
        return cause.raw === '' && tokens ? `${cause.words} (does the account hold enough ${tokens}?)` : cause.words;
      default:
        return cause.words;
    }
  })();
  return { where, words, text: where ? `${where}: ${words}` : words };
}

/**
 * The revert data inside an error from a bundler or node: viem puts it on `data` somewhere down the
 * cause chain, and Alto writes it into the message ("... with reason: 0x...").
 */
export function revertDataOf(error: unknown): Hex | undefined {
  for (
    let current = error as { data?: unknown; cause?: unknown; message?: string; details?: string } | undefined;
    current;
  ) {
    if (typeof current.data === 'string' && isHex(current.data) && current.data.length >= 10) return current.data;
    const text = `${current.details ?? ''} ${current.message ?? ''}`;
    const match = /reason:\s*(0x[0-9a-fA-F]{8,})/.exec(text);
    if (match) return match[1] as Hex;
    current = current.cause as typeof current;
  }
  return undefined;
}

/** A token as the chain's list knows it, to name a guard's bound. */
export type KnownToken = { address: Address; symbol: string; decimals: number };

const BALANCE_OF = toFunctionSelector('balanceOf(address)');
const ALLOWANCE = toFunctionSelector('allowance(address,address)');
const ACCOUNT_DATA = toFunctionSelector('getUserAccountData(address)');

/**
 * "The on-chain guard reverted the bundle, so nothing moved: USDC changed by -120 where the preview
 * allowed at most 100 to leave". The guard's BoundBroken names what it read (a token's balanceOf, an
 * allowance, Aave's account data) and the range it allowed.
 */
function guardWords(cause: RevertCause, tokens: readonly KnownToken[]): string {
  const lead = 'the on-chain guard reverted the bundle, so nothing moved';
  const broken = cause.broken;
  if (!broken) return `${lead}: ${cause.words}`;
  // The guard's error names what it read; a revert only counts as the guard's when fromGuard says so.
  const read = { target: broken.target, selector: broken.selector };
  const known = tokens.find((t) => isAddressEqual(t.address, read.target));
  const isEth = isAddressEqual(read.target, '0x0000000000000000000000000000000000000000');
  const symbol = isEth ? 'ETH' : (known?.symbol ?? read.target);
  const decimals = isEth ? 18 : (known?.decimals ?? 0);
  const units = (value: bigint) => formatUnits(value, decimals) + (known || isEth ? '' : ' base units');
  const selector = read.selector.toLowerCase();
  if (isEth || selector === BALANCE_OF) {
    const change = `${symbol} changed by ${units(broken.value)}`;
    const allowed =
      broken.min < 0n
        ? `at most ${units(-broken.min)} to leave`
        : broken.min === 0n
          ? 'none to leave'
          : `at least ${units(broken.min)} to arrive`;
    return broken.value < broken.min
      ? `${lead}: ${change} where the preview allowed ${allowed}`
      : `${lead}: ${change}, more than the preview's ${units(broken.max)}`;
  }
  if (selector === ALLOWANCE) {
    return `${lead}: the ${symbol} allowance would be ${units(broken.value)} where the preview showed ${units(broken.min)}`;
  }
  if (selector === ACCOUNT_DATA && broken.max === 0n) {
    // The bound on the account's total debt, in Aave's base currency (USD, 8 decimals): it may not grow.
    return `${lead}: the account's Aave debt would grow by ${formatUnits(broken.value, 8)} USD, where the preview allowed none`;
  }
  if (selector === ACCOUNT_DATA) {
    return `${lead}: the Aave health factor would be ${formatUnits(broken.value, 18)}, below the ${formatUnits(broken.min, 18)} the preview showed`;
  }
  return `${lead}: ${cause.raw}`;
}
