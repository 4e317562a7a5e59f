import { type Address, createWalletClient, type Hex, type PrivateKeyAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { nextNonce } from '../../common/next-nonce.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetClients, devnetTransport } from '../../devnet/testing/clients.ts';
import { type Delegation, delegationTypedData, redeemCalldata } from '../delegations.ts';

/**
 * The parties of a delegation test on the devnet, acting as themselves, outside Sextant: a user whose
 * own address is delegated (EIP-7702) to MetaMask's stateless DeleGator and funded from the faucet, the
 * agent key, and a stranger; the user signs delegations, and any of them sends a redemption.
 */
export function delegationParties(manifest: DevnetManifest) {
  const { chain, publicClient } = devnetClients(manifest);
  const framework = manifest.contracts.delegation;
  const user = privateKeyToAccount(generatePrivateKey());
  const agent = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());
  const wallet = (account: PrivateKeyAccount) =>
    createWalletClient({ account, chain, transport: devnetTransport(manifest.rpcUrl) });

  /** Funds everyone and makes the user's address a DeleGator (a type-4 transaction it sends itself). */
  async function setUp(): Promise<void> {
    await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, user.address);
    for (const account of [agent, stranger]) await fundFromFaucet(publicClient, manifest.rpcUrl, [], account.address);
    const authorization = await wallet(user).signAuthorization({
      contractAddress: framework.eip7702StatelessDeleGator,
      executor: 'self',
    });
    await send(user, { authorizationList: [authorization], to: user.address, data: '0x' }, 'upgrade');
  }

  async function send(
    from: PrivateKeyAccount,
    request: Parameters<ReturnType<typeof wallet>['sendTransaction']>[0],
    what: string,
  ): Promise<void> {
    // The nonce given: right after the user's own upgrade (a type-4 transaction carrying its own
    // authorization) the node's pending count can lag the mined one (common/next-nonce.ts).
    const hash = await wallet(from).sendTransaction({ ...request, nonce: await nextNonce(publicClient, from.address) });
    const receipt = await minedReceipt(publicClient, hash);
    if (receipt.status !== 'success') throw new Error(`The ${what} transaction reverted.`);
  }

  /** The user's signature on a delegation it grants. */
  async function sign(unsigned: Omit<Delegation, 'signature'>): Promise<Delegation> {
    const signature = await user.signTypedData(
      delegationTypedData(framework.delegationManager, manifest.chainId, unsigned),
    );
    return { ...unsigned, signature };
  }

  /** A redemption sent by `by`: whether the chain took it ('success') or refused it ('reverted'). */
  async function redeem(
    by: PrivateKeyAccount,
    delegation: Delegation,
    call: { to: Address; value?: bigint; data: Hex },
  ) {
    const hash = await wallet(by).sendTransaction({
      nonce: await nextNonce(publicClient, by.address),
      to: framework.delegationManager,
      data: redeemCalldata([delegation], call),
      // Given, so a redemption the chain refuses is mined (and seen to revert), not refused by estimation.
      gas: 1_000_000n,
    });
    return (await minedReceipt(publicClient, hash)).status;
  }

  return { publicClient, framework, user, agent, stranger, wallet, setUp, send, sign, redeem };
}
