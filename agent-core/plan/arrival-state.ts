import {
  type Address,
  createPublicClient,
  custom,
  encodeAbiParameters,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  hexToBigInt,
  isAddressEqual,
  keccak256,
  type PublicClient,
  type RpcStateOverride,
  toHex,
} from 'viem';
import { NATIVE_TOKEN } from '../../skills/sdk/define-skill.ts';
import { UnsupportedError } from './errors.ts';

type RawRequest = (args: { method: string; params?: unknown }) => Promise<unknown>;

/** Storage slots a token's balance mapping is looked for at (OpenZeppelin's is 0, USDC's FiatToken 9, …). */
const SLOTS_TRIED = 32;

/**
 * The destination chain as it will be once a bridge's funds have arrived, as state overrides: the
 * account's ETH balance raised by what arrives as ETH, and each token's balance slot for the account
 * raised by what arrives of it. The plan's destination leg is built and simulated on it, before the
 * funds exist there; nothing is sent. A token whose balance slot cannot be found (not a plain
 * mapping) cannot be previewed there, so the leg is not offered.
 */
export async function arrivalState(
  client: PublicClient,
  account: Address,
  /** What a bridge brings: a token there (NATIVE_TOKEN for ETH) and the least amount. */
  arrivals: readonly { token: Address; amount: bigint }[],
): Promise<RpcStateOverride> {
  const state: RpcStateOverride = {};
  // Per token, all that arrives of it (two bridges of USDC in one plan credit both).
  const totals = new Map<string, { token: Address; amount: bigint }>();
  for (const arrival of arrivals) {
    const key = arrival.token.toLowerCase();
    const total = totals.get(key);
    totals.set(key, { token: arrival.token, amount: (total?.amount ?? 0n) + arrival.amount });
  }
  for (const arrival of totals.values()) {
    if (isAddressEqual(arrival.token, NATIVE_TOKEN)) {
      const held = await client.getBalance({ address: account });
      state[account] = { ...state[account], balance: toHex(held + arrival.amount) };
      continue;
    }
    const found = await balanceSlot(client, arrival.token, account);
    if (!found) {
      throw new UnsupportedError(
        `The token ${arrival.token} that the bridge brings keeps its balances where Sextant cannot find them, so what the plan does with it there cannot be previewed. Bridge first, then ask for the rest there.`,
      );
    }
    const raised = found.value + arrival.amount;
    const entry = state[arrival.token] ?? {};
    state[arrival.token] = { ...entry, stateDiff: { ...entry.stateDiff, [found.slot]: toHex(raised, { size: 32 }) } };
  }
  return state;
}

/**
 * The storage slot holding `account`'s balance of `token`, and its value now: each candidate slot is
 * set to the balance plus a marker in an eth_call override, and the one balanceOf then reports is it.
 */
async function balanceSlot(
  client: PublicClient,
  token: Address,
  account: Address,
): Promise<{ slot: Hex; value: bigint } | undefined> {
  const request = client.request as unknown as RawRequest;
  const balanceOf = encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [account] });
  const held = await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
  const marked = held + 0x5e7a17n;
  const candidates: Hex[] = [];
  for (let slot = 0n; slot < BigInt(SLOTS_TRIED); slot++) {
    // Solidity's mapping(address => uint256) at `slot`, then Vyper's order of the two.
    candidates.push(keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [account, slot])));
    candidates.push(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'address' }], [slot, account])));
  }
  // A few at a time (a public node limits bursts), the low slots first (OpenZeppelin's 0, FiatToken's
  // 9); a read the node failed is said as such, never taken for "no slot".
  const BATCH = 8;
  for (let start = 0; start < candidates.length; start += BATCH) {
    const batch = candidates.slice(start, start + BATCH);
    const answers = await Promise.all(
      batch.map((slot) =>
        request({
          method: 'eth_call',
          params: [
            { to: token, data: balanceOf },
            'latest',
            { [token]: { stateDiff: { [slot]: toHex(marked, { size: 32 }) } } },
          ],
        }).then(
          (answer) => ({ answer }),
          (error: unknown) => ({ error }),
        ),
      ),
    );
    for (const [i, result] of answers.entries()) {
      // A call the override makes revert (the slot was some other state, a proxy's, say): not this slot.
      if ('error' in result && /revert/i.test(String((result.error as Error).message))) continue;
      if ('error' in result) {
        throw new UnsupportedError(
          `The node did not answer while Sextant read where ${token} keeps balances (${(result.error as Error).message}), so what the plan does with it after the bridge cannot be previewed now. Try again.`,
        );
      }
      const { answer } = result;
      if (typeof answer === 'string' && answer !== '0x' && hexToBigInt(answer as Hex) === marked) {
        return { slot: batch[i] as Hex, value: held };
      }
    }
  }
  return undefined;
}

/**
 * A read client that sees the chain with `state` applied: eth_call, eth_estimateGas and
 * eth_simulateV1 get it as their state override (merged with any of their own, theirs on top), and
 * eth_getBalance and eth_getStorageAt answer from it where it sets the value. Nothing is sent.
 */
export function clientWithState(client: PublicClient, state: RpcStateOverride): PublicClient {
  if (Object.keys(state).length === 0) return client;
  const request = client.request as unknown as RawRequest;
  return createPublicClient({
    ...(client.chain ? { chain: client.chain } : {}),
    transport: custom({
      async request({ method, params }) {
        const args = [...((params as unknown[] | undefined) ?? [])];
        switch (method) {
          case 'eth_call':
          case 'eth_estimateGas':
            args[1] = args[1] ?? 'latest';
            args[2] = merged(state, args[2] as RpcStateOverride | undefined);
            return request({ method, params: args });
          case 'eth_simulateV1': {
            const [options, ...rest] = args as [{ blockStateCalls: { stateOverrides?: RpcStateOverride }[] }];
            const [first, ...later] = options.blockStateCalls;
            const blocks = [{ ...first, stateOverrides: merged(state, first?.stateOverrides) }, ...later];
            return request({ method, params: [{ ...options, blockStateCalls: blocks }, ...rest] });
          }
          case 'eth_getBalance': {
            const set = entryOf(state, args[0] as Address)?.balance;
            return set ?? request({ method, params });
          }
          case 'eth_getStorageAt': {
            const diff = entryOf(state, args[0] as Address)?.stateDiff;
            const slot = (args[1] as Hex).toLowerCase();
            const set = diff && Object.entries(diff).find(([key]) => key.toLowerCase() === slot)?.[1];
            return set ?? request({ method, params });
          }
          default:
            return request({ method, params });
        }
      },
    }),
  });
}

function entryOf(state: RpcStateOverride, address: Address) {
  const key = Object.keys(state).find((k) => isAddressEqual(k as Address, address));
  return key ? state[key as Address] : undefined;
}

/** Two overrides as one: per address, the caller's fields on top of ours, and both storage diffs. */
function merged(ours: RpcStateOverride, theirs: RpcStateOverride | undefined): RpcStateOverride {
  const result: RpcStateOverride = { ...ours };
  for (const [address, entry] of Object.entries(theirs ?? {})) {
    const key = (Object.keys(result).find((k) => isAddressEqual(k as Address, address as Address)) ??
      address) as Address;
    const base = result[key] ?? {};
    const stateDiff = base.stateDiff || entry.stateDiff ? { ...base.stateDiff, ...entry.stateDiff } : undefined;
    result[key] = { ...base, ...entry, ...(stateDiff && !entry.state ? { stateDiff } : {}) };
  }
  return result;
}
