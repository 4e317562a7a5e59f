import { type Address, erc20Abi, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../devnet/faucet.ts';
import { devnetClients, fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { poolAbi } from '../skills/aave-v3/abi.ts';
import { devnetNetwork } from './testing/environment.ts';
import { unwatchedHoldings } from './unwatched-holdings.ts';

const manifest = testDevnet();
const token = (symbol: string) => manifest.tokens.find((t) => t.symbol === symbol)?.address as Address;

describe('unwatchedHoldings: what an account holds that a plan’s guard does not watch', () => {
  it('names each listed token and aToken held outside the watched list, and nothing once all are watched', async () => {
    const { publicClient } = devnetClients(manifest);
    const { account, walletClient } = await fundedAccount(manifest, '10');
    await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, account.address);
    const pool = manifest.contracts.aaveV3.pool;
    const from = { account, chain: walletClient.chain } as const;
    const landed = async (hash: Promise<`0x${string}`>) =>
      expect((await publicClient.waitForTransactionReceipt({ hash: await hash })).status).toBe('success');
    await landed(
      walletClient.writeContract({
        ...from,
        address: token('USDC'),
        abi: erc20Abi,
        functionName: 'approve',
        args: [pool, parseUnits('100', 6)],
      }),
    );
    await landed(
      walletClient.writeContract({
        ...from,
        address: pool,
        abi: poolAbi,
        functionName: 'supply',
        args: [token('USDC'), parseUnits('100', 6), account.address, 0],
      }),
    );
    const holdings = (watched: Address[]) =>
      unwatchedHoldings(publicClient, devnetNetwork(manifest).chain, account.address, watched);
    const aUsdc = manifest.aaveV3Reserves.USDC?.aToken as Address;
    const listed = manifest.tokens.map((t) => t.address);

    const all = await holdings([]);
    expect(all.map((held) => held.token).sort()).toEqual([...listed, aUsdc].sort());
    expect(await holdings(listed)).toEqual([{ token: aUsdc, symbol: expect.stringMatching(/USDC/) }]);
    expect(await holdings([...listed, aUsdc])).toEqual([]);
  });
});
