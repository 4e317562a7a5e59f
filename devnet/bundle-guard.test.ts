import fc from 'fast-check';
import {
  type Address,
  BaseError,
  decodeErrorResult,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  maxInt256,
  maxUint256,
  minInt256,
  parseAbi,
  parseEther,
} from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { BUNDLE_GUARD_ABI, bundleGuardAddress } from '../common/contracts/bundle-guard.ts';
import { type GuardRead, guardData, guardReads, packBound, packRead } from '../common/contracts/bundle-guard-calls.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { MINTABLE_ERC20_ARTIFACT } from './deploy-tokens.ts';
import { devnetClients, fundedAccount } from './testing/clients.ts';
import { testDevnet } from './testing/test-devnet.ts';

const manifest = testDevnet();
const { publicClient, testClient } = devnetClients(manifest);
const guard = manifest.contracts.bundleGuard;

// The guard is called by a real SimpleAccount (v0.7, from the devnet's factory) whose owner sends its
// executeBatch directly: snapshot and check then share one sender and one transaction, as in a bundle.
const ACCOUNT_ABI = parseAbi([
  'function executeBatch(address[] dest, uint256[] value, bytes[] func)',
  'function execute(address dest, uint256 value, bytes func)',
]);
const FACTORY_ABI = parseAbi([
  'function createAccount(address owner, uint256 salt) returns (address)',
  'function getAddress(address owner, uint256 salt) view returns (address)',
]);
const TOKEN_ABI = parseAbi([
  'function mint(address account, uint256 value) returns (bool)',
  'function transfer(address to, uint256 value) returns (bool)',
]);
const WETH_ABI = parseAbi(['function deposit() payable', 'function withdraw(uint256 wad)']);
const VAULT_ABI = parseAbi(['function deposit(uint256 assets, address receiver) returns (uint256 shares)']);
const SINK: Address = '0x000000000000000000000000000000000000dEaD';

type Call = { to: Address; value?: bigint; data: Hex };
type Read = GuardRead;
type Bound = { read: bigint; relative: boolean; min: bigint; max: bigint };
type Outcome = { ok: true } | { ok: false; error: string; args: readonly unknown[] };

const ETH_READ: Read = guardReads.eth();
/** The caller's balance of `token` (a read always names the account that calls the guard). */
const balanceRead = (token: Address, _holder?: Address): Read => guardReads.balanceOf(token);
/** Packed by hand, not by guardCalls, so the tests can also send what guardCalls would refuse. */
const snapshot = (reads: Read[]): Call => ({
  to: guard,
  data: guardData('snapshot', reads.flatMap(packRead)),
});
/** A relative bound names a snapshot read; an absolute one carries `reads[bound.read]`. */
const check = (reads: Read[], bounds: Bound[]): Call => ({
  to: guard,
  data: guardData(
    'check',
    bounds.flatMap((b) => packBound(b, reads[Number(b.read)] ?? ETH_READ)),
  ),
});
/** What a BoundBroken names of its read. */
const named = (read: Read) => [getAddress(read.target), read.selector] as const;
const mint = (token: Address, to: Address, amount: bigint): Call => ({
  to: token,
  data: encodeFunctionData({ abi: TOKEN_ABI, functionName: 'mint', args: [to, amount] }),
});
const transfer = (token: Address, amount: bigint): Call => ({
  to: token,
  data: encodeFunctionData({ abi: TOKEN_ABI, functionName: 'transfer', args: [SINK, amount] }),
});
/** One call of `account` made by the account owning it (a snapshot or check sent by another sender). */
const through = (account: Address, call: Call): Call => ({
  to: account,
  data: encodeFunctionData({
    abi: ACCOUNT_ABI,
    functionName: 'execute',
    args: [call.to, call.value ?? 0n, call.data],
  }),
});
const batch = (calls: Call[]): Hex =>
  encodeFunctionData({
    abi: ACCOUNT_ABI,
    functionName: 'executeBatch',
    args: [calls.map((c) => c.to), calls.map((c) => c.value ?? 0n), calls.map((c) => c.data)],
  });
