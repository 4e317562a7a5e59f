import { type Address, getAddress, type Hex, type PublicClient, parseAbi, zeroAddress } from 'viem';
import { EmissionsError } from '../config.ts';
import { dayStart, type Schedule } from '../schedule.ts';
import type { Contribution } from './ledger.ts';

/** The deposit pool's events that move shares (OpenZeppelin 5's ERC-4626 and ERC-20). */
const POOL_EVENTS = parseAbi([
  'event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares)',
  'event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
]);

/** Blocks per getLogs request. */
const LOG_PAGE_BLOCKS = 10_000n;

async function readPoolLogs(client: PublicClient, pool: Address, fromBlock: bigint, toBlock: bigint) {
  try {
    return await client.getLogs({ address: pool, events: POOL_EVENTS, strict: true, fromBlock, toBlock });
  } catch (cause) {
    throw new EmissionsError(
      `Reading the deposit pool's events (blocks ${fromBlock} to ${toBlock}) failed: ${(cause as Error).message}`,
      { hint: 'Set "depositPoolFromBlock" to the pool’s deployment block, and check RPC_URL.', cause },
    );
  }
}

export type CapitalOptions = {
  /** The deposit pool (the ERC-4626 vault whose shares are held). */
  pool: Address;
  schedule: Schedule;
  epoch: number;
  /** Where to start reading the pool's events: its deployment block or before (0 by default). */
  fromBlock?: bigint;
};

/** One change of a holder's shares, in chain order. */
type Change = {
  holder: Address;
  delta: bigint;
  at: number;
  event: string;
  txHash: Hex;
  logIndex: number;
  block: bigint;
};

/** A holder's balance since the change that opened it. */
type Segment = { balance: bigint; since: number; opener: Change };

/**
 * The capital bucket for an epoch: depositors earn by time-weighted shares of the deposit pool, so
 * each row is one holding (a balance, from a change of it to the holder's next change) times the
 * seconds of it inside the epoch. Balances carried in count from the epoch start. Balances are
 * rebuilt from the pool's Deposit, Withdraw and holder-to-holder share Transfer events (mint and burn
 * Transfers repeat Deposit and Withdraw), and only a finished epoch is collected: once a block at or
 * after its end exists, no later event can fall inside it. Each row points at the event that opened
 * its holding, the holder and the epoch, so a holding across epochs gives one row in each.
 */
export async function collectCapitalContributions(
  publicClient: PublicClient,
  options: CapitalOptions,
): Promise<Contribution[]> {
  const { pool, schedule, epoch } = options;
  const start = dayStart(schedule, epoch);
  const end = dayStart(schedule, epoch + 1);

  const latest = await publicClient.getBlock({ blockTag: 'latest' });
  if (Number(latest.timestamp) < end) {
    throw new EmissionsError(
      `Epoch ${epoch} ends at ${isoTime(end)}; it can be collected once a block after that exists (the latest block, ${latest.number}, is at ${isoTime(Number(latest.timestamp))}).`,
    );
  }

  // In pages of block ranges: public RPCs refuse a getLogs over too many blocks.
  const logs: Awaited<ReturnType<typeof readPoolLogs>> = [];
  for (let from = options.fromBlock ?? 0n; from <= latest.number; from += LOG_PAGE_BLOCKS) {
    const to = from + LOG_PAGE_BLOCKS - 1n < latest.number ? from + LOG_PAGE_BLOCKS - 1n : latest.number;
    logs.push(...(await readPoolLogs(publicClient, pool, from, to)));
  }
  logs.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );

  // Block timestamps, fetched once for each block that has an event, a few requests at a time.
  const blocks = [...new Set(logs.map((log) => log.blockNumber))];
  const timestamps = new Map<bigint, number>();
  for (let i = 0; i < blocks.length; i += 16) {
    await Promise.all(
      blocks.slice(i, i + 16).map(async (blockNumber) => {
        const block = await publicClient.getBlock({ blockNumber });
        timestamps.set(blockNumber, Number(block.timestamp));
      }),
    );
  }

  const changes: Change[] = [];
  for (const log of logs) {
    const at = timestamps.get(log.blockNumber) as number;
    const base = {
      at,
      event: log.eventName,
      txHash: log.transactionHash,
      logIndex: log.logIndex,
      block: log.blockNumber,
    };
    if (log.eventName === 'Deposit') {
      changes.push({ ...base, holder: log.args.owner, delta: log.args.shares });
    } else if (log.eventName === 'Withdraw') {
      changes.push({ ...base, holder: log.args.owner, delta: -log.args.shares });
    } else {
      // Mints and burns repeat Deposit and Withdraw; a transfer to oneself changes nothing.
      const { from, to } = log.args;
      if (from === zeroAddress || to === zeroAddress || from === to) continue;
      changes.push({ ...base, holder: from, delta: -log.args.value });
      changes.push({ ...base, holder: to, delta: log.args.value });
    }
  }

  const rows: Contribution[] = [];
  const close = (holder: Address, segment: Segment, until: number) => {
    const seconds = Math.min(until, end) - Math.max(segment.since, start);
    if (seconds <= 0 || segment.balance === 0n) return;
    const { txHash, logIndex } = segment.opener;
    rows.push({
      epoch,
      bucket: 'capital',
      contributor: holder,
      weight: segment.balance * BigInt(seconds),
      sourceKind: 'vault-shares',
      sourceId: `${pool}:${txHash}:${logIndex}:${holder}:${epoch}`.toLowerCase(),
    });
  };

  const open = new Map<Address, Segment>();
  for (const change of changes) {
    const holder = getAddress(change.holder);
    const current = open.get(holder);
    if (current) close(holder, current, change.at);
    const balance = (current?.balance ?? 0n) + change.delta;
    if (balance < 0n) {
      throw new EmissionsError(
        `The ${change.event} event in transaction ${change.txHash} (block ${change.block}, log ${change.logIndex}) leaves ${holder} with ${balance} shares of the pool ${pool}.`,
        { hint: 'The pool events read are incomplete: fromBlock must be at or before the pool was deployed.' },
      );
    }
    open.set(holder, { balance, since: change.at, opener: change });
  }
  for (const [holder, segment] of open) close(holder, segment, end);

  return rows.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
