import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls } from '../build.ts';
import { NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { executeBuilds, expectWithinBounds, fundedTestUser } from '../testing/devnet.ts';
import { nativeTransfer } from './transfer.ts';

const manifest = testDevnet();

describe('native/transfer', () => {
  const env = testEnvironment(manifest);

  it('sends exactly the amount, and the account gives only that plus gas', async () => {
    const user = await fundedTestUser(env, manifest);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const build = await buildSkillCalls(nativeTransfer, { amount: '1.25', recipient }, user.ctx);
    expect(build.bounds.gives).toEqual([{ token: NATIVE_TOKEN, amount: parseEther('1.25') }]);
    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(await env.publicClient.getBalance({ address: recipient })).toBe(parseEther('1.25'));
    expect(deltas.get(NATIVE_TOKEN)).toBe(-parseEther('1.25'));
    expectWithinBounds(deltas, build.bounds);
  });

  it('refuses a zero amount, too many decimals and a malformed address, naming the field', async () => {
    const user = await fundedTestUser(env, manifest);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    await expect(buildSkillCalls(nativeTransfer, { amount: '0', recipient }, user.ctx)).rejects.toThrow(
      /more than zero/,
    );
    await expect(
      buildSkillCalls(nativeTransfer, { amount: '0.0000000000000000001', recipient }, user.ctx),
    ).rejects.toThrow(/more decimals than ETH has \(18\)/);
    await expect(buildSkillCalls(nativeTransfer, { amount: '1', recipient: '0x1234' }, user.ctx)).rejects.toThrow(
      /recipient: a 0x address/,
    );
    await expect(buildSkillCalls(nativeTransfer, { amount: '-1', recipient }, user.ctx)).rejects.toThrow(/amount:/);
  });
});
