import {
  type Address,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  getAbiItem,
  type Hex,
  http,
  type PublicClient,
  parseEventLogs,
  parseUnits,
  toFunctionSelector,
  zeroAddress,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toViemChain } from '../common/chains/viem-chain.ts';
import {
  type AcrossDeposit,
  depositFromLog,
  FILL_STATUS,
  FUNDS_DEPOSITED,
  relayDataOf,
  relayHashOf,
  spokePoolAbi,
  toBytes32,
} from '../common/contracts/across.ts';
import { jsonRpc } from '../common/json-rpc.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { devnetAccount } from './accounts.ts';
import { startAcrossRefunds } from './across-refunds.ts';
import { startAcrossRelayer } from './across-relayer.ts';
import type { Devnet } from './devnet.ts';
import { fundFromFaucet } from './faucet.ts';
import { type DevnetManifest, spokePoolOf } from './manifest.ts';
import { devnetTransport } from './testing/clients.ts';
import { type RpcProxy, startRpcProxy } from './testing/rpc-proxy.ts';
import { startTwoChainDevnet } from './two-chains-on-free-ports.ts';

/**
 * The relayer and the refund stand-in when the L2's RPC misbehaves or the chain moves under them:
 * both run here against the L2 through a JSON-RPC proxy the test controls (the devnet is started
 * without its own relayer, so nothing else fills or refunds).
 */
let devnet: Devnet;
let l2: DevnetManifest;
let proxy: RpcProxy;
const clients: Record<'home' | 'second', PublicClient> = {} as never;

beforeAll(async () => {
  devnet = await startTwoChainDevnet();
  l2 = devnet.l2?.manifest as DevnetManifest;
  proxy = await startRpcProxy(l2.rpcUrl);
  clients.home = clientOf(devnet.manifest);
  clients.second = clientOf(l2);
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.server.close(resolve));
  await devnet?.stop();
});

describe('the devnet relayer', () => {
  it('fills later deposits after one whose checks failed on an RPC error, without an unhandled rejection', async () => {
    const relayer = await startAcrossRelayer({
      chains: [devnet.manifest, { ...l2, rpcUrl: proxy.url }],
      account: devnetAccount('acrossRelayer'),
      delayMs: 200,
      minFeeBps: 10,
      pollingIntervalMs: 100,
    });
    try {
      const user = await fundedUser();
      // The L2's blocks cannot be read while the first deposit is checked.
      proxy.fail = (method) => method === 'eth_getBlockByNumber';
      const first = await deposit(user, { input: parseUnits('10', 6), output: parseUnits('9.99', 6) });
      await expect
        .poll(() => relayer.outcomes.find((o) => o.depositId === first.depositId)?.outcome, {
          timeout: 10_000,
          interval: 100,
        })
        .toBe('failed');
      expect(await fillStatus(first)).toBe(FILL_STATUS.unfilled);
      proxy.fail = undefined;
      // The RPC answers again: the next deposit to the L2 is filled there.
      const second = await deposit(user, { input: parseUnits('20', 6), output: parseUnits('19.98', 6) });
      await expect.poll(() => fillStatus(second), { timeout: 10_000, interval: 100 }).toBe(FILL_STATUS.filled);
    } finally {
      proxy.fail = undefined;
      await relayer.stop();
    }
  });
});

describe('the devnet refund stand-in', () => {
  it('does not refund a deposit filled between its reads of the fill status and of the clock', async () => {
    const user = await fundedUser();
    const now = Number((await clients.second.getBlock({ blockTag: 'latest' })).timestamp);
    // No fee: the relayer would pass over it (none runs here anyway); another relayer fills it below.
    const found = await deposit(user, { input: parseUnits('30', 6), output: parseUnits('30', 6), deadline: now + 60 });
    const usdc = tokenOf(devnet.manifest);
    const depositorBefore = await balanceOf(clients.home, usdc, user.address);
    // At the stand-in's first look at the L2 for this deposit, another relayer fills it (before its
    // deadline) and then the L2's clock moves past the deadline, before the stand-in's answer arrives.
    const filler = await fundedUser();
    let moved = false;
    const fillAndExpire = async () => {
      moved = true;
      await fillOnL2(filler, found);
      await jsonRpc(l2.rpcUrl, 'evm_increaseTime', [120]);
      await jsonRpc(l2.rpcUrl, 'evm_mine', []);
    };
    const hash = relayHashOf(found).slice(2);
    proxy.after = async (method, body) => {
      if (!moved && method === 'eth_call' && body.includes(hash)) await fillAndExpire();
    };
    const refunds = startAcrossRefunds({
      chains: [devnet.manifest, { ...l2, rpcUrl: proxy.url }],
      owner: devnetAccount('acrossOwner'),
      pollingIntervalMs: 100,
    });
    try {
      // A stand-in that reads the clock before the fill status does not read the status before the
      // deadline: then the fill lands, and the clock moves on, between two of its passes.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (!moved) await fillAndExpire();
      expect(await fillStatus(found)).toBe(FILL_STATUS.filled);
      // Several passes later: the depositor was not also paid back on the origin.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(refunds.refunded).toEqual([]);
      expect(await balanceOf(clients.home, usdc, user.address)).toBe(depositorBefore);
    } finally {
      proxy.after = undefined;
      await refunds.stop();
    }
  });
});

