import { type Address, type Hex, keccak256, toHex } from 'viem';
import type { Db } from '../../common/database.ts';
import type { MeasuredHop, ReceiptVerdict } from '../receipt-check.ts';
import { recordReceipt } from '../receipts.ts';

const consumer = '0x00000000000000000000000000000000000c0de0' as Address;

/** Records a usage receipt as the router would after checking it: accepted, or rejected as inflated. */
export function recordTestReceipt(
  db: Db,
  n: number,
  provider: Address,
  tokens: [number, number],
  accepted: boolean,
  at: Date,
) {
  const requestId = keccak256(toHex(`request ${n}`)) as Hex;
  const hop: MeasuredHop = {
    requestId,
    provider,
    consumer,
    model: 'm',
    count: { chunks: tokens[1], bytes: tokens[1] * 4 },
    requestBytes: 100,
    ttftMs: 5,
    durationMs: 50,
  };
  const message = {
    requestId,
    provider,
    consumer,
    model: 'm',
    promptTokens: BigInt(tokens[0]),
    completionTokens: BigInt(tokens[1]),
    ttftMs: 5n,
    durationMs: 50n,
  };
  const verdict: ReceiptVerdict = accepted
    ? { accepted: true, receipt: message, signature: '0x01' }
    : { accepted: false, reason: 'claims more tokens than were streamed', receipt: message, signature: '0x01' };
  recordReceipt(db, hop, verdict, 10n ** 18n, () => at);
  return requestId;
}
