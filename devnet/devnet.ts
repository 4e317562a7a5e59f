import { findKnownNetwork } from '../common/chains/registry.ts';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { DETERMINISTIC_DEPLOYER } from '../common/contracts/deterministic-deployer.ts';
import { jsonRpc, redactUrl } from '../common/json-rpc.ts';
import { devnetAccount, devnetPrivateKey } from './accounts.ts';
import { type Alto, startAlto } from './alto.ts';
import { type Anvil, DEVNET_CHAIN_ID, startAnvil } from './anvil.ts';
import { deployAaveV3 } from './deploy-aave-v3.ts';
import { deployBundleGuard } from './deploy-bundle-guard.ts';
import { deployDelegationFramework } from './deploy-delegation-framework.ts';
import { deployEmissionsContracts } from './deploy-emissions.ts';
import { deployErc4337 } from './deploy-erc4337.ts';
import { deployTokens } from './deploy-tokens.ts';
import { deployUniswapV3 } from './deploy-uniswap-v3.ts';
import { createDeployer, type Deployer } from './deployer.ts';
import { ChildProcessError, DevnetError } from './errors.ts';
import { type DevnetManifest, writeManifest } from './manifest.ts';
import { type MockPaymaster, startMockPaymaster } from './paymaster.ts';
import { seedUniswapV3Pools } from './seed-uniswap-v3.ts';

export type DevnetOptions = {
  host?: string;
  anvilPort: number;
  bundlerPort: number;
  /** The mock paymaster's port; it runs whenever this devnet starts its own Alto. */
  paymasterPort: number;
  blockTimeSeconds?: number;
  /** Use this running chain instead of starting anvil (what is already deployed there is reused). */
  rpcUrl?: string;
  /** Use this running bundler instead of starting Alto. */
  bundlerUrl?: string;
  /** Where to write the manifest and token list; nothing is written when absent. */
  dataDir?: string;
  progress?: (message: string) => void;
};

export type Devnet = {
  manifest: DevnetManifest;
  /** What deployment did on this start: contracts deployed and reused, transactions sent. */
  deployment: Deployer['stats'];
  anvil: Anvil | undefined;
  alto: Alto | undefined;
  paymaster: MockPaymaster | undefined;
  /** Stops what this devnet started (never a chain or bundler it was only pointed at). */
  stop(): Promise<void>;
  /** Resolves, with what happened, if anvil or Alto ends while the devnet runs (not on stop()). */
  crashed: Promise<string>;
};

