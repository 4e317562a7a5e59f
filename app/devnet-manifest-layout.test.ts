import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SextantError } from '../common/errors.ts';
import { loadSettings } from '../common/settings.ts';
import { readManifest } from '../devnet/manifest.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { resolveNetwork } from './network.ts';

/**
 * A DATA_DIR a devnet wrote before it had a second chain: DATA_DIR/devnet/manifest.json, with no
 * `slug`. It is still the devnet (CHAIN=devnet, the default); CHAIN=devnet-l2 finds no second chain
 * there and says how to start one.
 */
describe('a devnet manifest written before the second chain', () => {
  const manifest = testDevnet();
  const { slug: _slug, name: _name, ...before } = manifest;
  const dataDir = mkdtempSync(join(tmpdir(), 'sx-manifest-v1-'));
  mkdirSync(join(dataDir, 'devnet'));
  writeFileSync(join(dataDir, 'devnet', 'manifest.json'), `${JSON.stringify(before, null, 2)}\n`);

  it('is read as the devnet, and CHAIN=devnet acts on it', () => {
    expect(readManifest(dataDir)).toMatchObject({ slug: 'devnet', chainId: manifest.chainId });
    const network = resolveNetwork(loadSettings({ DATA_DIR: dataDir, CHAIN: 'devnet', RPC_URL: '' }));
    expect(network.chain).toMatchObject({ slug: 'devnet', chainId: manifest.chainId });
    expect(network.rpcUrl).toBe(manifest.rpcUrl);
    expect(network.isDevnet).toBe(true);
  });

  it('has no second chain: CHAIN=devnet-l2 says so, and how to start it', () => {
    const error = (() => {
      try {
        resolveNetwork(loadSettings({ DATA_DIR: dataDir, CHAIN: 'devnet-l2', RPC_URL: '' }));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SextantError);
    expect((error as SextantError).message).toContain(
      `CHAIN=devnet-l2, and there is no devnet manifest at ${join(dataDir, 'devnet-l2', 'manifest.json')}`,
    );
    expect((error as SextantError).hint).toContain('DEVNET_L2 unset or 1');
  });
});
