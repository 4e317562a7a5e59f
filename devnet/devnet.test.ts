import { erc20Abi, isAddress, parseAbi } from 'viem';
import { toSimple7702SmartAccount } from 'viem/account-abstraction';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { jsonRpc } from '../common/json-rpc.ts';
import { devnetAccount } from './accounts.ts';
import { SIMPLE_7702_ACCOUNT_ADDRESS } from './deploy-erc4337.ts';
import { createDeployer } from './deployer.ts';
import { deployProtocols } from './devnet.ts';
import { readManifest } from './manifest.ts';
import { devnetClients } from './testing/clients.ts';
import { testDevnet, testDevnetDataDir } from './testing/test-devnet.ts';

const manifest = testDevnet();
const { publicClient } = devnetClients(manifest);

/** Every address in the manifest's contract sections, with a path that names it. */
function contractAddresses(): [string, `0x${string}`][] {
  const found: [string, `0x${string}`][] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string' && isAddress(value)) found.push([path, value]);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    }
  };
  walk(
    { contracts: manifest.contracts, aaveV3Reserves: manifest.aaveV3Reserves, uniswapV3Pools: manifest.uniswapV3Pools },
    '',
  );
  return found;
}

describe('the devnet', () => {
  it('has code at every contract address of its manifest', async () => {
    const addresses = contractAddresses();
    expect(addresses.length).toBeGreaterThan(60);
    for (const [path, address] of addresses) {
      const code = await publicClient.getCode({ address });
      expect(code && code.length > 2, `${path} (${address}) has no code`).toBe(true);
    }
  });

  it('puts the EntryPoints and SimpleAccount factories at their canonical addresses', () => {
    expect(manifest.contracts.entryPointV07).toBe('0x0000000071727De22E5E9d8BAf0edAc6f37da032');
    expect(manifest.contracts.entryPointV08).toBe('0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108');
    expect(manifest.contracts.simpleAccountFactoryV07).toBe('0x91E60e0613810449d098b0b5Ec8b51A0FE8c8985');
    expect(manifest.contracts.simpleAccountFactoryV08).toBe('0x13E9ed32155810FDbd067D4522C492D6f68E5944');
  });

  it('puts Simple7702Account where viem looks for it, bound to the EntryPoint v0.8', async () => {
    expect(manifest.contracts.simple7702Account).toBe(SIMPLE_7702_ACCOUNT_ADDRESS);
    const viemDefault = await toSimple7702SmartAccount({
      client: publicClient,
      owner: privateKeyToAccount(generatePrivateKey()),
    });
    expect(viemDefault.authorization?.address).toBe(SIMPLE_7702_ACCOUNT_ADDRESS);
    const entryPoint = await publicClient.readContract({
      address: manifest.contracts.simple7702Account,
      abi: parseAbi(['function entryPoint() pure returns (address)']),
      functionName: 'entryPoint',
    });
    expect(entryPoint).toBe(manifest.contracts.entryPointV08);
  });

  it('lists its tokens with the decimals the contracts report', async () => {
    const bySymbol = Object.fromEntries(manifest.tokens.map((token) => [token.symbol, token]));
    expect(Object.keys(bySymbol).sort()).toEqual(['DAI', 'USDC', 'USDT', 'WBTC', 'WETH']);
    expect(bySymbol.USDC?.decimals).toBe(6);
    expect(bySymbol.USDT?.decimals).toBe(6);
    expect(bySymbol.DAI?.decimals).toBe(18);
    expect(bySymbol.WBTC?.decimals).toBe(8);
    expect(bySymbol.WETH?.address).toBe(manifest.contracts.weth);
    for (const token of manifest.tokens) {
      const decimals = await publicClient.readContract({
        address: token.address,
        abi: erc20Abi,
        functionName: 'decimals',
      });
      expect(decimals).toBe(token.decimals);
    }
  });

  it('has Alto serving both EntryPoints', async () => {
    const entryPoints = await jsonRpc<string[]>(manifest.bundlerUrl, 'eth_supportedEntryPoints');
    expect(entryPoints.map((address) => address.toLowerCase()).sort()).toEqual(
      [manifest.contracts.entryPointV07, manifest.contracts.entryPointV08].map((a) => a.toLowerCase()).sort(),
    );
    const chainId = await jsonRpc<string>(manifest.bundlerUrl, 'eth_chainId');
    expect(Number(chainId)).toBe(manifest.chainId);
  });

  it('initialised the Aave Pool and PoolConfigurator implementations, as Aave does', async () => {
    const EIP1967_IMPLEMENTATION_SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc';
    for (const proxy of [manifest.contracts.aaveV3.pool, manifest.contracts.aaveV3.poolConfigurator]) {
      const raw = await publicClient.getStorageAt({ address: proxy, slot: EIP1967_IMPLEMENTATION_SLOT });
      const implementation = `0x${(raw as string).slice(-40)}` as const;
      expect((await publicClient.getCode({ address: implementation }))?.length).toBeGreaterThan(2);
      // Slot 0 of Aave's VersionedInitializable is lastInitializedRevision: non-zero once initialised.
      const slot0 = await publicClient.getStorageAt({ address: implementation, slot: '0x0' });
      expect(BigInt(slot0 as string)).toBeGreaterThan(0n);
    }
  });

  it('wrote the manifest and token list where the runtime reads them', () => {
    const written = readManifest(testDevnetDataDir());
    expect(written).toEqual(manifest);
  });

  it('reuses everything when pointed at a chain that already has it: no transaction, same addresses', async () => {
    const { chain } = devnetClients(manifest);
    const deployer = createDeployer({
      rpcUrl: manifest.rpcUrl,
      chain,
      admin: devnetAccount('admin'),
    });
    const again = await deployProtocols(deployer);
    expect(deployer.stats.transactions).toBe(0);
    expect(deployer.stats.deployed).toBe(0);
    expect(deployer.stats.reused).toBeGreaterThan(30);
    expect(again.contracts).toEqual(manifest.contracts);
    expect(again.tokens).toEqual(manifest.tokens);
    expect(again.aaveV3Reserves).toEqual(manifest.aaveV3Reserves);
  });
});
