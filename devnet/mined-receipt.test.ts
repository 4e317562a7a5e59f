import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { SextantError } from '../common/errors.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { devnetClients, fundedAccount } from './testing/clients.ts';
import { testDevnet } from './testing/test-devnet.ts';

const manifest = testDevnet();

describe('minedReceipt', () => {
  it('returns the receipt of a mined transaction', async () => {
    const { publicClient } = devnetClients(manifest);
    const { walletClient, account } = await fundedAccount(manifest, '1');
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const hash = await walletClient.sendTransaction({
      account,
      to,
      value: parseEther('0.1'),
      chain: walletClient.chain,
    });
    const receipt = await minedReceipt(publicClient, hash);
    expect(receipt.status).toBe('success');
    expect(await publicClient.getBalance({ address: to })).toBe(parseEther('0.1'));
  });

  it('says so, after its timeout, when a transaction never lands (instead of hanging)', async () => {
    const { publicClient } = devnetClients(manifest);
    const nowhere = `0x${'ab'.repeat(32)}` as const;
    const started = Date.now();
    const error = await minedReceipt(publicClient, nowhere, 300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SextantError);
    expect((error as Error).message).toContain('was not mined within 0.3 s');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
