import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { artifactPath, type CONTRACTS, compileContracts, sourceHash } from './build.ts';
import { BUNDLE_GUARD_ABI } from './bundle-guard.ts';

describe("Sextant's own contracts", () => {
  it('the committed artifacts are what the sources compile to with the pinned solc', () => {
    for (const compiled of compileContracts()) {
      const committed = JSON.parse(readFileSync(artifactPath(compiled.contractName), 'utf8'));
      expect(committed.sourceHash, `${compiled.contractName}: run npm run build:contracts`).toBe(
        sourceHash(compiled.contractName),
      );
      expect(committed.bytecode).toBe(compiled.bytecode);
      expect(committed.abi).toEqual(compiled.abi);
    }
  }, 60_000);

  it('the deposit pool is an ERC-4626 vault and the reward token is capped and mintable by its owner', () => {
    const functions = (name: (typeof CONTRACTS)[number]) =>
      (JSON.parse(readFileSync(artifactPath(name), 'utf8')).abi as { type: string; name?: string }[])
        .filter((entry) => entry.type === 'function' || entry.type === 'event')
        .map((entry) => entry.name);
    expect(functions('SextantDepositPool')).toEqual(
      expect.arrayContaining(['asset', 'deposit', 'withdraw', 'redeem', 'totalAssets', 'Deposit', 'Withdraw']),
    );
    expect(functions('SextantRewardToken')).toEqual(expect.arrayContaining(['cap', 'mint', 'owner', 'Transfer']));
  });

  it('the bundle guard’s typed ABI, which callers encode with, is the compiled one', () => {
    // solc adds internalType (the Solidity type names), which parseAbi cannot know; the rest must match.
    const plain = (abi: readonly unknown[]) =>
      JSON.parse(JSON.stringify(abi, (key, value) => (key === 'internalType' ? undefined : value)))
        .map((entry: { stateMutability?: string }) => ({ stateMutability: undefined, ...entry }))
        .sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
    const compiled = JSON.parse(readFileSync(artifactPath('SextantBundleGuard'), 'utf8')).abi;
    expect(plain(BUNDLE_GUARD_ABI)).toEqual(plain(compiled));
  });
});
