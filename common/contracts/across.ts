import {
  type Address,
  encodeAbiParameters,
  getAddress,
  type Hex,
  keccak256,
  type PublicClient,
  padHex,
  parseAbi,
  parseAbiItem,
  parseAbiParameters,
  sliceHex,
} from 'viem';

/**
 * What Sextant reads and writes of Across' SpokePool (`@across-protocol/contracts` 5.x): a deposit,
 * its fill, the relay hash that names it on the destination, the refund of one that expired, and a
 * deposit's status read from both chains. The research behind it: docs/research/across-devnet.md.
 */

export const FUNDS_DEPOSITED = parseAbiItem(
  'event FundsDeposited(bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 indexed destinationChainId, uint256 indexed depositId, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityDeadline, bytes32 indexed depositor, bytes32 recipient, bytes32 exclusiveRelayer, bytes message)',
);

export const EXECUTED_RELAYER_REFUND_ROOT = parseAbiItem(
  'event ExecutedRelayerRefundRoot(uint256 amountToReturn, uint256 indexed chainId, uint256[] refundAmounts, uint32 indexed rootBundleId, uint32 indexed leafId, address l2TokenAddress, address[] refundAddresses, bool deferredRefunds, address caller)',
);

export const spokePoolAbi = parseAbi([
  'struct V3RelayData { bytes32 depositor; bytes32 recipient; bytes32 exclusiveRelayer; bytes32 inputToken; bytes32 outputToken; uint256 inputAmount; uint256 outputAmount; uint256 originChainId; uint256 depositId; uint32 fillDeadline; uint32 exclusivityDeadline; bytes message; }',
  'struct RelayerRefundLeaf { uint256 amountToReturn; uint256 chainId; uint256[] refundAmounts; uint32 leafId; address l2TokenAddress; address[] refundAddresses; }',
  'function deposit(bytes32 depositor, bytes32 recipient, bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 destinationChainId, bytes32 exclusiveRelayer, uint32 quoteTimestamp, uint32 fillDeadline, uint32 exclusivityParameter, bytes message) payable',
  'function fillRelay(V3RelayData relayData, uint256 repaymentChainId, bytes32 repaymentAddress)',
  'function fillStatuses(bytes32) view returns (uint256)',
  'function relayRootBundle(bytes32 relayerRefundRoot, bytes32 slowRelayRoot)',
  'function executeRelayerRefundLeaf(uint32 rootBundleId, RelayerRefundLeaf relayerRefundLeaf, bytes32[] proof)',
  'function owner() view returns (address)',
]);

/** An address as the SpokePool's bytes32 fields carry it, and back. */
export const toBytes32 = (address: Address): Hex => padHex(address, { size: 32 });
export const fromBytes32 = (value: Hex): Address => getAddress(sliceHex(value, 12));

/** A deposit as its FundsDeposited event gives it, with the chain it was made on. */
export type AcrossDeposit = {
  originChainId: number;
  destinationChainId: number;
  depositId: bigint;
  depositor: Hex;
  recipient: Hex;
  exclusiveRelayer: Hex;
  inputToken: Hex;
  outputToken: Hex;
  inputAmount: bigint;
  outputAmount: bigint;
  fillDeadline: number;
  exclusivityDeadline: number;
  message: Hex;
};

/** The deposit from one FundsDeposited log on `originChainId`. */
export function depositFromLog(originChainId: number, args: Partial<Record<string, unknown>>): AcrossDeposit {
  return {
    originChainId,
    destinationChainId: Number(args.destinationChainId),
    depositId: args.depositId as bigint,
    depositor: args.depositor as Hex,
    recipient: args.recipient as Hex,
    exclusiveRelayer: args.exclusiveRelayer as Hex,
    inputToken: args.inputToken as Hex,
    outputToken: args.outputToken as Hex,
    inputAmount: args.inputAmount as bigint,
    outputAmount: args.outputAmount as bigint,
    fillDeadline: Number(args.fillDeadline),
    exclusivityDeadline: Number(args.exclusivityDeadline),
    message: args.message as Hex,
  };
}

/** The relay data a fill repeats, field by field. */
export function relayDataOf(deposit: AcrossDeposit) {
  return {
    depositor: deposit.depositor,
    recipient: deposit.recipient,
    exclusiveRelayer: deposit.exclusiveRelayer,
    inputToken: deposit.inputToken,
    outputToken: deposit.outputToken,
    inputAmount: deposit.inputAmount,
    outputAmount: deposit.outputAmount,
    originChainId: BigInt(deposit.originChainId),
    depositId: deposit.depositId,
    fillDeadline: deposit.fillDeadline,
    exclusivityDeadline: deposit.exclusivityDeadline,
    message: deposit.message,
  };
}

