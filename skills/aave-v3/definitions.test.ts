import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Abi, type AbiFunction, type AbiParameter, toFunctionSelector } from 'viem';
import { describe, expect, it } from 'vitest';
import { knownNetworks } from '../../common/chains/known-networks.ts';
import { loadArtifact } from '../../devnet/artifacts.ts';
import { assertImportsContained, readPackageSource } from '../registry/package-source.ts';
import { addressesProviderAbi, dataProviderAbi, oracleAbi, poolAbi } from './abi.ts';
import { aaveBorrow } from './borrow.ts';
import { AAVE_V3_CHAINS } from './chains.ts';
import * as aaveV3 from './index.ts';
import { aaveRepay } from './repay.ts';
import { aaveSupply } from './supply.ts';
import { aaveWithdraw } from './withdraw.ts';

const ARTIFACTS = '@aave/core-v3/artifacts/contracts';

/** A parameter's ABI type with tuples spelled out, so a struct is compared field by field. */
const typeOf = (parameter: AbiParameter): string =>
  'components' in parameter && parameter.components
    ? `(${parameter.components.map(typeOf).join(',')})${parameter.type.slice('tuple'.length)}`
    : parameter.type;
const shape = (item: AbiFunction) =>
  `${toFunctionSelector(item)} -> (${item.outputs.map(typeOf).join(',')}) ${item.stateMutability}`;

describe('aave-v3 definitions', () => {
  it.each([
    ['Pool', poolAbi, 'protocol/pool/Pool.sol/Pool.json'],
    [
      'PoolAddressesProvider',
      addressesProviderAbi,
      'protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json',
    ],
    ['AaveProtocolDataProvider', dataProviderAbi, 'misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider.json'],
    ['AaveOracle', oracleAbi, 'misc/AaveOracle.sol/AaveOracle.json'],
  ] as const)('declares %s functions exactly as the @aave/core-v3 artifact has them', (_, abi, path) => {
    const artifact = loadArtifact(`${ARTIFACTS}/${path}`).abi.filter(
      (item): item is AbiFunction => item.type === 'function',
    );
    for (const item of (abi as Abi).filter((entry): entry is AbiFunction => entry.type === 'function')) {
      const match = artifact.find((candidate) => toFunctionSelector(candidate) === toFunctionSelector(item));
      expect(match, item.name).toBeDefined();
      expect(shape(item)).toBe(shape(match as AbiFunction));
    }
  });

  it('runs on the devnet and on every registry network that has Aave V3', () => {
    const withAave = knownNetworks.filter((chain) => chain.contracts.aaveV3).map((chain) => chain.slug);
    expect([...AAVE_V3_CHAINS].sort()).toEqual(['devnet', ...withAave].sort());
  });

  it('is a package: index.ts exports the four skills, and its code imports only itself, the SDK, zod and viem', () => {
    expect(Object.values(aaveV3)).toEqual([aaveBorrow, aaveRepay, aaveSupply, aaveWithdraw]);
    const dir = dirname(fileURLToPath(import.meta.url));
    const files = readPackageSource(dir);
    expect(files.some((file) => file.path.endsWith('.test.ts'))).toBe(false);
    expect(() => assertImportsContained(dir, files)).not.toThrow();
  });

  it('serves one action each and may call only its own Pool function', () => {
    const expected = [
      [aaveSupply, 'supply', 'supply(address,uint256,address,uint16)'],
      [aaveWithdraw, 'withdraw', 'withdraw(address,uint256,address)'],
      [aaveBorrow, 'borrow', 'borrow(address,uint256,uint256,uint16,address)'],
      [aaveRepay, 'repay', 'repay(address,uint256,uint256,address)'],
    ] as const;
    for (const [skill, action, signature] of expected) {
      expect(skill.id).toBe(`aave-v3/${action}`);
      expect(skill.protocol).toBe('aave');
      expect(skill.actions).toEqual([action]);
      expect(skill.contracts).toEqual({ '*': [{ contract: 'aaveV3.pool', functions: [signature] }] });
    }
  });
});
