import {
  type Abi,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PrivateKeyAccount,
  parseAbi,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import { loadArtifact, sextantArtifact } from '../../common/contracts/artifacts.ts';
import { openDatabase } from '../../common/database.ts';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { findFreePort } from '../../common/ports.ts';
import { type Anvil, DEVNET_CHAIN_ID, startAnvil } from '../../devnet/anvil.ts';
import { WETH9_ARTIFACT } from '../../devnet/deploy-tokens.ts';
import { devnetTransport } from '../../devnet/testing/clients.ts';
import { EmissionsError } from '../config.ts';
import { DEFAULT_SCHEDULE, dayStart, type Schedule } from '../schedule.ts';
import { collectCapitalContributions } from './capital.ts';
import { bucketWeights, type Contribution, recordContributions } from './ledger.ts';
import { migrateEmissions } from './migrations.ts';

/**
 * A chain of this file's own: a bare anvil, with WETH9. The test moves its clock, so the two epochs
 * pass in a moment instead of half a minute; the shared devnet's clock, which other files read
 * against the wall clock, is left alone.
 */
let anvil: Anvil | undefined;
beforeAll(async () => {
  anvil = await startAnvil({ host: '127.0.0.1', port: await findFreePort() });
});
afterAll(async () => anvil?.process.stop());

const { abi: poolAbi, bytecode: poolBytecode } = sextantArtifact('SextantDepositPool');
const poolEvents = parseAbi([
  'event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares)',
  'event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
]);
const wethAbi = parseAbi(['function deposit() payable', 'function approve(address, uint256) returns (bool)']);
/** Seconds per epoch: long enough for the pool transactions to land in epoch 0 even with the whole suite loading the machine. */
const INTERVAL = 14;

type Actor = { account: PrivateKeyAccount; walletClient: WalletClient };
/** A holding as the scenario makes it: `balance` shares from `from` until `to` (or on), opened by a pool event. */
type Holding = { holder: Address; balance: bigint; from: number; to?: number; txHash: Hex; logIndex: number };

describe('the capital bucket', () => {
  it('weights pool shares by the seconds held in each epoch, per holding, once', async () => {
    const rpcUrl = (anvil as Anvil).rpcUrl;
    const chain = toViemChain(DEVNET_CHAIN_ID, rpcUrl);
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 });
    const testClient = createTestClient({ chain, transport: http(rpcUrl), mode: 'anvil' });
    /** The chain's clock `seconds` on: the next block is at least that much later than the last. */
    const advance = (seconds: number) => testClient.increaseTime({ seconds });
    const fund = async (): Promise<Actor> => {
      const account = privateKeyToAccount(generatePrivateKey());
      await testClient.setBalance({ address: account.address, value: parseEther('10') });
      return { account, walletClient: createWalletClient({ chain, account, transport: devnetTransport(rpcUrl) }) };
    };
    const [alice, bob, carol, dave] = await Promise.all([fund(), fund(), fund(), fund()]);
    const [a, b, c, d] = [alice.account.address, bob.account.address, carol.account.address, dave.account.address];

    const confirm = async (sent: Promise<Hex>) => {
      const receipt = await minedReceipt(publicClient, await sent);
      expect(receipt.status).toBe('success');
      const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
      return { receipt, at: Number(block.timestamp) };
    };
    const write = (actor: Actor, address: Address, abi: Abi, functionName: string, args: unknown[]) =>
      confirm(
        actor.walletClient.writeContract({
          account: actor.account,
          chain: actor.walletClient.chain,
          address,
          abi,
          functionName,
          args,
        }),
      );
    /** The pool event that opens a holding: the transaction and the event's log index. */
    const opener = (receipt: TransactionReceipt, eventName: 'Deposit' | 'Withdraw' | 'Transfer') => {
      const [log] = parseEventLogs({ abi: poolEvents, logs: receipt.logs, eventName });
      return { txHash: receipt.transactionHash, logIndex: log?.logIndex as number };
    };

    const weth9 = loadArtifact(WETH9_ARTIFACT);
    const weth = (
      await confirm(
        alice.walletClient.deployContract({
          abi: weth9.abi,
          bytecode: weth9.bytecode,
          account: alice.account,
          chain: alice.walletClient.chain,
        }),
      )
    ).receipt.contractAddress as Address;
    const deployed = await confirm(
      alice.walletClient.deployContract({
        abi: poolAbi,
        bytecode: poolBytecode,
        args: [weth],
        account: alice.account,
        chain: alice.walletClient.chain,
      }),
    );
    const pool = deployed.receipt.contractAddress as Address;
    const wrap = async (actor: Actor, amount: bigint) => {
      await confirm(
        actor.walletClient.writeContract({
          account: actor.account,
          chain: actor.walletClient.chain,
          address: weth,
          abi: wethAbi,
          functionName: 'deposit',
          value: amount,
        }),
      );
      await write(actor, weth, wethAbi, 'approve', [pool, amount]);
    };
    await Promise.all([wrap(alice, parseEther('3')), wrap(bob, parseEther('1')), wrap(dave, parseEther('0.5'))]);

    const latest = await publicClient.getBlock({ blockTag: 'latest' });
    const schedule: Schedule = { ...DEFAULT_SCHEDULE, start: Number(latest.timestamp), interval: INTERVAL };
    const start = (epoch: number) => dayStart(schedule, epoch);
    const collect = (epoch: number, fromBlock?: bigint) =>
      collectCapitalContributions(publicClient, { pool, schedule, epoch, fromBlock });

    // Each step a second apart on the chain's clock, so every holding lasts a while. Shares are 1:1 with WETH throughout.
    const t1 = await write(alice, pool, poolAbi, 'deposit', [parseEther('3'), a]);
    await advance(1);
    const t2 = await write(bob, pool, poolAbi, 'deposit', [parseEther('1'), b]);
    await advance(1);
    const t3 = await write(alice, pool, poolAbi, 'transfer', [c, parseEther('1')]);
    await advance(1);
    const [t4, t5] = await Promise.all([
      write(bob, pool, poolAbi, 'redeem', [parseEther('0.5'), b, b]),
      // Dave deposits for Carol: the shares, and so the weight, are Carol's.
      write(dave, pool, poolAbi, 'deposit', [parseEther('0.5'), c]),
    ]);
    expect(t5.at).toBeLessThan(start(1));

    // Epoch 1 is still running.
    const unfinished = collect(1);
    await expect(unfinished).rejects.toBeInstanceOf(EmissionsError);
    await expect(unfinished).rejects.toThrow(
      `Epoch 1 ends at ${new Date(start(2) * 1000).toISOString()}; it can be collected once a block after that exists`,
    );

    const holdings: Holding[] = [
      { holder: a, balance: parseEther('3'), from: t1.at, to: t3.at, ...opener(t1.receipt, 'Deposit') },
      { holder: a, balance: parseEther('2'), from: t3.at, ...opener(t3.receipt, 'Transfer') },
      { holder: b, balance: parseEther('1'), from: t2.at, to: t4.at, ...opener(t2.receipt, 'Deposit') },
      { holder: b, balance: parseEther('0.5'), from: t4.at, ...opener(t4.receipt, 'Withdraw') },
      { holder: c, balance: parseEther('1'), from: t3.at, to: t5.at, ...opener(t3.receipt, 'Transfer') },
      { holder: c, balance: parseEther('1.5'), from: t5.at, ...opener(t5.receipt, 'Deposit') },
    ];
    const expected = (epoch: number): Contribution[] =>
      holdings
        .map((h) => ({
          epoch,
          bucket: 'capital' as const,
          contributor: h.holder,
          weight:
            h.balance *
            BigInt(Math.max(0, Math.min(h.to ?? start(epoch + 1), start(epoch + 1)) - Math.max(h.from, start(epoch)))),
          sourceKind: 'vault-shares',
          sourceId: `${pool}:${h.txHash}:${h.logIndex}:${h.holder}:${epoch}`.toLowerCase(),
        }))
        .filter((row) => row.weight > 0n)
        .sort((x, y) => (x.sourceId < y.sourceId ? -1 : 1));

    // Finish epoch 1: move the clock to its end, then mine any transaction after it.
    for (;;) {
      const { at } = await confirm(
        dave.walletClient.sendTransaction({ account: dave.account, chain: dave.walletClient.chain, to: d, value: 0n }),
      );
      if (at >= start(2)) break;
      await advance(start(2) - at);
    }

    const epoch0 = await collect(0);
    const epoch1 = await collect(1);
    expect(epoch0).toEqual(expected(0));
    expect(epoch1).toEqual(expected(1));
    expect(await collect(0, deployed.receipt.blockNumber)).toEqual(epoch0);
    // Dave only sent WETH on Carol's behalf: no row.
    expect([...epoch0, ...epoch1].some((row) => row.contributor === d)).toBe(false);

    // By hand: every holding of epoch 0 started after the epoch start; epoch 1 only has the balances carried in.
    const weightOf = (rows: Contribution[], holder: Address) =>
      rows.filter((row) => row.contributor === holder).reduce((sum, row) => sum + row.weight, 0n);
    const end0 = start(1);
    expect(weightOf(epoch0, a)).toBe(parseEther('3') * BigInt(t3.at - t1.at) + parseEther('2') * BigInt(end0 - t3.at));
    expect(weightOf(epoch0, b)).toBe(
      parseEther('1') * BigInt(t4.at - t2.at) + parseEther('0.5') * BigInt(end0 - t4.at),
    );
    expect(weightOf(epoch0, c)).toBe(
      parseEther('1') * BigInt(t5.at - t3.at) + parseEther('1.5') * BigInt(end0 - t5.at),
    );
    expect(epoch1.map((row) => [row.contributor, row.weight])).toEqual(
      expect.arrayContaining([
        [a, parseEther('2') * BigInt(INTERVAL)],
        [b, parseEther('0.5') * BigInt(INTERVAL)],
        [c, parseEther('1.5') * BigInt(INTERVAL)],
      ]),
    );
    expect(epoch1).toHaveLength(3);
    // Alice's last holding spans both epochs: split between them, whole in sum.
    const [aliceLast0, aliceLast1] = [epoch0, epoch1].map(
      (rows) =>
        rows.find((row) => row.sourceId.includes(`${t3.receipt.transactionHash}:`) && row.contributor === a)?.weight,
    );
    expect(aliceLast0).toBeGreaterThan(0n);
    expect((aliceLast0 as bigint) + (aliceLast1 as bigint)).toBe(parseEther('2') * BigInt(start(2) - t3.at));

    // Recorded twice, counted once; the two epochs' rows for one holding do not collide.
    const db = openDatabase(':memory:');
    migrateEmissions(db);
    expect(recordContributions(db, epoch0)).toBe(epoch0.length);
    expect(recordContributions(db, epoch0)).toBe(0);
    expect(recordContributions(db, epoch1)).toBe(3);
    expect(recordContributions(db, [...epoch0, ...epoch1])).toBe(0);
    expect(bucketWeights(db, 1, 'capital').reduce((sum, w) => sum + w.weight, 0n)).toBe(
      parseEther('4') * BigInt(INTERVAL),
    );
  });
});
