import { type Address, type Hex, hexToBigInt, type Log, toEventSelector } from 'viem';
import { APPROVAL_TOPIC, involves, topicAddress } from './simulated-logs.ts';

/**
 * A standing right the account granted in a simulated block, read from the event the granting
 * contract logged: an operator, a relayer, a credit delegation, an NFT approval. Neither the preview
 * nor the bundle guard can bound what the grantee does with it later, so a plan that grants one is
 * not offered. The functions behind them are many (agent-core/plan/standing-rights.ts refuses the
 * known ones by selector, before anything runs); the events are few, and name the account.
 * An ERC-20 Approval (three topics) is not among them: the preview shows it and the guard holds it.
 */
export type StandingGrant = { contract: Address; grantee: Address | undefined; words: string };

type Rule = {
  /** The event's topic count, with topic0. */
  topics: number;
  /** The topic holding the granting owner; the account's address, or for Euler's EVC its first 19 bytes. */
  owner: number;
  grantee: number;
  /** Whether the grant is given, not taken back (false: an approval set to false or zero). */
  given: (log: Log) => boolean;
  words: string;
};

const wordIsNotZero = (data: Hex, word: number) =>
  hexToBigInt(`0x${data.slice(2 + word * 64, 2 + (word + 1) * 64) || '0'}`) !== 0n;
const given = (word: number) => (log: Log) => wordIsNotZero(log.data, word);

const RULES: Record<Hex, Rule[]> = {
  [toEventSelector('ApprovalForAll(address,address,bool)')]: [
    {
      topics: 3,
      owner: 1,
      grantee: 2,
      given: given(0),
      words: 'lets another address move all its tokens of a kind (ApprovalForAll)',
    },
  ],
  // ERC-721: the token id indexed too.
  [APPROVAL_TOPIC]: [
    {
      topics: 4,
      owner: 1,
      grantee: 2,
      given: (log) => topicAddress(log.topics[2]) !== ZERO,
      words: 'lets another address take one of its NFTs (an ERC-721 Approval)',
    },
  ],
  [toEventSelector('BorrowAllowanceDelegated(address,address,address,uint256)')]: [
    { topics: 4, owner: 1, grantee: 2, given: given(0), words: 'delegates Aave credit (BorrowAllowanceDelegated)' },
  ],
  [toEventSelector('PositionManagerApproved(address,address)')]: [
    {
      topics: 3,
      owner: 1,
      grantee: 2,
      given: () => true,
      words: 'lets another address switch its Aave collateral and e-mode (PositionManagerApproved)',
    },
  ],
  // Permit2: owner, token, spender indexed; amount and expiration in the data.
  [toEventSelector('Approval(address,address,address,uint160,uint48)')]: [
    {
      topics: 4,
      owner: 1,
      grantee: 3,
      given: given(0),
      words: "lets another address spend its tokens through Permit2's allowances",
    },
  ],
  [toEventSelector('SetAuthorization(address,address,address,bool)')]: [
    {
      topics: 4,
      owner: 2,
      grantee: 3,
      given: given(0),
      words: 'lets another address act for it on Morpho (SetAuthorization)',
    },
  ],
  [toEventSelector('RelayerApprovalChanged(address,address,bool)')]: [
    {
      topics: 3,
      owner: 2,
      grantee: 1,
      given: given(0),
      words: "lets a relayer act for it in Balancer's vault (RelayerApprovalChanged)",
    },
  ],
  // ERC-6909: an allowance of one token id (Uniswap v4's claims, for one), and an operator of all.
  [toEventSelector('Approval(address,address,uint256,uint256)')]: [
    {
      topics: 4,
      owner: 1,
      grantee: 2,
      given: given(0),
      words: 'lets another address spend one of its ERC-6909 balances (Approval)',
    },
  ],
  [toEventSelector('OperatorSet(address,address,bool)')]: [
    {
      topics: 3,
      owner: 1,
      grantee: 2,
      given: given(0),
      words: 'makes another address an operator of all its tokens (ERC-6909 OperatorSet)',
    },
  ],
  // Euler's EVC: an operator for the account's address prefix (bytes19, left-aligned in the topic).
  [toEventSelector('OperatorStatus(bytes19,address,uint256)')]: [
    {
      topics: 3,
      owner: -1,
      grantee: 2,
      given: given(0),
      words: "makes another address an operator of its accounts in Euler's EVC (OperatorStatus)",
    },
  ],
};

const ZERO = '0x0000000000000000000000000000000000000000';

/** The standing rights `account` granted in `logs` (a simulated block's), in order. */
export function standingGrants(logs: readonly Log[], account: Address): StandingGrant[] {
  const grants: StandingGrant[] = [];
  for (const log of logs) {
    for (const rule of RULES[log.topics[0] as Hex] ?? []) {
      if (log.topics.length !== rule.topics) continue;
      const owned =
        rule.owner === -1
          ? (log.topics[1] ?? '').toLowerCase().startsWith(account.slice(0, 40).toLowerCase())
          : involves(log.topics[rule.owner], account);
      if (!owned || !rule.given(log)) continue;
      grants.push({ contract: log.address, grantee: topicAddress(log.topics[rule.grantee]), words: rule.words });
    }
  }
  return grants;
}
