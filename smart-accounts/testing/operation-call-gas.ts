import type { Address, Hex } from 'viem';
import type { Db } from '../../common/database.ts';
import { jsonRpc } from '../../common/json-rpc.ts';

type Frame = { from: string; to: string; input: string; gasUsed: string; calls?: Frame[] };
/** validateUserOp: the EntryPoint's other call into the account. */
const VALIDATE_USER_OP = '0x19822f7c';

/**
 * An executed operation's call gas: the limit its record sent (callGasLimit) and what the
 * EntryPoint's call into the account's execute used on chain (the node's callTracer of its bundle).
 */
export async function operationCallGas(
  rpcUrl: string,
  db: Db,
  record: { id: string; txHash: Hex | null },
  entryPoint: Address,
  account: Address,
): Promise<{ limit: bigint; used: bigint }> {
  const row = db.prepare('SELECT user_operation FROM executions WHERE id = ?').get(record.id) as {
    user_operation: string;
  };
  const limit = BigInt((JSON.parse(row.user_operation) as { callGasLimit: string }).callGasLimit);
  const trace = await jsonRpc<Frame>(
    rpcUrl,
    'debug_traceTransaction',
    [record.txHash, { tracer: 'callTracer' }],
    30_000,
  );
  const frames = (frame: Frame): Frame[] => [frame, ...(frame.calls ?? []).flatMap(frames)];
  const call = frames(trace).find(
    (frame) =>
      frame.from.toLowerCase() === entryPoint.toLowerCase() &&
      frame.to.toLowerCase() === account.toLowerCase() &&
      !frame.input.startsWith(VALIDATE_USER_OP),
  );
  if (!call) throw new Error(`No call from the EntryPoint into ${account} in ${record.txHash}.`);
  return { limit, used: BigInt(call.gasUsed) };
}