const RELAY_DATA = parseAbiParameters(
  '(bytes32 depositor, bytes32 recipient, bytes32 exclusiveRelayer, bytes32 inputToken, bytes32 outputToken, uint256 inputAmount, uint256 outputAmount, uint256 originChainId, uint256 depositId, uint32 fillDeadline, uint32 exclusivityDeadline, bytes message), uint256',
);

/** The name of a deposit on its destination: keccak256(abi.encode(relayData, destinationChainId)). */
export function relayHashOf(deposit: AcrossDeposit): Hex {
  return keccak256(encodeAbiParameters(RELAY_DATA, [relayDataOf(deposit), BigInt(deposit.destinationChainId)]));
}

/** fillStatuses: what the destination's SpokePool says of a relay hash. */
export const FILL_STATUS = { unfilled: 0n, slowFillRequested: 1n, filled: 2n } as const;

/**
 * Where a deposit stands, read from both chains:
 * - `filled`: the destination's SpokePool says so (the recipient was paid there);
 * - `pending`: not filled, and its deadline has not passed on the destination's clock;
 * - `expired`: the deadline passed unfilled (it never can be now), and no refund of it is seen yet;
 * - `refunded`: expired, and relayer-refund leaves on the origin executed after its deadline paid the
 *   depositor at least the deposit's input in its input token. Refunds are aggregated (one payment can
 *   cover several deposits of the same depositor and token) and name no deposit, so `alreadyCounted`
 *   carries what other deposits of the same depositor and token have taken of the payments made after
 *   this one's deadline: nothing is counted twice.
 */
export type DepositStatus = 'pending' | 'filled' | 'expired' | 'refunded';

export async function depositStatus(
  origin: { client: PublicClient; spokePool: Address },
  destination: { client: PublicClient; spokePool: Address },
  deposit: AcrossDeposit,
  alreadyCounted = 0n,
  /** The refund payments to its depositor (`refundPayments`), when the caller has read them already. */
  payments?: readonly RefundPayment[],
): Promise<DepositStatus> {
  // The clock first: once the deadline has passed no fill can land, so the status read after it is
  // final (read the other way round, a fill landing between the two reads would look expired).
  // A deadline equal to the latest block's time still counts as open: the safe side for a refund.
  const now = (await destination.client.getBlock({ blockTag: 'latest' })).timestamp;
  const status = await destination.client.readContract({
    address: destination.spokePool,
    abi: spokePoolAbi,
    functionName: 'fillStatuses',
    args: [relayHashOf(deposit)],
  });
  if (status === FILL_STATUS.filled) return 'filled';
  if (BigInt(deposit.fillDeadline) >= now) return 'pending';
  // A refund of this deposit can only be executed once its deadline has passed: one paid earlier (for
  // another deposit naming the same depositor, made through Sextant or not) is not its refund.
  const paid = (payments ?? (await refundPayments(origin, deposit)))
    .filter((payment) => payment.time > BigInt(deposit.fillDeadline))
    .reduce((sum, payment) => sum + payment.amount, 0n);
  return paid - alreadyCounted >= deposit.inputAmount ? 'refunded' : 'expired';
}

/** One relayer-refund payment to a deposit's depositor in its input token, on its origin, and when. */
export type RefundPayment = { time: bigint; blockNumber: bigint; amount: bigint };

/**
 * Every refund the origin's SpokePool paid to the deposit's depositor in the deposit's input token
 * (relayer-refund leaves executed, deferred ones left out), oldest first, with the time of its block.
 * Refunds name no deposit: which deposit a payment was for is for the caller to work out.
 */
export async function refundPayments(
  origin: { client: PublicClient; spokePool: Address },
  deposit: Pick<AcrossDeposit, 'originChainId' | 'depositor' | 'inputToken'>,
): Promise<RefundPayment[]> {
  const depositor = fromBytes32(deposit.depositor);
  const token = fromBytes32(deposit.inputToken);
  const refunds = await origin.client.getLogs({
    address: origin.spokePool,
    event: EXECUTED_RELAYER_REFUND_ROOT,
    args: { chainId: BigInt(deposit.originChainId) },
    fromBlock: 0n,
  });
  const payments: RefundPayment[] = [];
  const times = new Map<bigint, bigint>();
  for (const { args, blockNumber } of refunds) {
    if (blockNumber === null || !args.l2TokenAddress || getAddress(args.l2TokenAddress) !== token) continue;
    if (args.deferredRefunds) continue;
    let amount = 0n;
    for (const [index, address] of (args.refundAddresses ?? []).entries()) {
      if (getAddress(address) === depositor) amount += args.refundAmounts?.[index] ?? 0n;
    }
    if (amount === 0n) continue;
    let time = times.get(blockNumber);
    if (time === undefined) {
      time = (await origin.client.getBlock({ blockNumber })).timestamp;
      times.set(blockNumber, time);
    }
    payments.push({ time, blockNumber, amount });
  }
  return payments;
}
