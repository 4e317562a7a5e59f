import { createSmartAccountClient } from 'permissionless';
import { toSimpleSmartAccount } from 'permissionless/accounts';
import { createPimlicoClient } from 'permissionless/clients/pimlico';
import { encodeFunctionData, erc20Abi, http, parseEther, parseUnits } from 'viem';
import { entryPoint08Address } from 'viem/account-abstraction';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../common/contracts/artifacts.ts';
import { MINTABLE_ERC20_ARTIFACT } from './deploy-tokens.ts';
import { devnetClients } from './testing/clients.ts';
import { testDevnet } from './testing/test-devnet.ts';

const manifest = testDevnet();
const { chain, publicClient, testClient } = devnetClients(manifest);

describe('Alto on the devnet', () => {
  it('carries one UserOperation from a new SimpleAccount (v0.8) with two batched calls, and both land', async () => {
    expect(manifest.contracts.entryPointV08).toBe(entryPoint08Address);
    const owner = privateKeyToAccount(generatePrivateKey());
    const account = await toSimpleSmartAccount({
      client: publicClient,
      owner,
      entryPoint: { address: entryPoint08Address, version: '0.8' },
    });
    expect(await publicClient.getCode({ address: account.address })).toBeUndefined();
    await testClient.setBalance({ address: account.address, value: parseEther('1') });

    const pimlico = createPimlicoClient({
      chain,
      transport: http(manifest.bundlerUrl),
      entryPoint: account.entryPoint,
    });
    const smartAccountClient = createSmartAccountClient({
      account,
      chain,
      bundlerTransport: http(manifest.bundlerUrl),
      userOperation: { estimateFeesPerGas: async () => (await pimlico.getUserOperationGasPrice()).fast },
    });

    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const usdc = manifest.tokens.find((token) => token.symbol === 'USDC')?.address as `0x${string}`;
    const hash = await smartAccountClient.sendUserOperation({
      calls: [
        { to: recipient, value: parseEther('0.01') },
        {
          to: usdc,
          data: encodeFunctionData({
            abi: loadArtifact(MINTABLE_ERC20_ARTIFACT).abi,
            functionName: 'mint',
            args: [recipient, parseUnits('42', 6)],
          }),
        },
      ],
    });
    const receipt = await pimlico.waitForUserOperationReceipt({ hash, pollingInterval: 100, timeout: 30_000 });
    expect(receipt.success).toBe(true);
    expect(await publicClient.getBalance({ address: recipient })).toBe(parseEther('0.01'));
    expect(
      await publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [recipient] }),
    ).toBe(parseUnits('42', 6));
    // The first operation deployed the account.
    expect((await publicClient.getCode({ address: account.address }))?.length).toBeGreaterThan(2);
  });
});