describe('the devnet refund stand-in, when a receipt cannot be read', () => {
  it('pays an expired deposit back once when the receipt of its executed refund could not be read', async () => {
    const origin = await startRpcProxy(devnet.manifest.rpcUrl);
    const user = await fundedUser();
    const now = Number((await clients.second.getBlock({ blockTag: 'latest' })).timestamp);
    const found = await deposit(user, { input: parseUnits('40', 6), output: parseUnits('40', 6), deadline: now + 30 });
    await jsonRpc(l2.rpcUrl, 'evm_increaseTime', [60]);
    await jsonRpc(l2.rpcUrl, 'evm_mine', []);
    const usdc = tokenOf(devnet.manifest);
    const before = await balanceOf(clients.home, usdc, user.address);
    // Once the refund's execution is sent, the origin's receipts cannot be read for 4 s (longer than viem's retries).
    const execute = toFunctionSelector(getAbiItem({ abi: spokePoolAbi, name: 'executeRelayerRefundLeaf' })).slice(2);
    let failingUntil = 0;
    origin.after = async (method, body) => {
      if (method === 'eth_sendRawTransaction' && body.includes(execute) && failingUntil === 0) {
        failingUntil = Date.now() + 4000;
      }
    };
    origin.fail = (method) => method === 'eth_getTransactionReceipt' && Date.now() < failingUntil;
    const refunds = startAcrossRefunds({
      chains: [{ ...devnet.manifest, rpcUrl: origin.url }, l2],
      owner: devnetAccount('acrossOwner'),
      pollingIntervalMs: 100,
    });
    try {
      await expect
        .poll(() => balanceOf(clients.home, usdc, user.address), { timeout: 10_000, interval: 100 })
        .toBe(before + found.inputAmount);
      expect(failingUntil).toBeGreaterThan(0);
      // Well after the receipts answer again: paid once, not once more for each retry.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, failingUntil - Date.now()) + 3000));
      expect(await balanceOf(clients.home, usdc, user.address)).toBe(before + found.inputAmount);
      expect(refunds.refunded.filter((r) => r.depositId === found.depositId)).toHaveLength(1);
    } finally {
      await refunds.stop();
      await new Promise((resolve) => origin.server.close(resolve));
    }
  });
});

function clientOf(manifest: DevnetManifest): PublicClient {
  const chain = toViemChain(manifest.chainId, manifest.rpcUrl, manifest.name);
  return createPublicClient({ chain, transport: http(manifest.rpcUrl), pollingInterval: 50 }) as PublicClient;
}

const tokenOf = (manifest: DevnetManifest): Address =>
  (manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address }).address;

const balanceOf = (client: PublicClient, token: Address, holder: Address) =>
  client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

async function fundedUser() {
  const account = privateKeyToAccount(generatePrivateKey());
  await fundFromFaucet(clients.home, devnet.manifest.rpcUrl, devnet.manifest.tokens, account.address);
  await fundFromFaucet(clients.second, l2.rpcUrl, l2.tokens, account.address);
  return account;
}

async function send(
  manifest: DevnetManifest,
  account: ReturnType<typeof privateKeyToAccount>,
  call: { address: Address; abi: readonly unknown[]; functionName: string; args: readonly unknown[] },
) {
  const client = manifest === l2 ? clients.second : clients.home;
  const wallet = createWalletClient({ account, chain: client.chain, transport: devnetTransport(manifest.rpcUrl) });
  const hash = await wallet.writeContract({ ...call, account, chain: client.chain } as never);
  const receipt = await minedReceipt(client, hash);
  expect(receipt.status).toBe('success');
  return receipt;
}

/** A USDC deposit from the devnet to its L2 by `account`. */
async function deposit(
  account: ReturnType<typeof privateKeyToAccount>,
  amounts: { input: bigint; output: bigint; deadline?: number },
): Promise<AcrossDeposit> {
  const spokePool = spokePoolOf(devnet.manifest);
  await send(devnet.manifest, account, {
    address: tokenOf(devnet.manifest),
    abi: erc20Abi,
    functionName: 'approve',
    args: [spokePool, amounts.input],
  });
  const now = Number((await clients.home.getBlock({ blockTag: 'latest' })).timestamp);
  const receipt = await send(devnet.manifest, account, {
    address: spokePool,
    abi: spokePoolAbi,
    functionName: 'deposit',
    args: [
      toBytes32(account.address),
      toBytes32(account.address),
      toBytes32(tokenOf(devnet.manifest)),
      toBytes32(tokenOf(l2)),
      amounts.input,
      amounts.output,
      BigInt(l2.chainId),
      toBytes32(zeroAddress),
      now,
      amounts.deadline ?? now + 3600,
      0,
      '0x',
    ],
  });
  const [log] = parseEventLogs({ abi: [FUNDS_DEPOSITED], logs: receipt.logs });
  return depositFromLog(devnet.manifest.chainId, log?.args ?? {});
}

async function fillOnL2(account: ReturnType<typeof privateKeyToAccount>, found: AcrossDeposit) {
  await send(l2, account, {
    address: tokenOf(l2),
    abi: erc20Abi,
    functionName: 'approve',
    args: [spokePoolOf(l2), found.outputAmount],
  });
  await send(l2, account, {
    address: spokePoolOf(l2),
    abi: spokePoolAbi,
    functionName: 'fillRelay',
    args: [relayDataOf(found), BigInt(devnet.manifest.chainId), toBytes32(account.address)],
  });
}

const fillStatus = (found: AcrossDeposit) =>
  clients.second.readContract({
    address: spokePoolOf(l2),
    abi: spokePoolAbi,
    functionName: 'fillStatuses',
    args: [relayHashOf(found) as Hex],
  });
