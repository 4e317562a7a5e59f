import { type Address, decodeFunctionData, erc20Abi, formatUnits } from 'viem';
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
  needs: { spends?: readonly Spend[]; credits?: readonly Spend[]; gasCost?: bigint; tokens?: boolean },
): Promise<void> {
  const missing: ShortfallError['missing'] = [];
  const maxGasCost = needs.gasCost ?? 0n;
  const credit = new Map<string, bigint>();
  for (const c of needs.credits ?? [])
    credit.set(c.token.toLowerCase(), (credit.get(c.token.toLowerCase()) ?? 0n) + c.amount);
  const valueNeeded =
    calls.reduce((sum, call) => sum + (call.value ?? 0n), 0n) - (credit.get(NATIVE.toLowerCase()) ?? 0n);
  const nativeNeeded = (valueNeeded > 0n ? valueNeeded : 0n) + maxGasCost;
  const nativeBalance = await env.publicClient.getBalance({ address: account });
  if (nativeBalance < nativeNeeded) {
    missing.push(row('ETH', 18, nativeNeeded, nativeBalance, maxGasCost > 0n ? ' (including gas)' : ''));
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
    if (balance < needed) missing.push(row(symbol, decimals, needed, balance, ''));
  }
  if (missing.length > 0) {
    throw new ShortfallError(
      missing,
      env.chain.slug === 'devnet'
        ? 'Fund the account with `sextant faucet`.'
        : 'Send the missing funds to the account first.',
    );
  }
}

function row(symbol: string, decimals: number, needed: bigint, available: bigint, note: string) {
  return {
    symbol,
    needed: `${formatUnits(needed, decimals)}${note}`,
    available: formatUnits(available, decimals),
    short: formatUnits(needed - available, decimals),
  };
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
  env: ExecutionEnvironment,
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
