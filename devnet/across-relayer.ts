import { type Address, erc20Abi, type Hex, isAddressEqual, type LocalAccount, maxUint256 } from 'viem';
import { type AcrossDeposit, fromBytes32, relayDataOf, spokePoolAbi, toBytes32 } from '../common/contracts/across.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { depositScanner, type SpokeSide, spokeSides } from './across-sides.ts';
import { fundFromFaucet } from './faucet.ts';
import type { DevnetManifest } from './manifest.ts';

/**
 * The devnet's Across relayer: what Across' own relayers do on real networks, for the devnet's two
 * chains. It watches each chain's SpokePool for deposits to the other, waits its configured delay (a
 * real relayer's reaction time), and fills each one on the destination from its own inventory, once,
 * if the deposit is one a relayer would take: an output token it holds on the destination that is the
 * input token's counterpart (the same symbol), a fee of at least `minFeeBps`, a deadline not yet past
 * on the destination's clock, and no other relayer's exclusivity. It never fills on the wrong chain
 * (the SpokePool would take that fill and the money would be lost). Repayment through the HubPool is
 * not run on the devnet: its inventory on the origin is not paid back (docs/research/across-devnet.md).
 */
export type RelayerOptions = {
  chains: readonly [DevnetManifest, DevnetManifest];
  account: LocalAccount;
  /** How long after it sees a deposit it fills it. */
  delayMs: number;
  /** The least fee it takes: inputAmount − outputAmount, in basis points of inputAmount. */
  minFeeBps: number;
  pollingIntervalMs?: number;
  log?: (line: string) => void;
};

/** What the relayer did with one deposit. */
export type RelayOutcome = {
  originChainId: number;
  destinationChainId: number;
  depositId: bigint;
  outcome: 'filled' | 'skipped' | 'failed';
  reason?: string;
  fillTxHash?: Hex;
  /** ms from seeing the deposit to the fill's receipt. */
  fillMs?: number;
};

export type Relayer = {
  address: Address;
  outcomes: RelayOutcome[];
  stop(): Promise<void>;
};

