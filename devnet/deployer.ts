import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeDeployData,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  type TestClient,
  type TransactionReceipt,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem';
import { type Artifact, linkBytecode } from '../common/contracts/artifacts.ts';
import { DETERMINISTIC_DEPLOYER, deterministicDeployment } from '../common/contracts/deterministic-deployer.ts';
import { minedReceipt } from '../common/mined-receipt.ts';
import { DeploymentError } from './errors.ts';

/**
 * Sends the devnet's deployment and set-up transactions from the admin account. Every step is
 * idempotent: a contract whose CREATE2 address already has code is reused, and set-up steps check
 * the chain's state before they act. `stats` counts what was done, so a second run can prove it did
 * nothing.
 */
export type Deployer = {
  admin: Account;
  chain: Chain;
  publicClient: PublicClient;
  walletClient: WalletClient;
  testClient: TestClient;
  stats: { deployed: number; reused: number; transactions: number };
  progress: (message: string) => void;
  deploy(label: string, artifact: Artifact, options?: DeployOptions): Promise<Address>;
  write<const abi extends Abi, functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    label: string,
    request: {
      address: Address;
      abi: abi;
      functionName: functionName;
      args?: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>;
      value?: bigint;
      /** Send from this (impersonated) address instead of the admin; see `impersonating`. */
      from?: Address;
    },
  ): Promise<TransactionReceipt>;
  /** Runs `action` with `address` impersonated (anvil only), funding it for gas first. */
  impersonating<T>(address: Address, action: (account: Address) => Promise<T>): Promise<T>;
};

export type DeployOptions = {
  args?: readonly unknown[];
  /** CREATE2 salt; by default derived from the label, so each contract has its own stable address. */
  salt?: Hex;
  libraries?: Record<string, Address>;
};

export function createDeployer(options: {
  rpcUrl: string;
  chain: Chain;
  admin: Account;
  progress?: (message: string) => void;
  /**
   * What the default salts are derived from, with each label: `sextant.devnet` (so the devnet's
   * addresses never change), or another chain's own, so that its contracts and tokens have addresses
   * of their own, as a real L2's do (contracts with a salt of their own, the EntryPoints, the account
   * factories, the bundle guard, the delegation framework, keep their one address everywhere).
   */
  saltPrefix?: string;
  /**
   * Look only: every request that would change the chain (a transaction, anvil's set-code, storage,
   * balance and impersonation methods) is refused, so the deployment stops at its first step that is
   * not already done (`sextant endpoint serve` finds a running devnet's contracts this way).
   */
  readOnly?: boolean;
}): Deployer {
  const rpc = http(options.rpcUrl, { retryCount: 0, timeout: 30_000 });
  const transport = options.readOnly ? refusingWrites(rpc) : rpc;
  const publicClient = createPublicClient({ chain: options.chain, transport, pollingInterval: 50 });
  const walletClient = createWalletClient({ chain: options.chain, transport, account: options.admin });
  const testClient = createTestClient({ chain: options.chain, transport, mode: 'anvil' });
  const stats = { deployed: 0, reused: 0, transactions: 0 };
  let deployerChecked = false;

  // The set-up's transactions go to anvil as eth_sendTransaction from the admin, unlocked (the
  // devnet's keys are public): anvil fills in the nonce and fees, so each is one request instead of
  // the five a locally signed one takes (nonce, chain id, block, priority fee, then the raw
  // transaction), and nothing is signed in JavaScript. 166 of them at every devnet start.
  let unlocked: Promise<void> | undefined;
  const adminUnlocked = () => {
    unlocked ??= testClient.impersonateAccount({ address: options.admin.address });
    return unlocked;
  };

  const confirm = async (label: string, hash: Hex): Promise<TransactionReceipt> => {
    stats.transactions += 1;
    const receipt = await minedReceipt(publicClient, hash, 60_000);
    if (receipt.status !== 'success') {
      const why = await explainRevert(publicClient, hash);
      throw new DeploymentError(`Devnet set-up step "${label}" reverted (transaction ${hash}): ${why}`);
    }
    return receipt;
  };

  const fail = (label: string, cause: unknown): never => {
    if (cause instanceof DeploymentError) throw cause;
    const detail =
      cause instanceof Error ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message) : String(cause);
    throw new DeploymentError(`Devnet set-up step "${label}" failed: ${detail}`, { cause });
  };

  const deployer: Deployer = {
    admin: options.admin,
    chain: options.chain,
    publicClient,
    walletClient,
    testClient,
    stats,
    progress: options.progress ?? (() => {}),

    async deploy(label, artifact, deployOptions = {}) {
      if (!deployerChecked) {
        const code = await publicClient.getCode({ address: DETERMINISTIC_DEPLOYER });
        if (!code || code === '0x') {
          throw new DeploymentError(`The chain has no deterministic deployer at ${DETERMINISTIC_DEPLOYER}.`, {
            hint: 'Use anvil (it carries the deployer from genesis) or a chain where it is deployed.',
          });
        }
        deployerChecked = true;
      }
      const bytecode = deployOptions.libraries ? linkBytecode(artifact, deployOptions.libraries) : artifact.bytecode;
      const initCode = encodeDeployData({ abi: artifact.abi, bytecode, args: deployOptions.args ?? [] } as never);
      const salt = deployOptions.salt ?? keccak256(toHex(`${options.saltPrefix ?? 'sextant.devnet'}:${label}`));
      const { address, data } = deterministicDeployment(initCode, salt);
      const existing = await publicClient.getCode({ address });
      if (existing && existing !== '0x') {
        stats.reused += 1;
        return address;
      }
      try {
        const transaction = { account: options.admin, to: DETERMINISTIC_DEPLOYER, data };
        const estimate = await publicClient.estimateGas(transaction);
        await adminUnlocked();
        const hash = await walletClient.sendTransaction({
          ...transaction,
          account: options.admin.address,
          chain: null,
          gas: withHeadroom(estimate),
        });
        await confirm(`deploy ${label}`, hash);
      } catch (cause) {
        fail(`deploy ${label}`, cause);
      }
      const code = await publicClient.getCode({ address });
      if (!code || code === '0x') throw new DeploymentError(`Deploying ${label} left no code at ${address}.`);
      stats.deployed += 1;
      return address;
    },

    async write(label, { from, ...request }) {
      try {
        const call = {
          ...(request as unknown as Parameters<WalletClient['writeContract']>[0]),
          account: from ?? options.admin,
        };
        const estimate = await publicClient.estimateContractGas(
          call as Parameters<PublicClient['estimateContractGas']>[0],
        );
        if (from === undefined) await adminUnlocked();
        const hash = await walletClient.writeContract({
          ...call,
          account: from ?? options.admin.address,
          chain: null,
          gas: withHeadroom(estimate),
        });
        return await confirm(label, hash);
      } catch (cause) {
        return fail(label, cause);
      }
    },

    async impersonating(address, action) {
      // The admin stays unlocked for the whole deployment (adminUnlocked); stopping its
      // impersonation afterwards would leave later admin sends refused.
      if (address.toLowerCase() === options.admin.address.toLowerCase()) {
        throw new DeploymentError('The admin sends as itself; impersonating is for other addresses.');
      }
      await testClient.setBalance({ address, value: 10n ** 20n });
      await testClient.impersonateAccount({ address });
      try {
        return await action(address);
      } finally {
        await testClient.stopImpersonatingAccount({ address });
      }
    },
  };
  return deployer;
}