/** Starts (or joins) the devnet: anvil, the protocols, Alto; then writes the manifest. */
export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const host = options.host ?? '127.0.0.1';
  const progress = options.progress ?? (() => {});
  let anvil: Anvil | undefined;
  let alto: Alto | undefined;
  let paymaster: MockPaymaster | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await paymaster?.stop();
    await alto?.process.stop();
    await anvil?.process.stop();
  };
  try {
    let rpcUrl = options.rpcUrl;
    if (rpcUrl === undefined) {
      progress(`anvil: starting on ${host}:${options.anvilPort}`);
      // Automine while deploying (147 transactions would otherwise wait a block each); the block
      // time, if any, starts once the protocols are in place.
      anvil = await startAnvil({ host, port: options.anvilPort });
      rpcUrl = anvil.rpcUrl;
    } else {
      progress(`chain: using ${rpcUrl}`);
    }
    const chainId = await readChainId(rpcUrl);
    if (chainId !== DEVNET_CHAIN_ID) {
      const known = findKnownNetwork(chainId);
      throw new DevnetError(
        `The chain at ${redactUrl(rpcUrl)} is chain ${chainId}${known ? ` (${known.name})` : ''}, not a devnet (${DEVNET_CHAIN_ID}); the devnet deploys test contracts with public keys, so it refuses.`,
        {
          hint: known
            ? `To use ${known.name}, set CHAIN=${known.slug}. To run the devnet, unset RPC_URL.`
            : 'Point RPC_URL at an anvil devnet, or unset it to let the devnet start its own.',
        },
      );
    }
    const deployer = createDeployer({
      rpcUrl,
      chain: toViemChain(chainId, rpcUrl),
      admin: devnetAccount('admin'),
      progress,
    });
    const deployed = await deployProtocols(deployer);
    if (anvil && (options.blockTimeSeconds ?? 0) > 0) {
      await jsonRpc(rpcUrl, 'evm_setIntervalMining', [options.blockTimeSeconds]);
    }

    let bundlerUrl = options.bundlerUrl;
    if (bundlerUrl === undefined) {
      progress(`alto: starting the bundler on ${host}:${options.bundlerPort}`);
      alto = await startAlto({
        host,
        port: options.bundlerPort,
        rpcUrl,
        entryPoints: [deployed.contracts.entryPointV07, deployed.contracts.entryPointV08],
        executorPrivateKey: devnetPrivateKey('bundlerExecutor'),
        utilityPrivateKey: devnetPrivateKey('bundlerUtility'),
      });
      bundlerUrl = alto.bundlerUrl;
      progress(`paymaster: starting the mock paymaster on ${host}:${options.paymasterPort}`);
      paymaster = await startMockPaymaster({ host, port: options.paymasterPort, rpcUrl, bundlerUrl });
    } else {
      progress(`bundler: using ${bundlerUrl}`);
    }

    const manifest: DevnetManifest = {
      version: 1,
      chainId,
      rpcUrl,
      bundlerUrl,
      paymasterUrl: paymaster?.paymasterUrl ?? null,
      admin: deployer.admin.address,
      ...deployed,
    };
    if (options.dataDir) writeManifest(options.dataDir, manifest);
    const crashed = new Promise<string>((resolve) => {
      for (const child of [anvil?.process, alto?.process]) {
        child?.exited.then(({ code, signal }) => {
          if (stopping) return;
          resolve(
            `${child.name} exited unexpectedly (${signal ?? `code ${code}`}). Its last output:\n${child.outputTail() || '(nothing)'}`,
          );
        });
      }
    });
    return { manifest, deployment: { ...deployer.stats }, anvil, alto, paymaster, stop, crashed };
  } catch (error) {
    // A child that died explains the failure better than the step that noticed it.
    const dead = [anvil?.process, alto?.process].find((child) => child?.hasExited());
    await stop();
    if (dead && !(error instanceof ChildProcessError)) {
      throw new ChildProcessError(
        `${dead.name} exited during start-up.\n${dead.outputTail() || '(it printed nothing)'}`,
        {
          hint: 'See its output above.',
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** Deploys (or finds) every protocol the devnet carries; the manifest's contract sections. */
export async function deployProtocols(
  deployer: Deployer,
): Promise<Pick<DevnetManifest, 'contracts' | 'tokens' | 'aaveV3Reserves' | 'uniswapV3Pools'>> {
  const erc4337 = await deployErc4337(deployer);
  const { weth, tokens } = await deployTokens(deployer);
  const uniswapV3 = await deployUniswapV3(deployer, weth);
  const uniswapV3Pools = await seedUniswapV3Pools(deployer, uniswapV3, tokens, weth);
  const { reserves, ...aaveV3 } = await deployAaveV3(deployer, tokens);
  const emissions = await deployEmissionsContracts(deployer, weth);
  const bundleGuard = await deployBundleGuard(deployer);
  const delegation = await deployDelegationFramework(deployer, erc4337.entryPointV07);
  return {
    contracts: {
      deterministicDeployer: DETERMINISTIC_DEPLOYER,
      ...erc4337,
      weth,
      uniswapV3,
      aaveV3,
      emissions,
      bundleGuard,
      delegation,
    },
    tokens,
    aaveV3Reserves: reserves,
    uniswapV3Pools,
  };
}

async function readChainId(rpcUrl: string): Promise<number> {
  try {
    return Number(await jsonRpc<string>(rpcUrl, 'eth_chainId', [], 5000));
  } catch (cause) {
    throw new DevnetError(`The chain at ${redactUrl(rpcUrl)} does not answer: ${(cause as Error).message}`, {
      hint: 'Check RPC_URL, or unset it to let the devnet start its own anvil.',
      cause,
    });
  }
}
