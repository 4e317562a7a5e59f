import { findKnownNetwork } from '../common/chains/registry.ts';
import { toViemChain } from '../common/chains/viem-chain.ts';
import { DETERMINISTIC_DEPLOYER } from '../common/contracts/deterministic-deployer.ts';
import { jsonRpc, redactUrl } from '../common/json-rpc.ts';
import { assertPortFree, PortInUseError } from '../common/ports.ts';
import { devnetAccount, devnetPrivateKey } from './accounts.ts';
import { type AcrossRefunds, startAcrossRefunds } from './across-refunds.ts';
import { type Relayer, startAcrossRelayer } from './across-relayer.ts';
import { type Alto, startAlto } from './alto.ts';
import { type Anvil, DEVNET_CHAIN_ID, startAnvil } from './anvil.ts';
import type { SupervisedProcess } from './child-process.ts';
import { deployAaveV3 } from './deploy-aave-v3.ts';
import { deployAcross } from './deploy-across.ts';
import { deployBundleGuard } from './deploy-bundle-guard.ts';
import { deployDelegationFramework } from './deploy-delegation-framework.ts';
import { deployEmissionsContracts } from './deploy-emissions.ts';
import { deployErc4337 } from './deploy-erc4337.ts';
import { deployTokens } from './deploy-tokens.ts';
import { deployUniswapV3 } from './deploy-uniswap-v3.ts';
import { deployedStateFile, saveDeployedState } from './deployed-state-cache.ts';
import { createDeployer, type Deployer } from './deployer.ts';
import { ChildProcessError, DevnetError } from './errors.ts';
import { type DevnetManifest, type DevnetSlug, writeManifest } from './manifest.ts';
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
  /**
   * The second, L2-like chain (`devnet-l2`), started beside the first with its own anvil, the same
   * protocols (at addresses of their own but for the account stack), and its own Alto and paymaster;
   * none when absent, and none when
   * joining a running chain (`rpcUrl`): a devnet joined is joined as it is.
   */
  l2?: { chainId: number; anvilPort: number; bundlerPort: number; paymasterPort: number } | undefined;
  /**
   * Across' relayer between the two chains (devnet/across-relayer.ts), when there are two: how long it
   * waits before filling a deposit, and the least fee it takes.
   */
  relayer?: { delayMs: number; minFeeBps: number } | undefined;
  /** Where to write the manifests and token lists; nothing is written when absent. */
  dataDir?: string;
  progress?: (message: string) => void;
};

/** One of the devnet's chains, as it runs. */
export type DevnetChain = {
  manifest: DevnetManifest;
  anvil: Anvil | undefined;
  alto: Alto | undefined;
  paymaster: MockPaymaster | undefined;
};

export type Devnet = DevnetChain & {
  /** The second chain, when it was asked for. */
  l2: DevnetChain | undefined;
  /** The Across relayer between the two chains, when there are two. */
  relayer: Relayer | undefined;
  /** The refund of deposits that expire unfilled, in the HubPool's place, when there are two chains. */
  refunds: AcrossRefunds | undefined;
  /** What deployment did on this start, both chains together: contracts deployed and reused, transactions sent. */
  deployment: Deployer['stats'];
  /** Stops what this devnet started (never a chain or bundler it was only pointed at). */
  stop(): Promise<void>;
  /** Resolves, with what happened, if an anvil or an Alto ends while the devnet runs (not on stop()). */
  crashed: Promise<string>;
};

/** What one chain of the devnet is, before it runs. */
type ChainPlan = {
  slug: DevnetSlug;
  name: string;
  chainId: number;
  anvilPort: number;
  bundlerPort: number;
  paymasterPort: number;
  /** The settings that name its ports, for the message when one is taken. */
  portSettings: { anvil: string; bundler: string; paymaster: string };
  rpcUrl?: string | undefined;
  bundlerUrl?: string | undefined;
};

/**
 * Starts (or joins) the devnet: for each chain, anvil, the protocols, Alto; then writes each chain's
 * manifest. The second chain, when asked for, starts at the same time as the first.
 */