/** Requests that change a chain: transactions, and anvil's (and hardhat's) state-setting methods. */
const WRITING_METHODS = /^(eth_send|eth_sign|wallet_|personal_|anvil_|hardhat_|evm_)/;

function refusingWrites(inner: Transport): Transport {
  return (parameters) => {
    const transport = inner(parameters);
    return {
      ...transport,
      request: (async (args, requestOptions) => {
        if (WRITING_METHODS.test(args.method)) {
          throw new DeploymentError(`it is not set up (looking only: ${args.method} was not sent)`);
        }
        return transport.request(args, requestOptions);
      }) as typeof transport.request,
    };
  };
}

/**
 * Gas estimates are taken against the latest block, but the transaction runs in the next one. When a
 * new second starts in between, Uniswap pools write an oracle observation the estimate never paid
 * for (about 24k gas): without headroom, one cold start in ten failed with "out of gas".
 */
function withHeadroom(estimate: bigint): bigint {
  return (estimate * 13n) / 10n;
}

/** Why a mined transaction reverted, from anvil's call tracer: the innermost error and the gas it had. */
async function explainRevert(publicClient: PublicClient, hash: Hex): Promise<string> {
  type Frame = { error?: string; revertReason?: string; gas?: Hex; gasUsed?: Hex; to?: Hex; calls?: Frame[] };
  try {
    const trace = (await publicClient.request({
      method: 'debug_traceTransaction' as never,
      params: [hash, { tracer: 'callTracer' }] as never,
    })) as Frame;
    const path: string[] = [];
    let frame: Frame | undefined = trace;
    while (frame) {
      if (frame.error)
        path.push(
          `${frame.to}: ${frame.revertReason ?? frame.error} (gas ${Number(frame.gas)}, used ${Number(frame.gasUsed)})`,
        );
      frame = frame.calls?.find((call) => call.error);
    }
    return path.join(' → ') || 'no reason given';
  } catch {
    return 'no trace available';
  }
}