export async function startAcrossRelayer(options: RelayerOptions): Promise<Relayer> {
  const log = options.log ?? (() => {});
  const sides = spokeSides(options.chains, options.account);
  // Inventory on both chains: the faucet's test tokens and ETH, each allowed to the SpokePool.
  for (const side of sides) {
    await fundFromFaucet(side.client, side.manifest.rpcUrl, side.manifest.tokens, options.account.address);
    for (const token of side.manifest.tokens) {
      const hash = await side.wallet.writeContract({
        address: token.address,
        abi: erc20Abi,
        functionName: 'approve',
        args: [side.spokePool, maxUint256],
        account: options.account,
        chain: side.wallet.chain,
      });
      await minedReceipt(side.client, hash);
    }
  }
  const outcomes: RelayOutcome[] = [];
  const pending = new Set<Promise<void>>();
  const seen = new Set<string>();
  const newDeposits = depositScanner(
    sides,
    await Promise.all(sides.map(async (side) => (await side.client.getBlockNumber()) + 1n)),
  );
  let stopped = false;
  // One fill at a time per destination: the relayer's nonces stay in order.
  const queues = sides.map(() => Promise.resolve());

  const poll = async () => {
    for (const deposit of await newDeposits()) {
      const origin = sides.find((side) => side.manifest.chainId === deposit.originChainId) as SpokeSide;
      const key = `${deposit.originChainId}:${deposit.depositId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const destinationIndex = sides.findIndex((side) => side.manifest.chainId === deposit.destinationChainId);
      const destination = sides[destinationIndex];
      const seenAt = performance.now();
      const record = (outcome: Omit<RelayOutcome, 'originChainId' | 'destinationChainId' | 'depositId'>) => {
        const full = {
          originChainId: origin.manifest.chainId,
          destinationChainId: deposit.destinationChainId,
          depositId: deposit.depositId,
          ...outcome,
        };
        outcomes.push(full);
        log(
          `across relayer: deposit ${full.depositId} on ${origin.manifest.slug}: ${full.outcome}${full.reason ? ` (${full.reason})` : ''}`,
        );
      };
      if (!destination || destination === origin) {
        record({
          outcome: 'skipped',
          reason: `destination chain ${deposit.destinationChainId} is not the devnet's other chain`,
        });
        continue;
      }
      const task = new Promise<void>((resolve) => setTimeout(resolve, options.delayMs))
        .then(() => {
          queues[destinationIndex] = (queues[destinationIndex] as Promise<void>).then(async () => {
            if (stopped) return;
            // Whatever fails here is this deposit's: a rejection would stop every later fill queued
            // behind it on this destination, and nothing awaits the queue to handle it.
            try {
              const found = deposit;
              const refusal = await refusalOf(origin, destination, found, options);
              if (refusal) return record({ outcome: 'skipped', reason: refusal });
              const hash = await destination.wallet.writeContract({
                address: destination.spokePool,
                abi: spokePoolAbi,
                functionName: 'fillRelay',
                args: [relayDataOf(found), BigInt(origin.manifest.chainId), toBytes32(options.account.address)],
                account: options.account,
                chain: destination.wallet.chain,
              });
              const receipt = await minedReceipt(destination.client, hash);
              if (receipt.status !== 'success')
                return record({ outcome: 'failed', reason: 'the fill reverted', fillTxHash: hash });
              record({ outcome: 'filled', fillTxHash: hash, fillMs: Math.round(performance.now() - seenAt) });
            } catch (error) {
              record({ outcome: 'failed', reason: (error as Error).message.split('\n')[0] ?? 'the fill failed' });
            }
          });
          return queues[destinationIndex];
        })
        .finally(() => pending.delete(task));
      pending.add(task);
    }
  };

  const interval = options.pollingIntervalMs ?? 200;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = poll()
      .catch((error: unknown) => log(`across relayer: a pass failed: ${(error as Error).message.split('\n')[0]}`))
      .finally(() => {
        running = undefined;
      });
  }, interval);
  timer.unref();

  return {
    address: options.account.address,
    outcomes,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await Promise.allSettled([...pending]);
    },
  };
}

/** Why the relayer will not fill this deposit; undefined when it will. */
async function refusalOf(
  origin: SpokeSide,
  destination: SpokeSide,
  d: AcrossDeposit,
  options: RelayerOptions,
): Promise<string | undefined> {
  const input = origin.manifest.tokens.find((t) => isAddressEqual(t.address, fromBytes32(d.inputToken)));
  const output = destination.manifest.tokens.find((t) => isAddressEqual(t.address, fromBytes32(d.outputToken)));
  if (!input || !output) return 'a token it does not carry';
  if (input.symbol !== output.symbol) return `${input.symbol} in for ${output.symbol} out: not the same token`;
  const { inputAmount, outputAmount } = d;
  if (outputAmount <= 0n || outputAmount > inputAmount) return 'an output amount above the input';
  if ((inputAmount - outputAmount) * 10_000n < inputAmount * BigInt(options.minFeeBps)) {
    return `a fee under its ${options.minFeeBps} bps`;
  }
  const now = (await destination.client.getBlock({ blockTag: 'latest' })).timestamp;
  if (BigInt(d.fillDeadline) <= now) return 'its fill deadline has passed';
  const exclusive = fromBytes32(d.exclusiveRelayer);
  if (
    !isAddressEqual(exclusive, '0x0000000000000000000000000000000000000000') &&
    !isAddressEqual(exclusive, options.account.address) &&
    BigInt(d.exclusivityDeadline) > now
  ) {
    return 'another relayer has it exclusively';
  }
  const balance = await destination.client.readContract({
    address: output.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [options.account.address],
  });
  if (balance < outputAmount) return `not enough ${output.symbol} on ${destination.manifest.slug}`;
  return undefined;
}
