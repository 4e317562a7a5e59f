import { randomUUID } from 'node:crypto';
import { type Address, createWalletClient, encodeFunctionData, erc20Abi, parseAbi, parseEther, parseUnits } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { toViemChain } from '../../common/chains/viem-chain.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetTransport } from '../../devnet/testing/clients.ts';
import { applyDelegationChange, previewDelegationChange } from '../eip7702.ts';
import type { ExecutionEnvironment } from '../environment.ts';
import { execute } from '../execute.ts';
import type { Call, ExecutionRecord } from '../executions.ts';
import { importOwnerKey, unlockOwnerKey } from '../keystore.ts';
import { ensureUser } from '../users.ts';

/**
 * bench:accounts' `eip7702` figures: a funded address imported and upgraded (type-4), then an ERC-20
 * transfer as a UserOperation through the bundler (after one warm-up operation, as the SimpleAccount
 * figure is measured), the same transfer sent by the address itself and by a plain EOA, and the
 * 3-call batch sent by the address itself against the same calls as EOA transactions (`eoaGas`).
 */
export async function benchEip7702(
  env: ExecutionEnvironment,
  manifest: DevnetManifest,
  threeCalls: (who: Address) => Call[],
  eoaGas: bigint,
) {
  const usdc = manifest.tokens.find((t) => t.symbol === 'USDC') as { address: Address };
  const someone = () => privateKeyToAccount(generatePrivateKey()).address;
  const transfer = (to: Address): Call => ({
    to: usdc.address,
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, parseUnits('10', 6)] }),
  });
  const passphrase = 'benchmark passphrase';
  const userId = 'bench-7702';
  const privateKey = generatePrivateKey();
  const address = privateKeyToAccount(privateKey).address;
  await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, address);
  ensureUser(env.db, userId);
  await importOwnerKey(env.db, userId, passphrase, privateKey);
  const owner = await unlockOwnerKey(env.db, userId, passphrase);
  const upgrade = await applyDelegationChange(
    env,
    owner,
    await previewDelegationChange(env, userId, address, 'upgrade'),
  );
  const upgradeGas = (await env.publicClient.getTransactionReceipt({ hash: upgrade.txHash as `0x${string}` })).gasUsed;

  const selfSending: ExecutionEnvironment = { ...env, bundlerUrl: undefined };
  const run = async (environment: ExecutionEnvironment, calls: Call[]): Promise<ExecutionRecord> => {
    const record = await execute(environment, owner, { userId, idempotencyKey: randomUUID(), calls });
    if (record.status !== 'succeeded') throw new Error(`benchmark operation ${record.status}: ${record.error}`);
    return record;
  };
  await run(env, [{ to: someone(), value: parseEther('0.01') }]);
  const erc20Bundler = await run(env, [transfer(someone())]);
  // The operation's preVerificationGas, as the bundler set it (the share of the bundle transaction's
  // intrinsic and calldata cost it charges). zerodev's aa-benchmark, the anchor's source, counts it
  // too (the ETH the account paid at a gas price of 1 wei, with the reference bundler's formula and no
  // margin), but runs each case inside one forge test, where storage read before stays warm.
  const stored = env.db.prepare('SELECT user_operation FROM executions WHERE id = ?').get(erc20Bundler.id) as {
    user_operation: string;
  };
  const preVerificationGas = BigInt(
    (JSON.parse(stored.user_operation) as { preVerificationGas: string }).preVerificationGas,
  );
  // The same transfer once the account keeps a standing deposit at the EntryPoint larger than an
  // operation's prefund: the account then sends the EntryPoint no ETH during validation. (Sextant
  // does not keep one; the figure says what it would save.)
  const depositor = privateKeyToAccount(generatePrivateKey());
  await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, depositor.address);
  const depositorWallet = createWalletClient({
    account: depositor,
    chain: toViemChain(manifest.chainId, manifest.rpcUrl),
    transport: devnetTransport(manifest.rpcUrl),
  });
  await env.publicClient.waitForTransactionReceipt({
    hash: await depositorWallet.writeContract({
      address: manifest.contracts.entryPointV08,
      abi: parseAbi(['function depositTo(address account) payable']),
      functionName: 'depositTo',
      args: [address],
      value: parseEther('0.1'),
    }),
  });
  const erc20WithDeposit = await run(env, [transfer(someone())]);
  const erc20SelfSent = await run(selfSending, [transfer(someone())]);
  const batchSelfSent = await run(selfSending, threeCalls(address));

  const eoa = privateKeyToAccount(generatePrivateKey());
  await fundFromFaucet(env.publicClient, manifest.rpcUrl, manifest.tokens, eoa.address);
  const wallet = createWalletClient({
    account: eoa,
    chain: toViemChain(manifest.chainId, manifest.rpcUrl),
    transport: devnetTransport(manifest.rpcUrl),
  });
  const eoaTransfer = await env.publicClient.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: usdc.address,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [someone(), parseUnits('10', 6)],
    }),
  });

  return {
    account: 'Simple7702Account (EIP-7702, EntryPoint v0.8)',
    upgrade_type4_transaction: Number(upgradeGas),
    // A UserOperation's actualGasUsed: the EntryPoint's accounting, the bundler's preVerificationGas included.
    erc20_transfer_bundler: Number(erc20Bundler.gasUsed),
    erc20_transfer_bundler_pre_verification_gas: Number(preVerificationGas),
    erc20_transfer_bundler_execution: Number((erc20Bundler.gasUsed ?? 0n) - preVerificationGas),
    erc20_transfer_bundler_with_standing_deposit: Number(erc20WithDeposit.gasUsed),
    erc20_transfer_self_sent: Number(erc20SelfSent.gasUsed),
    erc20_transfer_plain_eoa: Number(eoaTransfer.gasUsed),
    batch_approve_swap_supply_self_sent: Number(batchSelfSent.gasUsed),
    batch_to_eoa_ratio: Number((Number(batchSelfSent.gasUsed) / Number(eoaGas)).toFixed(3)),
  };
}
