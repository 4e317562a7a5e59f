import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Address, ContractFunctionExecutionError, erc20Abi, type PublicClient, parseAbi, zeroAddress } from 'viem';
import { afterAll, describe, expect, it } from 'vitest';
import { publicClientFor } from '../common/network.ts';
import { devnetClients } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { devnetNetwork } from './testing/environment.ts';

const manifest = testDevnet();
const { publicClient: oneAtATime, testClient } = devnetClients(manifest);
const usdc = manifest.tokens.find((token) => token.symbol === 'USDC')?.address as Address;
const factoryAbi = parseAbi(['function getPool(address, address, uint24) view returns (address)']);

/** A loopback RPC in front of the devnet's anvil that passes every request on and counts the eth_calls. */
async function countingRpc(target: string): Promise<{ url: string; ethCalls: () => number; server: Server }> {
  let ethCalls = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    for (const message of [JSON.parse(body)].flat()) if (message.method === 'eth_call') ethCalls++;
    const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ethCalls: () => ethCalls, server };
}

const rpc = await countingRpc(manifest.rpcUrl);
afterAll(() => new Promise<void>((resolve) => rpc.server.close(() => resolve())));
const batched: PublicClient = publicClientFor({ ...devnetNetwork(manifest), rpcUrl: rpc.url });

/** The same reads, started together: a token's facts, the pair's pools at every tier, a balance. */
const reads = (client: PublicClient, weth: Address) =>
  Promise.all([
    client.readContract({ address: usdc, abi: erc20Abi, functionName: 'decimals' }),
    client.readContract({ address: usdc, abi: erc20Abi, functionName: 'symbol' }),
    client.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [manifest.admin] }),
    ...[100, 500, 3000, 10000].map((fee) =>
      client.readContract({
        address: manifest.contracts.uniswapV3.factory,
        abi: factoryAbi,
        functionName: 'getPool',
        args: [usdc, weth, fee],
      }),
    ),
  ]);

describe("the execution environment's chain reads", () => {
  it('sends reads started together as one eth_call, and each gets what it gets when read alone', async () => {
    const weth = manifest.contracts.weth;
    const alone = await reads(oneAtATime, weth);
    const before = rpc.ethCalls();
    const together = await reads(batched, weth);
    expect(rpc.ethCalls() - before).toBe(1);
    expect(together).toEqual(alone);
    // The pools are real: at least one tier of USDC/WETH exists on the devnet, so the answers are not all empty.
    expect(together.slice(3).some((pool) => pool !== zeroAddress)).toBe(true);
  });

  it('a read that reverts, runs out of gas or finds no contract fails on its own; the reads beside it still answer', async () => {
    // A contract whose every call loops until its gas is gone (JUMPDEST; PUSH1 0; JUMP).
    const burner = '0x000000000000000000000000000000000000b0b0' as Address;
    await testClient.setCode({ address: burner, bytecode: '0x5b600056' });
    const noCode = '0x000000000000000000000000000000000000c0de' as Address;
    const decimalsOf = (address: Address) => batched.readContract({ address, abi: erc20Abi, functionName: 'decimals' });
    const before = rpc.ethCalls();
    const [burnt, reverted, empty, decimals, balance] = await Promise.allSettled([
      decimalsOf(burner),
      // The EntryPoint has no decimals() and no fallback: it reverts.
      decimalsOf(manifest.contracts.entryPointV07),
      decimalsOf(noCode),
      decimalsOf(usdc),
      batched.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [manifest.admin] }),
    ]);
    expect(rpc.ethCalls() - before).toBe(1);
    for (const failed of [burnt, reverted, empty]) {
      expect(failed.status).toBe('rejected');
      expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(ContractFunctionExecutionError);
    }
    expect(decimals).toEqual({
      status: 'fulfilled',
      value: await oneAtATime.readContract({ address: usdc, abi: erc20Abi, functionName: 'decimals' }),
    });
    expect(balance).toEqual({
      status: 'fulfilled',
      value: await oneAtATime.readContract({
        address: usdc,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [manifest.admin],
      }),
    });
  });
});