/** A bound's end, kept within what an int256 holds. */
const int256 = (value: bigint): bigint => (value < minInt256 ? minInt256 : value > maxInt256 ? maxInt256 : value);
/** What the guard's clamping makes of a uint256. */
const signed = (value: bigint): bigint => (value > maxInt256 ? maxInt256 : value);

let owner: Awaited<ReturnType<typeof fundedAccount>>;
let account: Address;
/** A second SimpleAccount, owned by `account`, so one transaction can call the guard as both. */
let other: Address;
/** A fresh token nobody holds: the properties' balances are exactly what their batches mint. */
let token: Address;

async function send(to: Address, data: Hex, gas?: bigint) {
  const hash = await owner.walletClient.sendTransaction({
    to,
    data,
    gas,
    account: owner.account,
    chain: owner.walletClient.chain,
  });
  return minedReceipt(publicClient, hash);
}

async function createAccount(accountOwner: Address, salt: bigint): Promise<Address> {
  const factory = manifest.contracts.simpleAccountFactoryV07;
  await send(
    factory,
    encodeFunctionData({ abi: FACTORY_ABI, functionName: 'createAccount', args: [accountOwner, salt] }),
  );
  return publicClient.readContract({
    address: factory,
    abi: FACTORY_ABI,
    functionName: 'getAddress',
    args: [accountOwner, salt],
  });
}

/** Runs `account`'s executeBatch of `calls` (eth_call: the whole batch in one transaction, not mined). */
async function simulate(calls: Call[]): Promise<Outcome> {
  try {
    await publicClient.call({ account: owner.account.address, to: account, data: batch(calls) });
    return { ok: true };
  } catch (error) {
    const raw =
      error instanceof BaseError ? error.walk((e) => typeof (e as { data?: unknown }).data === 'string') : null;
    const data = (raw as { data?: Hex } | null)?.data;
    if (!data) throw error;
    // A revert that is not the guard's (a token's, the account's) fails here, naming its data.
    const decoded = decodeErrorResult({ abi: BUNDLE_GUARD_ABI, data });
    return { ok: false, error: decoded.errorName, args: decoded.args ?? [] };
  }
}

beforeAll(async () => {
  owner = await fundedAccount(manifest);
  account = await createAccount(owner.account.address, 0n);
  other = await createAccount(account, 0n);
  await testClient.setBalance({ address: account, value: parseEther('1000') });
  const artifact = loadArtifact(MINTABLE_ERC20_ARTIFACT);
  const hash = await owner.walletClient.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: ['Guard Test', 'GUARD', 18],
    account: owner.account,
    chain: owner.walletClient.chain,
  });
  token = (await minedReceipt(publicClient, hash)).contractAddress as Address;
});

const amount = fc.bigInt({ min: 0n, max: 2n ** 128n });
/** A bound's end: anything an int256 holds, or (mostly) something near the value it is tested on. */
const near = (value: bigint) =>
  fc.oneof(
    fc.bigInt({ min: minInt256, max: maxInt256 }),
    fc.bigInt({ min: -3n, max: 3n }).map((offset) => value + offset),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((offset) => value + offset),
  );
const expectBound = (outcome: Outcome, read: Read, value: bigint, min: bigint, max: bigint) => {
  if (min <= value && value <= max) expect(outcome).toEqual({ ok: true });
  else expect(outcome).toEqual({ ok: false, error: 'BoundBroken', args: [0n, ...named(read), value, min, max] });
};

