import { type Abi, type Address, erc20Abi, maxUint256, parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { MINTABLE_ERC20_ARTIFACT } from './deploy-tokens.ts';
import { devnetClients, fundedAccount } from './testing/clients.ts';
import { testDevnet } from './testing/test-devnet.ts';

const manifest = testDevnet();
const { publicClient } = devnetClients(manifest);
const poolAbi = loadArtifact('@aave/core-v3/artifacts/contracts/protocol/pool/Pool.sol/Pool.json').abi;
const mintableAbi = loadArtifact(MINTABLE_ERC20_ARTIFACT).abi;
const VARIABLE_RATE = 2n;

describe('Aave V3 on the devnet', () => {
  it('lets an ordinary account supply USDC, borrow DAI against it, and repay', async () => {
    const { account, walletClient } = await fundedAccount(manifest);
    const usdc = manifest.aaveV3Reserves.USDC?.underlying as Address;
    const dai = manifest.aaveV3Reserves.DAI?.underlying as Address;
    const pool = manifest.contracts.aaveV3.pool;
    const send = async (address: Address, abi: Abi, functionName: string, args: readonly unknown[]) => {
      // 30% over the estimate, as the deployer gives its own transactions: the estimate is made at the
      // latest block, and a reserve other tests touch in between accrues interest on first touch in
      // the next block, which costs more gas than the estimate saw.
      const estimate = await publicClient.estimateContractGas({ account, address, abi, functionName, args });
      const hash = await walletClient.writeContract({
        account,
        chain: walletClient.chain,
        address,
        abi,
        functionName,
        args,
        gas: (estimate * 13n) / 10n,
      });
      const receipt = await minedReceipt(publicClient, hash);
      expect(receipt.status, functionName).toBe('success');
    };
    const balanceOf = (token: Address) =>
      publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account.address] });

    const supplied = parseUnits('10000', 6);
    await send(usdc, mintableAbi, 'mint', [account.address, supplied]);
    await send(usdc, erc20Abi, 'approve', [pool, supplied]);
    await send(pool, poolAbi, 'supply', [usdc, supplied, account.address, 0]);
    expect(await balanceOf(manifest.aaveV3Reserves.USDC?.aToken as Address)).toBe(supplied);

    const borrowed = parseUnits('1000', 18);
    await send(pool, poolAbi, 'borrow', [dai, borrowed, VARIABLE_RATE, 0, account.address]);
    expect(await balanceOf(dai)).toBe(borrowed);
    const debtToken = manifest.aaveV3Reserves.DAI?.variableDebtToken as Address;
    expect(await balanceOf(debtToken)).toBeGreaterThanOrEqual(borrowed);

    const [, totalDebtBase, , , , healthFactor] = (await publicClient.readContract({
      address: pool,
      abi: poolAbi,
      functionName: 'getUserAccountData',
      args: [account.address],
    })) as readonly bigint[];
    // The oracle prices DAI at $1 (8 decimals), so 1,000 DAI of debt is about 1000e8 in base units.
    expect(Number(totalDebtBase) / 1e8).toBeCloseTo(1000, 0);
    expect(Number(healthFactor) / 1e18).toBeGreaterThan(7); // 10,000 × 0.80 threshold / 1,000

    // Interest accrues per second, so repay "all" with a little extra DAI on hand.
    await send(dai, mintableAbi, 'mint', [account.address, parseUnits('1', 18)]);
    await send(dai, erc20Abi, 'approve', [pool, borrowed + parseUnits('1', 18)]);
    await send(pool, poolAbi, 'repay', [dai, maxUint256, VARIABLE_RATE, account.address]);
    expect(await balanceOf(debtToken)).toBe(0n);
  });
});
