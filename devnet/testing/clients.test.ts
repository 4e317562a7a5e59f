import { createWalletClient, encodeFunctionData, erc20Abi, http, parseAbi, parseEther, type Transport } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../faucet.ts';
import { revertChainAfterFile } from './chain-snapshot.ts';
import { devnetClients, devnetTransport } from './clients.ts';
import { testDevnet } from './test-devnet.ts';

const manifest = testDevnet();
const { chain, publicClient, testClient } = devnetClients(manifest);
const poolAbi = parseAbi(['function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)']);
const weth = manifest.contracts.weth;
const pool = manifest.contracts.aaveV3.pool;
const aWeth = manifest.aaveV3Reserves.WETH?.aToken as `0x${string}`;
const balanceOf = (token: `0x${string}`, holder: `0x${string}`) =>
  publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

revertChainAfterFile({ testClient, publicClient });

describe('devnetTransport', () => {
  it('leaves room for the dearer branch a transaction mined a second after its estimate takes', async () => {
    const [first, second] = [privateKeyToAccount(generatePrivateKey()), privateKeyToAccount(generatePrivateKey())];
    const supply = (onBehalfOf: `0x${string}`) =>
      encodeFunctionData({ abi: poolAbi, functionName: 'supply', args: [weth, parseEther('1'), onBehalfOf, 0] });
    for (const account of [first, second]) {
      await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, account.address);
      const wallet = createWalletClient({ account, chain, transport: devnetTransport(manifest.rpcUrl) });
      const approve = encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [pool, parseEther('5')] });
      await publicClient.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: weth, data: approve }) });
    }
    const firstWallet = createWalletClient({ account: first, chain, transport: devnetTransport(manifest.rpcUrl) });

    // The WETH reserve is updated at timestamp T; an estimate made then skips Aave's interest update
    // (nothing to accrue at T), and the transaction, mined at T + 5, does it: with viem's plain http
    // transport the estimate is too little and the supply reverts (out of gas inside the pool).
    const sendSecondsApart = async (transport: Transport) => {
      const wallet = createWalletClient({ account: second, chain, transport });
      const now = (await publicClient.getBlock()).timestamp + 10n;
      await testClient.setNextBlockTimestamp({ timestamp: now });
      const hash = await firstWallet.sendTransaction({ to: pool, data: supply(first.address) });
      await publicClient.waitForTransactionReceipt({ hash });
      const request = await wallet.prepareTransactionRequest({ to: pool, data: supply(second.address) });
      await testClient.setNextBlockTimestamp({ timestamp: now + 5n });
      const sent = await wallet.sendTransaction(request as never);
      return (await publicClient.waitForTransactionReceipt({ hash: sent })).status;
    };

    const before = await balanceOf(aWeth, second.address);
    expect(await sendSecondsApart(http(manifest.rpcUrl))).toBe('reverted');
    expect(await balanceOf(aWeth, second.address)).toBe(before);
    expect(await sendSecondsApart(devnetTransport(manifest.rpcUrl))).toBe('success');
    expect(await balanceOf(aWeth, second.address)).toBeGreaterThanOrEqual(before + parseEther('1'));
  });
});
