import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { viemChainSnapshot } from './viem-chain-snapshot.ts';

describe("the snapshot of viem's chains the parser reads", () => {
  it("is the installed viem's list (after upgrading viem: npm run chains:snapshot)", async () => {
    const kept = JSON.parse(readFileSync(new URL('./viem-chains.json', import.meta.url), 'utf8'));
    const installed = await viemChainSnapshot();
    expect(kept.viem).toBe(installed.viem);
    expect(kept.chains).toEqual(installed.chains);
    expect(installed.chains.length).toBeGreaterThan(500);
  });
});
