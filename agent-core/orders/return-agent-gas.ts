import { type Address, formatEther, keccak256 } from 'viem';
import { minedReceipt } from '../../common/mined-receipt.ts';
import type { RunnerEnvironment } from './runner.ts';
import { listOrders, type Order } from './store.ts';

/** Orders in these statuses may still need the agent key's gas. */
const NEEDS_GAS: readonly Order['status'][] = ['granting', 'active', 'paused'];
/** Below this the ETH is left: sending it back would cost about as much as it returns. */
const DUST_TRANSFERS = 3n;

/**
 * The ETH each grant sent an agent key for its runs' gas is the user's. Once none of the user's
 * orders on this chain can run any more (every one cancelled, finished, stopped or only proposed) and
 * the agent key has nothing in flight, what it still holds goes back to the account of the user's
 * latest order, less the transfer's own gas. Sent only when the key's pending and latest nonces
 * agree, so a transfer still on its way is never followed by a second; a later grant sends it gas
 * again. One line per user whose key returned something (or could not), for the runner's report.
 */
export async function returnIdleAgentGas(env: RunnerEnvironment): Promise<{ orderId: string; outcome: string }[]> {
  const report: { orderId: string; outcome: string }[] = [];
  for (const { userId, agent } of agentKeysOnChain(env)) {
    const idle = () => {
      const orders = listOrders(env.db, userId).filter((o) => o.chainId === env.chain.chainId);
      return orders.some((o) => NEEDS_GAS.includes(o.status)) ? undefined : orders.find((o) => o.status !== 'proposed');
    };
    const latest = idle();
    if (!latest) continue;
    try {
      const outcome = await returnGas(env, userId, agent, latest.account, () => idle() !== undefined);
      if (outcome) report.push({ orderId: latest.id, outcome });
    } catch (error) {
      report.push({ orderId: latest.id, outcome: `its agent key's gas not returned: ${(error as Error).message}` });
    }
  }
  return report;
}

async function returnGas(
  env: RunnerEnvironment,
  userId: string,
  agentAddress: Address,
  account: Address,
  stillIdle: () => boolean,
): Promise<string | undefined> {
  const client = env.publicClient;
  const [balance, latest, pending, fees] = await Promise.all([
    client.getBalance({ address: agentAddress }),
    client.getTransactionCount({ address: agentAddress, blockTag: 'latest' }),
    client.getTransactionCount({ address: agentAddress, blockTag: 'pending' }),
    client.estimateFeesPerGas(),
  ]);
  if (balance === 0n || pending !== latest) return undefined;
  // A grant is recorded ('granting') before its gas is sent: one that confirmed while the balance was
  // read shows here, and that balance then holds the gas of an order about to run.
  if (!stillIdle()) return undefined;
  // The account may be a contract (a SimpleAccount, or the user's address on a 7702 implementation):
  // its receive costs more than a plain transfer's 21,000.
  const gas = ((await client.estimateGas({ account: agentAddress, to: account, value: 1n })) * 6n) / 5n;
  const fee = gas * fees.maxFeePerGas;
  if (balance <= fee * DUST_TRANSFERS) return undefined;
  const agent = await env.agentKey(userId);
  if (!agent) return undefined;
  // Twice the execution gas stays behind: on an OP Stack chain (Base, Optimism) the sender also pays
  // an L1 data fee the estimate leaves out, and a transfer of everything but the L2 fee would be refused.
  const value = balance - fee * 2n;
  const signed = await agent.signTransaction({
    type: 'eip1559',
    chainId: env.chain.chainId,
    nonce: latest,
    to: account,
    value,
    gas,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
  const hash = keccak256(signed);
  await client.request({ method: 'eth_sendRawTransaction', params: [signed] });
  const receipt = await minedReceipt(client, hash, 60_000, env.pollingIntervalMs).catch(() => undefined);
  if (!receipt) return `its agent key is returning ${formatEther(value)} ETH of unused gas to ${account} (tx ${hash})`;
  if (receipt.status !== 'success') return `its agent key's return of unused gas reverted (tx ${hash})`;
  return `its agent key returned ${formatEther(value)} ETH of unused gas to ${account} (tx ${hash})`;
}

function agentKeysOnChain(env: RunnerEnvironment): { userId: string; agent: Address }[] {
  return env.db
    .prepare(
      `SELECT k.user_id AS userId, k.address AS agent FROM agent_keys k
       WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = k.user_id AND o.chain_id = ?)
       ORDER BY k.user_id`,
    )
    .all(env.chain.chainId) as { userId: string; agent: Address }[];
}