describe('SextantBundleGuard', () => {
  it('is on the devnet at its CREATE2 address', async () => {
    expect(guard).toBe(bundleGuardAddress());
    expect(await publicClient.getCode({ address: guard })).toMatch(/^0x.{100,}/);
  });

  it('passes a relative bound on an ERC-20 balance exactly when the change lies in [min, max]', async () => {
    const read = balanceRead(token, account);
    await fc.assert(
      fc.asyncProperty(amount, amount, near(0n), near(0n), async (before, after, lowOffset, highOffset) => {
        const delta = after - before;
        const [min, max] = [int256(delta + lowOffset), int256(delta + highOffset)];
        const move = after >= before ? mint(token, account, after - before) : transfer(token, before - after);
        const outcome = await simulate([
          mint(token, account, before),
          snapshot([read]),
          move,
          check([], [{ read: 0n, relative: true, min, max }]),
        ]);
        expectBound(outcome, read, delta, min, max);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the sender’s ETH balance for target 0, in both directions', async () => {
    const ether = fc.bigInt({ min: 0n, max: parseEther('100') });
    await fc.assert(
      fc.asyncProperty(ether, ether, ether, fc.tuple(near(0n), near(0n)), async (deposit, out, sent, offsets) => {
        const withdrawn = out % (deposit + 1n); // at most what was deposited
        const delta = withdrawn - sent;
        const [min, max] = offsets.map((offset) => int256(delta + offset)) as [bigint, bigint];
        const outcome = await simulate([
          {
            to: manifest.contracts.weth,
            value: deposit,
            data: encodeFunctionData({ abi: WETH_ABI, functionName: 'deposit' }),
          },
          snapshot([ETH_READ]),
          {
            to: manifest.contracts.weth,
            data: encodeFunctionData({ abi: WETH_ABI, functionName: 'withdraw', args: [withdrawn] }),
          },
          { to: SINK, value: sent, data: '0x' },
          check([], [{ read: 0n, relative: true, min, max }]),
        ]);
        expectBound(outcome, ETH_READ, delta, min, max);
      }),
      { numRuns: 150 },
    );
  });

  it('passes an absolute bound exactly when the value now lies in [min, max], with no snapshot needed', async () => {
    const read = balanceRead(token, account);
    await fc.assert(
      fc.asyncProperty(
        amount.chain((balance) => fc.tuple(fc.constant(balance), near(balance), near(balance))),
        async ([balance, low, high]) => {
          const [min, max] = [int256(low), int256(high)];
          const outcome = await simulate([
            mint(token, account, balance),
            check([read], [{ read: 0n, relative: false, min, max }]),
          ]);
          expectBound(outcome, read, balance, min, max);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts values of 2**255 and above as type(int256).max', async () => {
    const read = balanceRead(token, account);
    const big = fc.oneof(
      fc.bigInt({ min: 0n, max: maxUint256 }),
      fc.bigInt({ min: -5n, max: 5n }).map((offset) => 2n ** 255n + offset),
      fc.bigInt({ min: 0n, max: 5n }).map((offset) => maxUint256 - offset),
    );
    await fc.assert(
      fc.asyncProperty(big, big, async (x, y) => {
        const [before, after] = x <= y ? [x, y] : [y, x];
        const delta = signed(after) - signed(before);
        const steps = [mint(token, account, before), snapshot([read]), mint(token, account, after - before)];
        const exact = await simulate([
          ...steps,
          check(
            [read],
            [
              { read: 0n, relative: true, min: delta, max: delta },
              { read: 0n, relative: false, min: signed(after), max: signed(after) },
            ],
          ),
        ]);
        expect(exact).toEqual({ ok: true });
        const below = await simulate([
          ...steps,
          check([read], [{ read: 0n, relative: true, min: minInt256, max: delta - 1n }]),
        ]);
        expect(below).toEqual({
          ok: false,
          error: 'BoundBroken',
          args: [0n, ...named(read), delta, minInt256, delta - 1n],
        });
      }),
      { numRuns: 100 },
    );
  });

  it('reverts with ReadFailed for a read that reverts or returns too little, naming it', async () => {
    const good = balanceRead(token, account);
    const reverting: Read = { ...good, selector: '0xdeadbeef' };
    const noCode: Read = { ...good, target: SINK };
    const shortWord: Read = { ...good, word: 1n };
    const lastWord: Read = { ...good, word: 255n };
    const failed = (read: Read) => ({ ok: false, error: 'ReadFailed', args: [...named(read)] });
    expect(await simulate([snapshot([good, reverting])])).toEqual(failed(reverting));
    expect(await simulate([snapshot([noCode])])).toEqual(failed(noCode));
    expect(await simulate([snapshot([good, good, shortWord])])).toEqual(failed(shortWord));
    expect(await simulate([check([lastWord], [{ read: 0n, relative: false, min: 0n, max: 0n }])])).toEqual(
      failed(lastWord),
    );
    expect(await simulate([snapshot([good]), check([], [])])).toEqual({ ok: true });
  });

  it('reverts with Malformed for a read or bound cut short', async () => {
    const [balance] = packRead(balanceRead(token, account)) as [bigint];
    const [allowance] = packRead(guardReads.allowance(token, SINK)) as [bigint, bigint];
    const [HAS_MIN, HAS_MAX, MIN_NEGATIVE] = [1n << 129n, 1n << 130n, 1n << 131n];
    const raw = (functionName: 'snapshot' | 'check', words: readonly bigint[]): Call => ({
      to: guard,
      data: guardData(functionName, words),
    });
    const malformed = { ok: false, error: 'Malformed', args: [] };
    // A read that says it has an arg, without one.
    expect(await simulate([raw('snapshot', [balance, allowance])])).toEqual(malformed);
    expect(await simulate([raw('check', [0n, allowance])])).toEqual(malformed);
    // An absolute bound without its read; a bound that says it has a min or a max, without it.
    expect(await simulate([raw('check', [0n])])).toEqual(malformed);
    expect(await simulate([raw('check', [HAS_MIN, balance])])).toEqual(malformed);
    expect(await simulate([raw('check', [HAS_MIN | HAS_MAX, balance, 0n])])).toEqual(malformed);
    // A partial word after the last whole one.
    const trailing = (call: Call): Call => ({ ...call, data: `${call.data}ff` });
    expect(await simulate([trailing(raw('snapshot', [balance]))])).toEqual(malformed);
    expect(await simulate([trailing(raw('check', [HAS_MIN, balance, 0n]))])).toEqual(malformed);
    // Complete, the same words pass: the balance is at least 0, and the allowance (to SINK, none) is 0.
    expect(await simulate([raw('check', [HAS_MIN | HAS_MAX, balance, 0n, maxInt256])])).toEqual({ ok: true });
    // A limit beyond int256: 2**255 is only int256's least, negated.
    expect(await simulate([raw('check', [HAS_MAX, balance, 2n ** 255n])])).toEqual(malformed);
    expect(await simulate([raw('check', [HAS_MIN | MIN_NEGATIVE, balance, 2n ** 255n + 1n])])).toEqual(malformed);
    expect(await simulate([raw('check', [HAS_MIN | MIN_NEGATIVE, balance, 2n ** 255n])])).toEqual({ ok: true });
    expect(await simulate([raw('check', [HAS_MAX, allowance, BigInt(SINK), 0n])])).toEqual({ ok: true });
  });

  it('reverts with NotSnapshotted for a relative bound on a read the sender did not snapshot', async () => {
    const read = balanceRead(token, account);
    const eth = ETH_READ;
    const any = { min: minInt256, max: maxInt256 };
    const notSnapshotted = (index: bigint) => ({ ok: false, error: 'NotSnapshotted', args: [index] });
    expect(await simulate([check([read], [{ read: 0n, relative: true, ...any }])])).toEqual(notSnapshotted(0n));
    // Reads after the snapshotted ones serve absolute bounds only.
    const twoReads = [read, eth];
    expect(await simulate([snapshot([read]), check(twoReads, [{ read: 1n, relative: true, ...any }])])).toEqual(
      notSnapshotted(1n),
    );
    expect(
      await simulate([
        snapshot([read]),
        check(twoReads, [
          { read: 0n, relative: true, ...any },
          { read: 1n, relative: false, ...any },
        ]),
      ]),
    ).toEqual({ ok: true });
  });

  it('keeps each sender’s snapshot to itself', async () => {
    const read = balanceRead(token, account);
    const relative = [{ read: 0n, relative: true, min: minInt256, max: maxInt256 }];
    const notSnapshotted = { ok: false, error: 'NotSnapshotted', args: [0n] };
    expect(await simulate([snapshot([read]), through(other, check([read], relative))])).toEqual(notSnapshotted);
    expect(await simulate([through(other, snapshot([read])), check([read], relative)])).toEqual(notSnapshotted);
    expect(await simulate([through(other, snapshot([read])), through(other, check([read], relative))])).toEqual({
      ok: true,
    });
    // Another sender's snapshot at the same index leaves this one's value alone.
    const unchanged = [{ read: 0n, relative: true, min: 0n, max: 0n }];
    const othersRead = balanceRead(token, other);
    expect(
      await simulate([
        mint(token, account, 5n),
        snapshot([read]),
        through(other, snapshot([othersRead])),
        check([read], unchanged),
      ]),
    ).toEqual({ ok: true });
  });

  it('clears the snapshot at the end of check, and a snapshot lasts one transaction', async () => {
    const read = balanceRead(token, account);
    const relative = [{ read: 0n, relative: true, min: minInt256, max: maxInt256 }];
    const notSnapshotted = { ok: false, error: 'NotSnapshotted', args: [0n] };
    expect(await simulate([snapshot([read]), check([read], relative), check([read], relative)])).toEqual(
      notSnapshotted,
    );
    expect((await send(account, batch([snapshot([read])]))).status).toBe('success');
    expect(await simulate([check([read], relative)])).toEqual(notSnapshotted);
  });

  it('reverts the whole mined batch when a bound breaks, and lets it through when none does', async () => {
    const usdc = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
    const read = balanceRead(usdc, account);
    const balance = () =>
      publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
    await send(account, batch([mint(usdc, account, 100n)]));
    const start = await balance();
    const pays = (min: bigint) =>
      batch([snapshot([read]), transfer(usdc, 40n), check([read], [{ read: 0n, relative: true, min, max: 0n }])]);
    // Gas given, so the failing batch is mined (an estimate would refuse to send it).
    const broken = await send(account, pays(-39n), 1_000_000n);
    expect(broken.status).toBe('reverted');
    expect(await balance()).toBe(start);
    expect((await send(account, pays(-40n))).status).toBe('success');
    expect(await balance()).toBe(start - 40n);
  });

  it('forwards exactly what the bundle brought in since the snapshot, at most atMost, and returns the rest', async () => {
    // The token is WETH (the bundle "brings it in" by wrapping ETH); the step is a deposit into the
    // devnet's ERC-4626 pool, deposit(assets, receiver), whose amount (at byte 4) the guard writes and
    // whose shares go to SINK. Checked inside the batch: the account kept exactly what was not forwarded.
    const weth = manifest.contracts.weth;
    const vault = manifest.contracts.emissions.depositPool;
    const read = balanceRead(weth, account);
    const wrap = (value: bigint): Call => ({
      to: weth,
      value,
      data: encodeFunctionData({ abi: WETH_ABI, functionName: 'deposit' }),
    });
    const deposit = encodeFunctionData({ abi: VAULT_ABI, functionName: 'deposit', args: [0n, SINK] });
    const forward = (atMost: bigint): Call => ({
      to: guard,
      data: encodeFunctionData({
        abi: BUNDLE_GUARD_ABI,
        functionName: 'forwardReceived',
        args: [0n, weth, vault, deposit, 4n, atMost],
      }),
    });
    const approveGuard = (value: bigint): Call => ({
      to: weth,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [guard, value] }),
    });
    const wei = fc.bigInt({ min: 0n, max: parseEther('5') });
    await fc.assert(
      fc.asyncProperty(wei, fc.bigInt({ min: 1n, max: parseEther('5') }), wei, async (held, received, atMost) => {
        // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
        const forwarded = received < atMost ? received : atMost;
        const kept = [{ read: 0n, relative: true, min: received - forwarded, max: received - forwarded }];
        const outcome = await simulate([
          wrap(held),
          snapshot([read]),
          wrap(received),
          approveGuard(atMost),
          forward(atMost),
          approveGuard(0n),
          check([read], kept),
        ]);
        if (forwarded === 0n) expect(outcome).toMatchObject({ ok: false, error: 'ForwardFailed' });
        else expect(outcome).toEqual({ ok: true });
      }),
      { numRuns: 40 },
    );
    // Mined: the vault's shares for what arrived go to SINK, and the guard keeps nothing.
    const balanceOf = (tokenAddress: Address, holder: Address) =>
      publicClient.readContract({ address: tokenAddress, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
    const sharesBefore = await balanceOf(vault, SINK);
    const receipt = await send(
      account,
      batch([snapshot([read]), wrap(777n), approveGuard(1000n), forward(1000n), approveGuard(0n)]),
    );
    expect(receipt.status).toBe('success');
    expect((await balanceOf(vault, SINK)) - sharesBefore).toBeGreaterThan(0n);
    expect(await balanceOf(weth, guard)).toBe(0n);
    expect(
      await publicClient.readContract({
        address: weth,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [guard, vault],
      }),
    ).toBe(0n);
  });

  it('refuses to forward from a read that is not the balance of the token, or with nothing received', async () => {
    const forwardOf = (readIndex: bigint, forwardToken: Address): Call => ({
      to: guard,
      data: encodeFunctionData({
        abi: BUNDLE_GUARD_ABI,
        functionName: 'forwardReceived',
        args: [readIndex, forwardToken, forwardToken, transfer(forwardToken, 0n).data, 36n, 10n],
      }),
    });
    const weth = manifest.contracts.weth;
    expect(await simulate([snapshot([balanceRead(token, account)]), forwardOf(0n, weth)])).toEqual({
      ok: false,
      error: 'NotSnapshotted',
      args: [0n],
    });
    expect(await simulate([snapshot([ETH_READ]), forwardOf(0n, token)])).toMatchObject({ error: 'NotSnapshotted' });
    expect(await simulate([forwardOf(0n, token)])).toMatchObject({ error: 'NotSnapshotted' });
    expect(await simulate([snapshot([balanceRead(token, account)]), forwardOf(0n, token)])).toMatchObject({
      error: 'ForwardFailed',
    });
  });

  it('refuses a second snapshot before the check, and a forward whose target is the token itself', async () => {
    const read = balanceRead(token, account);
    expect(await simulate([snapshot([read]), mint(token, account, 5n), snapshot([read])])).toEqual({
      ok: false,
      error: 'AlreadySnapshotted',
      args: [],
    });
    // After a check the account may open a new one (a second bundle in the same transaction).
    const none = [{ read: 0n, relative: true, min: 0n, max: 0n }];
    expect(await simulate([snapshot([read]), check([read], none), snapshot([read]), check([read], none)])).toEqual({
      ok: true,
    });
    const forwardToToken: Call = {
      to: guard,
      data: encodeFunctionData({
        abi: BUNDLE_GUARD_ABI,
        functionName: 'forwardReceived',
        args: [0n, token, token, transfer(token, 0n).data, 36n, 10n],
      }),
    };
    const approveGuard: Call = {
      to: token,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [guard, 10n] }),
    };
    expect(await simulate([snapshot([read]), mint(token, account, 10n), approveGuard, forwardToToken])).toMatchObject({
      ok: false,
      error: 'ForwardFailed',
    });
  });

  it('costs little gas: snapshot and check of three ERC-20 balances', async () => {
    const reads = ['USDC', 'DAI', 'WBTC'].map((symbol) =>
      balanceRead(manifest.tokens.find((t) => t.symbol === symbol)?.address as Address, account),
    );
    const bounds = reads.map((_, i) => ({ read: BigInt(i), relative: true, min: 0n, max: 0n }));
    const receipt = await send(account, batch([snapshot(reads), check(reads, bounds)]));
    expect(receipt.status).toBe('success');
    type Frame = { to: string; input: Hex; gasUsed: Hex; calls?: Frame[] };
    const trace = (await publicClient.request({
      method: 'debug_traceTransaction' as never,
      params: [receipt.transactionHash, { tracer: 'callTracer' }] as never,
    })) as Frame;
    // The account is a proxy: its calls hang under the delegatecall to its implementation.
    const frames = (frame: Frame): Frame[] => [frame, ...(frame.calls ?? []).flatMap(frames)];
    const guardFrames = frames(trace).filter((frame) => frame.to.toLowerCase() === guard.toLowerCase());
    expect(guardFrames).toHaveLength(2);
    const [snapshotGas, checkGas] = guardFrames.map((frame) => Number(frame.gasUsed)) as [number, number];
    console.log(
      `bundle guard gas, 3 ERC-20 balance reads (tokens cold at snapshot): snapshot ${snapshotGas}, check ${checkGas}, together ${snapshotGas + checkGas} (plus calldata and the account's two calls; whole transaction ${receipt.gasUsed})`,
    );
    expect(snapshotGas + checkGas).toBeLessThan(60_000);
  });
});
