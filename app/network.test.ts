import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../common/settings.ts';
import { resolveNetwork } from './network.ts';

describe('resolveNetwork', () => {
  it('says what to set when CHAIN=devnet has no manifest in DATA_DIR, and when a real chain has no RPC_URL', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-network-'));
    expect(() => resolveNetwork(loadSettings({ DATA_DIR: dataDir }))).toThrow(
      expect.objectContaining({
        message: `CHAIN=devnet (the default), and there is no devnet manifest at ${join(dataDir, 'devnet', 'manifest.json')}.`,
        hint: 'Start the devnet with this DATA_DIR (`sextant devnet`, or `npm start`), or set DATA_DIR to the one it runs with; on a real network, set CHAIN (`sextant chains`) and RPC_URL.',
      }),
    );
    expect(() => resolveNetwork(loadSettings({ DATA_DIR: dataDir, CHAIN: 'base' }))).toThrow(
      'CHAIN=base needs RPC_URL: the runtime ships no public RPC endpoints.',
    );
  });

  it('puts BUNDLE_GUARD_ADDRESS into a real chain’s contracts, and leaves the registry’s entry unguarded', () => {
    const guard = '0x3579dB751EeC61136a34DA0009A06624f72F01b2';
    const rpc = { CHAIN: 'base', RPC_URL: 'https://rpc.example/base' };
    const guarded = resolveNetwork(loadSettings({ ...rpc, BUNDLE_GUARD_ADDRESS: guard }));
    expect(guarded.chain.contracts.bundleGuard).toBe(guard);
    expect(guarded.chain.contracts.weth).toBe('0x4200000000000000000000000000000000000006');
    expect(resolveNetwork(loadSettings(rpc)).chain.contracts.bundleGuard).toBeUndefined();
  });
});
