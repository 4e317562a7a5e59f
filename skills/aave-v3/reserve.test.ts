import { type Address, type PublicClient, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { NATIVE_TOKEN, type SkillContext } from '../sdk/define-skill.ts';
import type { AaveMarket } from './market.ts';
import { type AaveAction, readReserve } from './reserve.ts';

const USDC: Address = '0x00000000000000000000000000000000000000a1';
const A_USDC: Address = '0x00000000000000000000000000000000000000a2';
const market: AaveMarket = {
  pool: '0x0000000000000000000000000000000000000b01',
  dataProvider: '0x0000000000000000000000000000000000000b02',
  oracle: '0x0000000000000000000000000000000000000b03',
};

type State = { listed: boolean; active: boolean; frozen: boolean; paused: boolean; borrowingEnabled: boolean };
const healthy: State = { listed: true, active: true, frozen: false, paused: false, borrowingEnabled: true };

/** A context whose chain answers the data provider and the oracle with `state` (no devnet can be frozen safely: it is shared). */
function contextWith(state: State): SkillContext {
  const answers: Record<string, unknown> = {
    getReserveTokensAddresses: state.listed ? [A_USDC, zeroAddress, A_USDC] : [zeroAddress, zeroAddress, zeroAddress],
    getReserveConfigurationData: [
      6n,
      7700n,
      8000n,
      10450n,
      1000n,
      true,
      state.borrowingEnabled,
      false,
      state.active,
      state.frozen,
    ],
    getPaused: state.paused,
    getDebtCeiling: 0n,
    getAssetPrice: 100_000_000n,
    BASE_CURRENCY_UNIT: 100_000_000n,
  };
  const client = {
    readContract: async ({ functionName }: { functionName: string }) => {
      if (!(functionName in answers)) throw new Error(`unexpected read ${functionName}`);
      return answers[functionName];
    },
  } as unknown as PublicClient;
  return {
    chain: {
      slug: 'devnet',
      name: 'Test chain',
      chainId: 1,
      testnet: true,
      hasEns: false,
      nativeSymbol: 'ETH',
      contracts: {},
      tokens: [],
    },
    account: '0x0000000000000000000000000000000000000c01',
    client,
    token: async (name) =>
      name === 'ETH'
        ? { symbol: 'ETH', name: 'Ether', address: NATIVE_TOKEN, decimals: 18 }
        : { symbol: 'USDC', name: 'USD Coin', address: USDC, decimals: 6 },
    contract: () => {
      throw new Error('not used');
    },
  };
}

const read = (state: Partial<State>, action: AaveAction, token = 'USDC') =>
  readReserve(contextWith({ ...healthy, ...state }), market, token, action);

describe('aave-v3 reserve checks', () => {
  it('reads a healthy reserve for every action, with its threshold and price', async () => {
    for (const action of ['supply', 'withdraw', 'borrow', 'repay'] as const) {
      const reserve = await read({}, action);
      expect(reserve).toMatchObject({ aToken: A_USDC, liquidationThresholdBps: 8000n, price: 100_000_000n });
    }
  });

  it('refuses native ETH and says which weth skill to use', async () => {
    await expect(read({}, 'supply', 'ETH')).rejects.toMatchObject({
      name: 'SkillError',
      message: expect.stringMatching(/native ETH/),
      hint: expect.stringMatching(/weth\/wrap.*supply WETH/),
    });
    await expect(read({}, 'borrow', 'ETH')).rejects.toMatchObject({ hint: expect.stringMatching(/weth\/unwrap/) });
  });

  it('refuses an unlisted asset, an inactive or paused reserve for every action', async () => {
    await expect(read({ listed: false }, 'supply')).rejects.toThrow(/USDC is not listed on Aave V3 on Test chain/);
    for (const action of ['supply', 'withdraw', 'borrow', 'repay'] as const) {
      await expect(read({ active: false }, action)).rejects.toThrow(
        /USDC reserve on Aave V3 \(Test chain\) is not active/,
      );
      await expect(read({ paused: true }, action)).rejects.toThrow(/paused the USDC reserve/);
    }
  });

  it('refuses supply and borrow on a frozen reserve, but lets withdraw and repay through', async () => {
    await expect(read({ frozen: true }, 'supply')).rejects.toMatchObject({
      message: expect.stringMatching(/frozen the USDC reserve .* takes no new supply/),
      hint: expect.stringMatching(/still allows withdraw and repay/),
    });
    await expect(read({ frozen: true }, 'borrow')).rejects.toThrow(/takes no new borrow/);
    await expect(read({ frozen: true }, 'withdraw')).resolves.toMatchObject({ frozen: true });
    await expect(read({ frozen: true }, 'repay')).resolves.toMatchObject({ frozen: true });
  });

  it('refuses to borrow where borrowing is not enabled, and only that', async () => {
    await expect(read({ borrowingEnabled: false }, 'borrow')).rejects.toThrow(/USDC cannot be borrowed on Aave V3/);
    await expect(read({ borrowingEnabled: false }, 'supply')).resolves.toMatchObject({ borrowingEnabled: false });
  });
});