export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const host = options.host ?? '127.0.0.1';
  const progress = options.progress ?? (() => {});
  const children: Child[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    // What uses a chain (the relayer, paymasters, bundlers) before the chains, each group all at once:
    // an Alto takes up to a second to shut down, and one after the other that was seconds a stop.
    // A stop that fails does not keep the others running.
    const failures: unknown[] = [];
    for (const group of [children.filter((child) => !child.isChain), children.filter((child) => child.isChain)]) {
      for (const result of await Promise.allSettled(group.map((child) => child.stop()))) {
        if (result.status === 'rejected') failures.push(result.reason);
      }
    }
    if (failures.length > 0) throw failures[0];
  };
  const plans: ChainPlan[] = [
    {
      slug: 'devnet',
      name: 'Sextant devnet',
      chainId: DEVNET_CHAIN_ID,
      anvilPort: options.anvilPort,
      bundlerPort: options.bundlerPort,
      paymasterPort: options.paymasterPort,
      portSettings: { anvil: 'DEVNET_ANVIL_PORT', bundler: 'DEVNET_BUNDLER_PORT', paymaster: 'DEVNET_PAYMASTER_PORT' },
      rpcUrl: options.rpcUrl,
      bundlerUrl: options.bundlerUrl,
    },
  ];
  if (options.l2 && options.rpcUrl === undefined) {
    plans.push({
      slug: 'devnet-l2',
      name: 'Sextant devnet L2',
      ...options.l2,
      portSettings: {
        anvil: 'DEVNET_L2_ANVIL_PORT',
        bundler: 'DEVNET_L2_BUNDLER_PORT',
        paymaster: 'DEVNET_L2_PAYMASTER_PORT',
      },
    });
  }
  await assertPortsFree(host, plans);
  const starting = plans.map((plan) =>
    startChain(plan, { host, blockTimeSeconds: options.blockTimeSeconds, children, progress, label: plans.length > 1 }),
  );
  try {
    const chains = await Promise.all(starting);
    const [home, l2] = chains as [StartedChain, StartedChain | undefined];
    let relayer: Relayer | undefined;
    let refunds: AcrossRefunds | undefined;
    if (l2 && options.relayer) {
      const running = startAcrossRefunds({
        chains: [home.manifest, l2.manifest],
        owner: devnetAccount('acrossOwner'),
        log: progress,
      });
      refunds = running;
      children.push({ stop: () => running.stop(), process: undefined });
      progress(
        `across relayer: filling deposits between the two chains after ${options.relayer.delayMs} ms, for a fee of at least ${options.relayer.minFeeBps} bps`,
      );
      relayer = await startAcrossRelayer({
        chains: [home.manifest, l2.manifest],
        account: devnetAccount('acrossRelayer'),
        ...options.relayer,
        log: progress,
      });
      const started = relayer;
      children.push({ stop: () => started.stop(), process: undefined });
      for (const chain of chains) {
        const across = chain.manifest.contracts.across;
        if (across) across.relayer = { address: relayer.address, ...options.relayer };
      }
    }
    if (options.dataDir) for (const chain of chains) writeManifest(options.dataDir, chain.manifest);
    const crashed = new Promise<string>((resolve) => {
      for (const { process: child } of children) {
        child?.exited.then(({ code, signal }) => {
          if (stopping) return;
          resolve(
            `${child.name} exited unexpectedly (${signal ?? `code ${code}`}). Its last output:\n${child.outputTail() || '(nothing)'}`,
          );
        });
      }
    });
    const deployment = { deployed: 0, reused: 0, transactions: 0 };
    for (const chain of chains) {
      deployment.deployed += chain.deployment.deployed;
      deployment.reused += chain.deployment.reused;
      deployment.transactions += chain.deployment.transactions;
    }
    const { deployment: _home, ...homeChain } = home;
    return {
      ...homeChain,
      l2: l2 ? { manifest: l2.manifest, anvil: l2.anvil, alto: l2.alto, paymaster: l2.paymaster } : undefined,
      relayer,
      refunds,
      deployment,
      stop,
      crashed,
    };
  } catch (error) {
    // Both chains start together: let the other finish starting (or fail) before stopping it too.
    await Promise.allSettled(starting);
    // A child that died explains the failure better than the step that noticed it.
    const dead = children.map((child) => child.process).find((child) => child?.hasExited());
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

type StartedChain = DevnetChain & { deployment: Deployer['stats'] };

/** Something the devnet started and stops: an anvil (`isChain`), or a service that uses one. */
type Child = { stop(): Promise<void>; process: SupervisedProcess | undefined; isChain?: boolean };

/**
 * Every port this start will listen on, looked at before anything starts: a port that is taken (or
 * named twice) fails the start at once with what to set, instead of after the other chain has
 * started and deployed, and left to stop. Each service still checks its own port as it starts, for
 * one taken in between.
 */
async function assertPortsFree(host: string, plans: readonly ChainPlan[]): Promise<void> {
  const wanted: { port: number; what: string; setting: string }[] = [];
  for (const plan of plans) {
    const { anvil, bundler, paymaster } = plan.portSettings;
    if (plan.rpcUrl === undefined) wanted.push({ port: plan.anvilPort, what: 'anvil', setting: anvil });
    if (plan.bundlerUrl === undefined) {
      wanted.push({ port: plan.bundlerPort, what: 'the Alto bundler', setting: bundler });
      wanted.push({ port: plan.paymasterPort, what: 'the mock paymaster', setting: paymaster });
    }
  }
  for (const [i, { port, what, setting }] of wanted.entries()) {
    const earlier = wanted.slice(0, i).find((other) => other.port === port);
    if (earlier && port !== 0) {
      throw new PortInUseError(`${earlier.setting} and ${setting} are both ${port}: one port cannot serve both.`, {
        hint: `Set ${setting} to another free port.`,
      });
    }
    await assertPortFree(host, port, what, setting);
  }
}

/** One chain of the devnet: its anvil (or the chain it joins), the protocols, its Alto and paymaster. */
async function startChain(
  plan: ChainPlan,
  context: {
    host: string;
    blockTimeSeconds: number | undefined;
    /** Every child started, so that a failure anywhere stops them all. */
    children: Child[];
    progress: (message: string) => void;
    /** Whether to name the chain in progress lines (when there are two). */
    label: boolean;
  },
): Promise<StartedChain> {
  const { host } = context;
  const progress = (message: string) => context.progress(context.label ? `[${plan.slug}] ${message}` : message);
  let anvil: Anvil | undefined;
  let rpcUrl = plan.rpcUrl;
  // In a test run, the state an earlier devnet of this run deployed (devnet/deployed-state-cache.ts).
  const stateFile = rpcUrl === undefined ? deployedStateFile(plan) : undefined;
  if (rpcUrl === undefined) {
    progress(
      `anvil: starting on ${host}:${plan.anvilPort}${stateFile?.saved ? ' from the state this test run deployed' : ''}`,
    );
    // Automine while deploying (166 transactions would otherwise wait a block each); the block
    // time, if any, starts once the protocols are in place.
    const start = (loadState?: string) =>
      startAnvil({
        host,
        port: plan.anvilPort,
        chainId: plan.chainId,
        portSetting: plan.portSettings.anvil,
        ...(loadState ? { loadState } : {}),
      });
    try {
      anvil = await start(stateFile?.saved ? stateFile.path : undefined);
    } catch (error) {
      if (!stateFile?.saved) throw error;
      // A state anvil would not load: deploy afresh (and save over it).
      progress(`anvil: the saved state did not load (${(error as Error).message}); starting empty`);
      stateFile.saved = false;
      anvil = await start();
    }
    const started = anvil;
    context.children.push({ stop: () => started.process.stop(), process: started.process, isChain: true });
    rpcUrl = anvil.rpcUrl;
  } else {
    progress(`chain: using ${rpcUrl}`);
  }
  const chainId = await readChainId(rpcUrl);
  if (chainId !== plan.chainId) {
    const known = findKnownNetwork(chainId);
    throw new DevnetError(
      `The chain at ${redactUrl(rpcUrl)} is chain ${chainId}${known ? ` (${known.name})` : ''}, not a devnet (${plan.chainId}); the devnet deploys test contracts with public keys, so it refuses.`,
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
    // The second chain's tokens and protocols at addresses of their own, as on a real L2: a bridge
    // that mixed up the two chains' tokens could not pass unseen.
    ...(plan.slug === 'devnet' ? {} : { saltPrefix: `sextant.${plan.slug}` }),
  });
  const deployed = await deployProtocols(deployer);
  if (stateFile && !stateFile.saved) {
    // Saving only spares later devnets of the run their deployment: this one runs either way.
    await saveDeployedState(rpcUrl, stateFile).catch((error: Error) =>
      progress(`the deployed state was not saved for later devnets (${error.message})`),
    );
  }
  if (anvil && (context.blockTimeSeconds ?? 0) > 0) {
    await jsonRpc(rpcUrl, 'evm_setIntervalMining', [context.blockTimeSeconds]);
  }

  let alto: Alto | undefined;
  let paymaster: MockPaymaster | undefined;
  let bundlerUrl = plan.bundlerUrl;
  if (bundlerUrl === undefined) {
    progress(`alto: starting the bundler on ${host}:${plan.bundlerPort}`);
    alto = await startAlto({
      host,
      port: plan.bundlerPort,
      rpcUrl,
      entryPoints: [deployed.contracts.entryPointV07, deployed.contracts.entryPointV08],
      executorPrivateKey: devnetPrivateKey('bundlerExecutor'),
      utilityPrivateKey: devnetPrivateKey('bundlerUtility'),
      portSetting: plan.portSettings.bundler,
    });
    const started = alto;
    context.children.push({ stop: () => started.process.stop(), process: started.process });
    bundlerUrl = alto.bundlerUrl;
    progress(`paymaster: starting the mock paymaster on ${host}:${plan.paymasterPort}`);
    paymaster = await startMockPaymaster({
      host,
      port: plan.paymasterPort,
      rpcUrl,
      bundlerUrl,
      portSetting: plan.portSettings.paymaster,
    });
    const mock = paymaster;
    context.children.push({ stop: () => mock.stop(), process: undefined });
  } else {
    progress(`bundler: using ${bundlerUrl}`);
  }
  const manifest: DevnetManifest = {
    version: 1,
    slug: plan.slug,
    name: plan.name,
    chainId,
    rpcUrl,
    bundlerUrl,
    paymasterUrl: paymaster?.paymasterUrl ?? null,
    admin: deployer.admin.address,
    ...deployed,
  };
  return { manifest, anvil, alto, paymaster, deployment: { ...deployer.stats } };
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
  const across = await deployAcross(deployer, weth);
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
      across,
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
