import {
  type Address,
  encodeAbiParameters,
  type Hex,
  keccak256,
  type LocalAccount,
  parseAbiParameters,
  parseEventLogs,
  zeroHash,
} from 'viem';
import { type AcrossDeposit, FILL_STATUS, fromBytes32, relayHashOf, spokePoolAbi } from '../common/contracts/across.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { depositScanner, type SpokeSide, spokeSides } from './across-sides.ts';
import type { DevnetManifest } from './manifest.ts';

/**
 * The refund of a deposit that expired unfilled, as the devnet gives it. On real networks Across'
 * dataworker puts the depositor in a relayer-refund leaf of a root bundle the HubPool proposes, the
 * optimistic oracle lets through and relays to the origin's SpokePool, and anyone executes the leaf.
 * The devnet has no HubPool or oracle; the SpokePool's owner (`acrossOwner`, in the HubPool's place)
 * relays a root of one leaf per expired deposit — the depositor paid back its input amount in its input
 * token on the origin — and executes it. Sextant recognises the refund from the SpokePool's
 * ExecutedRelayerRefundRoot event, as it would on a real network (common/contracts/across.ts).
 */
export type AcrossRefunds = { refunded: { originChainId: number; depositId: bigint }[]; stop(): Promise<void> };

const REFUND_LEAF = parseAbiParameters(
  '(uint256 amountToReturn, uint256 chainId, uint256[] refundAmounts, uint32 leafId, address l2TokenAddress, address[] refundAddresses)',
);

export function startAcrossRefunds(options: {
  chains: readonly [DevnetManifest, DevnetManifest];
  owner: LocalAccount;
  pollingIntervalMs?: number;
  log?: (line: string) => void;
}): AcrossRefunds {
  const log = options.log ?? (() => {});
  const sides = spokeSides(options.chains, options.owner);
  const refunded: AcrossRefunds['refunded'] = [];
  // Deposits neither filled nor refunded yet, by origin; scanned from each chain's first block.
  const open: AcrossDeposit[] = [];
  const newDeposits = depositScanner(
    sides,
    sides.map(() => 0n),
  );
  // The refund executions sent whose receipts were not read yet, by deposit.
  const sent = new Map<AcrossDeposit, Hex>();

  const pass = async () => {
    open.push(...(await newDeposits()));
    for (const deposit of [...open]) {
      const origin = sides.find((side) => side.manifest.chainId === deposit.originChainId);
      const destination = sides.find((side) => side.manifest.chainId === deposit.destinationChainId);
      if (!origin || !destination) {
        open.splice(open.indexOf(deposit), 1);
        continue;
      }
      // The clock first, then the fill status: once the destination's clock is past the deadline no
      // fill can land, so an unfilled status read after it is final. Read the other way round, a fill
      // could land between the two reads and the depositor be paid back as well.
      const now = (await destination.client.getBlock({ blockTag: 'latest' })).timestamp;
      if (BigInt(deposit.fillDeadline) >= now) continue;
      const status = await destination.client.readContract({
        address: destination.spokePool,
        abi: spokePoolAbi,
        functionName: 'fillStatuses',
        args: [relayHashOf(deposit)],
      });
      if (status === FILL_STATUS.filled) {
        open.splice(open.indexOf(deposit), 1);
        continue;
      }
      // A refund executed on an earlier pass whose receipt could not be read then: it is done once its
      // receipt says so (relaying and executing again would pay the depositor twice, or fail forever).
      const executed = sent.get(deposit);
      if (executed) {
        const receipt = await origin.client.getTransactionReceipt({ hash: executed });
        sent.delete(deposit);
        if (receipt.status !== 'success') continue;
      } else {
        await refund(origin, deposit);
      }
      open.splice(open.indexOf(deposit), 1);
      refunded.push({ originChainId: deposit.originChainId, depositId: deposit.depositId });
      log(
        `across refunds: deposit ${deposit.depositId} on ${origin.manifest.slug} expired unfilled; its depositor was paid back`,
      );
    }
  };

  const refund = async (origin: SpokeSide, deposit: AcrossDeposit) => {
    const leaf = {
      amountToReturn: 0n,
      chainId: BigInt(deposit.originChainId),
      refundAmounts: [deposit.inputAmount],
      leafId: 0,
      l2TokenAddress: fromBytes32(deposit.inputToken) as Address,
      refundAddresses: [fromBytes32(deposit.depositor) as Address],
    };
    // A tree of one leaf: its root is the leaf's hash, and its proof is empty.
    const root: Hex = keccak256(encodeAbiParameters(REFUND_LEAF, [leaf]));
    const relayed = await minedReceipt(
      origin.client,
      await origin.wallet.writeContract({
        address: origin.spokePool,
        abi: spokePoolAbi,
        functionName: 'relayRootBundle',
        args: [root, zeroHash],
        account: options.owner,
        chain: origin.wallet.chain,
      }),
    );
    const [bundle] = parseEventLogs({ abi: RELAYED_ROOT_BUNDLE, logs: relayed.logs });
    if (!bundle) throw new Error('relayRootBundle emitted no RelayedRootBundle');
    const hash = await origin.wallet.writeContract({
      address: origin.spokePool,
      abi: spokePoolAbi,
      functionName: 'executeRelayerRefundLeaf',
      args: [bundle.args.rootBundleId, leaf, []],
      account: options.owner,
      chain: origin.wallet.chain,
    });
    sent.set(deposit, hash);
    const executed = await minedReceipt(origin.client, hash);
    sent.delete(deposit);
    if (executed.status !== 'success') throw new Error(`executeRelayerRefundLeaf reverted (${hash})`);
  };

  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = pass()
      .catch((error: unknown) => log(`across refunds: a pass failed: ${(error as Error).message.split('\n')[0]}`))
      .finally(() => {
        running = undefined;
      });
  }, options.pollingIntervalMs ?? 500);
  timer.unref();
  return {
    refunded,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

const RELAYED_ROOT_BUNDLE = [
  {
    type: 'event',
    name: 'RelayedRootBundle',
    inputs: [
      { name: 'rootBundleId', type: 'uint32', indexed: true },
      { name: 'relayerRefundRoot', type: 'bytes32', indexed: true },
      { name: 'slowRelayRoot', type: 'bytes32', indexed: true },
    ],
  },
] as const;
