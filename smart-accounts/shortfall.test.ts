import { describe, expect, it } from 'vitest';
import { describeShortfall, type Shortfall } from './shortfall.ts';

const usdc: Shortfall = {
  token: '0x1F644Baf66019b19Ee1f9916FA1918DA07BE6360',
  symbol: 'USDC',
  decimals: 6,
  needed: '100',
  available: '0',
  short: '100',
  neededBaseUnits: 100_000_000n,
  availableBaseUnits: 0n,
  withGas: false,
};

describe('describeShortfall', () => {
  it('names the token, the need and the holding, and on the devnet the faucet', () => {
    expect(describeShortfall([usdc], { devnet: true })).toBe(
      "USDC: the plan needs 100, the account holds 0. On the devnet, `sextant faucet` or the page's Get test funds button funds it.",
    );
  });

  it('on another chain says to send funds, without the faucet', () => {
    const text = describeShortfall([usdc], { devnet: false });
    expect(text).toBe(
      'USDC: the plan needs 100, the account holds 0. Send the missing funds to the account first, or ask for less.',
    );
    expect(text).not.toMatch(/faucet/);
  });

  it('rounds the need up and the holding down, so the short figures never hide the gap', () => {
    const eth: Shortfall = {
      ...usdc,
      token: '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE',
      symbol: 'ETH',
      decimals: 18,
      neededBaseUnits: 1_000_000_000_000_000_001n,
      availableBaseUnits: 999_999_999_999_999_999n,
      withGas: true,
    };
    expect(describeShortfall([usdc, eth], { devnet: true })).toBe(
      'USDC: the plan needs 100, the account holds 0. ETH: the plan needs 1.00001 (with gas), the account holds 0.999999. ' +
        "On the devnet, `sextant faucet` or the page's Get test funds button funds them.",
    );
  });
});
