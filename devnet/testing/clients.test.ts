import { createWalletClient, encodeFunctionData, erc20Abi, http, parseEther, type Transport } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { fundFromFaucet } from '../faucet.ts';
import { devnetClients, devnetTransport } from './clients.ts';
import { testDevnet } from './test-devnet.ts';

const manifest = testDevnet();
const { chain, publicClient } = devnetClients(manifest);
const weth = manifest.contracts.weth;
const wethOf = (holder: `0x${string}`) =>
  publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

describe('devnetTransport', () => {
  it('leaves room for a dearer path than the one the estimate took', async () => {
    // The estimate is exact for the state it ran on. A WETH transfer to a holder of WETH costs about
    // 17,000 gas less than one to an address holding none; the recipient empties its balance between
    // the estimate and the send (as Aave's interest update runs only in a later second than the
    // estimate's, clients.ts), so the transaction needs more than its estimate.
    const sender = privateKeyToAccount(generatePrivateKey());
    const recipient = privateKeyToAccount(generatePrivateKey());
    await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, sender.address);
    await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, recipient.address);
    const transfer = (to: `0x${string}`, amount: bigint) =>
      encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] });
    const recipientWallet = createWalletClient({ account: recipient, chain, transport: http(manifest.rpcUrl) });
    const sendAfterTheRecipientEmpties = async (transport: Transport) => {
      const wallet = createWalletClient({ account: sender, chain, transport });
      const request = await wallet.prepareTransactionRequest({ to: weth, data: transfer(recipient.address, 1n) });
      const emptied = await recipientWallet.sendTransaction({
        to: weth,
        data: transfer(sender.address, await wethOf(recipient.address)),
        gas: 100_000n,
      });
      await publicClient.waitForTransactionReceipt({ hash: emptied });
      const sent = await wallet.sendTransaction(request as never);
      return (await publicClient.waitForTransactionReceipt({ hash: sent })).status;
    };

    // viem's plain transport: the estimate, made while the recipient held WETH, is too little.
    expect(await sendAfterTheRecipientEmpties(http(manifest.rpcUrl))).toBe('reverted');
    expect(await wethOf(recipient.address)).toBe(0n);
    // Give the recipient WETH again, and the same with the devnet's transport: it lands.
    const refill = createWalletClient({ account: sender, chain, transport: http(manifest.rpcUrl) });
    await publicClient.waitForTransactionReceipt({
      hash: await refill.sendTransaction({
        to: weth,
        data: transfer(recipient.address, parseEther('1')),
        gas: 100_000n,
      }),
    });
    expect(await sendAfterTheRecipientEmpties(devnetTransport(manifest.rpcUrl))).toBe('success');
    expect(await wethOf(recipient.address)).toBe(1n);
  });
});
