import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls } from '../build.ts';
import { NATIVE_TOKEN } from '../sdk/define-skill.ts';
import { executeBuilds, expectWithinBounds, fundedTestUser } from '../testing/devnet.ts';
import { wethUnwrap } from './unwrap.ts';
import { wethWrap } from './wrap.ts';

const manifest = testDevnet();
const weth = manifest.contracts.weth;

describe('weth/wrap and weth/unwrap', () => {
  const env = testEnvironment(manifest);

  it('wraps ETH into WETH one for one', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(wethWrap, { amount: '2' }, user.ctx);
    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(weth)).toBe(parseEther('2'));
    expect(deltas.get(NATIVE_TOKEN)).toBe(-parseEther('2'));
    expectWithinBounds(deltas, build.bounds);
  });

  it('unwraps WETH into ETH one for one', async () => {
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(wethUnwrap, { amount: '1.5' }, user.ctx);
    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expect(deltas.get(weth)).toBe(-parseEther('1.5'));
    expect(deltas.get(NATIVE_TOKEN)).toBe(parseEther('1.5'));
    expectWithinBounds(deltas, build.bounds);
  });
});
