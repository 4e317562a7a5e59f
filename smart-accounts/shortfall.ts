import { type Address, decodeFunctionData, erc20Abi, formatUnits } from 'viem';
import { isDevnetSlug } from '../common/chains/registry.ts';
import { roundDecimal } from '../skills/sdk/amounts.ts';
import type { ExecutionEnvironment } from './environment.ts';
import { ShortfallError } from './errors.ts';
import type { Call } from './executions.ts';

/** An amount of a token the calls will take from the account (skills state these as their bounds). */
export type Spend = { token: Address; amount: bigint };

/** ETH in `spends` and `credits` (the 0xEeee… convention the skills use). */
const NATIVE: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE';

/**
 * Refuses, before anything is signed, calls the account cannot pay for: the calls' ETH value plus
 * `gasCost` (zero when a paymaster sponsors it, or before gas is known) against the ETH balance; and
 * each token's needs against its balance. The needs are `spends` when the caller states them in full
 * (the skills' bounds: what the calls take at most), else the plain ERC-20 transfers found in the
 * calls. `credits` are what earlier calls in the same bundle are bound to bring in (the skills'
 * receive bounds), so a step may spend what the step before it receives. Token balances do not change
 * with the gas estimate, so a second check after it passes `gasCost` alone.
 */
export async function assertNoShortfall(
  env: ExecutionEnvironment,
  account: Address,
  calls: readonly Call[],
  needs: ShortfallNeeds,
): Promise<void> {
  const missing = await findShortfall(env, account, calls, needs);
  if (missing.length > 0) {
    throw new ShortfallError(
      missing.map(({ symbol, needed, available, short }) => ({ symbol, needed, available, short })),
      isDevnetSlug(env.chain.slug)
        ? 'Fund the account with `sextant faucet`.'
        : 'Send the missing funds to the account first.',
    );
  }
}

export type ShortfallNeeds = {
  spends?: readonly Spend[];
  credits?: readonly Spend[];
  gasCost?: bigint;
  tokens?: boolean;
};

/** One asset the account holds too little of: human units (exact), and base units with decimals. */
export type Shortfall = ShortfallError['missing'][number] & {
  token: Address;
  decimals: number;
  neededBaseUnits: bigint;
  availableBaseUnits: bigint;
  /** The need includes the gas fee. */
  withGas: boolean;
};

/** What `assertNoShortfall` checks, as a list of what is missing (empty when the account can pay). */
export async function findShortfall(
  env: Pick<ExecutionEnvironment, 'publicClient' | 'chain'>,
  account: Address,
  calls: readonly Call[],
  needs: ShortfallNeeds,
): Promise<Shortfall[]> {
  const missing: Shortfall[] = [];
  const maxGasCost = needs.gasCost ?? 0n;
  const credit = new Map<string, bigint>();
  for (const c of needs.credits ?? [])
    credit.set(c.token.toLowerCase(), (credit.get(c.token.toLowerCase()) ?? 0n) + c.amount);
  const valueNeeded =
    calls.reduce((sum, call) => sum + (call.value ?? 0n), 0n) - (credit.get(NATIVE.toLowerCase()) ?? 0n);
  const nativeNeeded = (valueNeeded > 0n ? valueNeeded : 0n) + maxGasCost;
  const nativeBalance = await env.publicClient.getBalance({ address: account });
  if (nativeBalance < nativeNeeded) {
    missing.push(row(NATIVE, 'ETH', 18, nativeNeeded, nativeBalance, maxGasCost > 0n));
  }
  const byToken = new Map<string, bigint>();
  const tokenNeeds = needs.tokens === false ? [] : (needs.spends ?? transfersIn(calls));
  for (const spend of tokenNeeds) {
    if (spend.token.toLowerCase() === NATIVE.toLowerCase()) continue;
    byToken.set(spend.token.toLowerCase(), (byToken.get(spend.token.toLowerCase()) ?? 0n) + spend.amount);
  }
  for (const [token, gross] of byToken) {
    const needed = gross - (credit.get(token) ?? 0n);
    if (needed <= 0n) continue;
    const address = token as Address;
    const [balance, { symbol, decimals }] = await Promise.all([
      env.publicClient.readContract({ address, abi: erc20Abi, functionName: 'balanceOf', args: [account] }),
      describeToken(env, address),
    ]);
    if (balance < needed) missing.push(row(address, symbol, decimals, needed, balance, false));
  }
  return missing;
}

function row(
  token: Address,
  symbol: string,
  decimals: number,
  needed: bigint,
  available: bigint,
  withGas: boolean,
): Shortfall {
  return {
    token,
    symbol,
    decimals,
    needed: `${formatUnits(needed, decimals)}${withGas ? ' (including gas)' : ''}`,
    available: formatUnits(available, decimals),
    short: formatUnits(needed - available, decimals),
    neededBaseUnits: needed,
    availableBaseUnits: available,
    withGas,
  };
}

/**
 * What is missing, as a person acts on it: "USDC: the plan needs 100, the account holds 0. On the
 * devnet, `sextant faucet` or the page's Get test funds button funds it." The need rounds up and the
 * holding down, so the short figures never hide the gap; on a real network the fix is to send funds.
 */
export function describeShortfall(missing: readonly Shortfall[], options: { devnet: boolean }): string {
  const lines = missing.map((m) => {
    const needed = roundDecimal(formatUnits(m.neededBaseUnits, m.decimals), 'up');
    const held = roundDecimal(formatUnits(m.availableBaseUnits, m.decimals), 'down');
    return `${m.symbol}: the plan needs ${needed}${m.withGas ? ' (with gas)' : ''}, the account holds ${held}.`;
  });
  const fix = options.devnet
    ? `On the devnet, \`sextant faucet\` or the page's Get test funds button funds ${missing.length === 1 ? 'it' : 'them'}.`
    : `Send the missing ${missing.length === 1 ? 'funds' : 'tokens'} to the account first, or ask for less.`;
  return `${lines.join(' ')} ${fix}`;
}

function transfersIn(calls: readonly Call[]): Spend[] {
  const spends: Spend[] = [];
  for (const call of calls) {
    if (!call.data || call.data.length < 10) continue;
    try {
      const decoded = decodeFunctionData({ abi: erc20Abi, data: call.data });
      if (decoded.functionName === 'transfer') spends.push({ token: call.to, amount: decoded.args[1] });
    } catch {
      // Not an ERC-20 call: its spends, if any, come from the caller.
    }
  }
  return spends;
}

/** Symbol and decimals from the token list, or from the token itself (decimals are never assumed). */
async function describeToken(
  env: Pick<ExecutionEnvironment, 'publicClient' | 'chain'>,
  address: Address,
): Promise<{ symbol: string; decimals: number }> {
  const listed = env.chain.tokens.find((token) => token.address.toLowerCase() === address.toLowerCase());
  if (listed) return listed;
  const [symbol, decimals] = await Promise.all([
    env.publicClient.readContract({ address, abi: erc20Abi, functionName: 'symbol' }),
    env.publicClient.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
  ]);
  return { symbol, decimals };
}
