import { type Hex, parseAbi, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { sextantArtifact } from '../common/contracts/artifacts.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { REWARD_TOKEN_CAP } from '../devnet/deploy-emissions.ts';
import { devnetClients, fundedAccount } from '../devnet/testing/clients.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';

const manifest = testDevnet();
const wethAbi = parseAbi(['function deposit() payable', 'function approve(address, uint256) returns (bool)']);

describe('the emissions contracts on the devnet', () => {
  it('the deposit pool takes WETH for shares and pays it back', async () => {
    const { publicClient } = devnetClients(manifest);
    const { account, walletClient } = await fundedAccount(manifest, '10');
    const pool = manifest.contracts.emissions.depositPool;
    const abi = sextantArtifact('SextantDepositPool').abi;
    expect(await publicClient.readContract({ address: pool, abi, functionName: 'asset' })).toBe(
      manifest.contracts.weth,
    );
    const confirm = async (sent: Promise<Hex>) => {
      const receipt = await minedReceipt(publicClient, await sent);
      expect(receipt.status).toBe('success');
    };
    const amount = parseEther('2');
    const common = { account, chain: walletClient.chain } as const;
    await confirm(
      walletClient.writeContract({
        ...common,
        address: manifest.contracts.weth,
        abi: wethAbi,
        functionName: 'deposit',
        value: amount,
      }),
    );
    await confirm(
      walletClient.writeContract({
        ...common,
        address: manifest.contracts.weth,
        abi: wethAbi,
        functionName: 'approve',
        args: [pool, amount],
      }),
    );
    await confirm(
      walletClient.writeContract({
        ...common,
        address: pool,
        abi,
        functionName: 'deposit',
        args: [amount, account.address],
      }),
    );
    const shares = (await publicClient.readContract({
      address: pool,
      abi,
      functionName: 'balanceOf',
      args: [account.address],
    })) as bigint;
    expect(shares).toBeGreaterThan(0n);
    await confirm(
      walletClient.writeContract({
        ...common,
        address: pool,
        abi,
        functionName: 'redeem',
        args: [shares, account.address, account.address],
      }),
    );
    expect(
      await publicClient.readContract({ address: pool, abi, functionName: 'balanceOf', args: [account.address] }),
    ).toBe(0n);
  });

  it('the reward token is capped at 42,000,000 and only its owner mints', async () => {
    const { publicClient } = devnetClients(manifest);
    const token = manifest.contracts.emissions.rewardToken;
    const abi = sextantArtifact('SextantRewardToken').abi;
    expect(await publicClient.readContract({ address: token, abi, functionName: 'cap' })).toBe(REWARD_TOKEN_CAP);
    expect(await publicClient.readContract({ address: token, abi, functionName: 'owner' })).toBe(manifest.admin);
    const { account } = await fundedAccount(manifest, '1');
    await expect(
      publicClient.simulateContract({
        account,
        address: token,
        abi,
        functionName: 'mint',
        args: [account.address, 1n],
      }),
    ).rejects.toThrow(/OwnableUnauthorizedAccount/);
    await expect(
      publicClient.simulateContract({
        account: manifest.admin,
        address: token,
        abi,
        functionName: 'mint',
        args: [account.address, REWARD_TOKEN_CAP + 1n],
      }),
    ).rejects.toThrow(/ERC20ExceededCap/);
  });
});
