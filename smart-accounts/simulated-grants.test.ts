import { type Address, encodeAbiParameters, encodeEventTopics, type Hex, type Log, parseAbi, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { standingGrants } from './simulated-grants.ts';

const ACCOUNT: Address = '0x1111111111111111111111111111111111111111';
const OTHER: Address = '0x2222222222222222222222222222222222222222';
const GRANTEE: Address = '0x3333333333333333333333333333333333333333';
const CONTRACT: Address = '0x4444444444444444444444444444444444444444';

const EVENTS = parseAbi([
  'event ApprovalForAll(address indexed owner, address indexed operator, bool approved)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
  'event BorrowAllowanceDelegated(address indexed fromUser, address indexed toUser, address indexed asset, uint256 amount)',
  'event SetAuthorization(address indexed caller, address indexed authorizer, address indexed authorized, bool newIsAuthorized)',
  'event RelayerApprovalChanged(address indexed relayer, address indexed sender, bool approved)',
  'event OperatorSet(address indexed owner, address indexed spender, bool approved)',
  'event PositionManagerApproved(address indexed user, address indexed positionManager)',
]);
const ERC721_APPROVAL = parseAbi([
  'event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId)',
]);
const PERMIT2_APPROVAL = parseAbi([
  'event Approval(address indexed owner, address indexed token, address indexed spender, uint160 amount, uint48 expiration)',
]);
const ERC6909_APPROVAL = parseAbi([
  'event Approval(address indexed owner, address indexed spender, uint256 indexed id, uint256 amount)',
]);
const EVC = parseAbi([
  'event OperatorStatus(bytes19 indexed addressPrefix, address indexed operator, uint256 accountOperatorAuthorized)',
]);

const log = (topics: readonly unknown[], data: Hex = '0x'): Log =>
  ({ address: CONTRACT, topics: topics as [Hex, ...Hex[]], data }) as unknown as Log;
const word = (value: bigint | boolean) => encodeAbiParameters([{ type: 'uint256' }], [BigInt(value)]);

describe('standingGrants: rights the account grants, read from a simulated block’s events', () => {
  it('finds each kind of grant by the account, naming the contract and the grantee', () => {
    const logs = [
      log(
        encodeEventTopics({ abi: EVENTS, eventName: 'ApprovalForAll', args: { owner: ACCOUNT, operator: GRANTEE } }),
        word(true),
      ),
      log(
        encodeEventTopics({
          abi: ERC721_APPROVAL,
          eventName: 'Approval',
          args: { owner: ACCOUNT, approved: GRANTEE, tokenId: 7n },
        }),
      ),
      log(
        encodeEventTopics({
          abi: EVENTS,
          eventName: 'BorrowAllowanceDelegated',
          args: { fromUser: ACCOUNT, toUser: GRANTEE, asset: OTHER },
        }),
        word(100n),
      ),
      log(
        encodeEventTopics({
          abi: EVENTS,
          eventName: 'SetAuthorization',
          args: { caller: ACCOUNT, authorizer: ACCOUNT, authorized: GRANTEE },
        }),
        word(true),
      ),
      log(
        encodeEventTopics({
          abi: EVENTS,
          eventName: 'RelayerApprovalChanged',
          args: { relayer: GRANTEE, sender: ACCOUNT },
        }),
        word(true),
      ),
      log(
        encodeEventTopics({ abi: EVENTS, eventName: 'OperatorSet', args: { owner: ACCOUNT, spender: GRANTEE } }),
        word(true),
      ),
      log(
        encodeEventTopics({
          abi: EVENTS,
          eventName: 'PositionManagerApproved',
          args: { user: ACCOUNT, positionManager: GRANTEE },
        }),
      ),
      log(
        encodeEventTopics({
          abi: PERMIT2_APPROVAL,
          eventName: 'Approval',
          args: { owner: ACCOUNT, token: OTHER, spender: GRANTEE },
        }),
        encodeAbiParameters([{ type: 'uint160' }, { type: 'uint48' }], [5n, 10_000]),
      ),
      log(
        encodeEventTopics({
          abi: EVC,
          eventName: 'OperatorStatus',
          args: { addressPrefix: ACCOUNT.slice(0, 40) as Hex, operator: GRANTEE },
        }),
        word(1n),
      ),
    ];
    logs.push(
      log(
        encodeEventTopics({
          abi: ERC6909_APPROVAL,
          eventName: 'Approval',
          args: { owner: ACCOUNT, spender: GRANTEE, id: 3n },
        }),
        word(10n),
      ),
    );
    const grants = standingGrants(logs, ACCOUNT);
    expect(grants.map((g) => g.words)).toEqual([
      'lets another address move all its tokens of a kind (ApprovalForAll)',
      'lets another address take one of its NFTs (an ERC-721 Approval)',
      'delegates Aave credit (BorrowAllowanceDelegated)',
      'lets another address act for it on Morpho (SetAuthorization)',
      "lets a relayer act for it in Balancer's vault (RelayerApprovalChanged)",
      'makes another address an operator of all its tokens (ERC-6909 OperatorSet)',
      'lets another address switch its Aave collateral and e-mode (PositionManagerApproved)',
      "lets another address spend its tokens through Permit2's allowances",
      "makes another address an operator of its accounts in Euler's EVC (OperatorStatus)",
      'lets another address spend one of its ERC-6909 balances (Approval)',
    ]);
    for (const grant of grants) expect(grant).toMatchObject({ contract: CONTRACT, grantee: GRANTEE });
  });

  it('leaves out ERC-20 approvals (the preview and the guard hold them), revocations, and grants by someone else', () => {
    const logs = [
      log(
        encodeEventTopics({ abi: EVENTS, eventName: 'Approval', args: { owner: ACCOUNT, spender: GRANTEE } }),
        word(5n),
      ),
      log(
        encodeEventTopics({ abi: EVENTS, eventName: 'ApprovalForAll', args: { owner: ACCOUNT, operator: GRANTEE } }),
        word(false),
      ),
      log(
        encodeEventTopics({
          abi: ERC721_APPROVAL,
          eventName: 'Approval',
          args: { owner: ACCOUNT, approved: zeroAddress, tokenId: 7n },
        }),
      ),
      log(
        encodeEventTopics({
          abi: EVENTS,
          eventName: 'BorrowAllowanceDelegated',
          args: { fromUser: ACCOUNT, toUser: GRANTEE, asset: OTHER },
        }),
        word(0n),
      ),
      log(
        encodeEventTopics({ abi: EVENTS, eventName: 'ApprovalForAll', args: { owner: OTHER, operator: GRANTEE } }),
        word(true),
      ),
      log(
        encodeEventTopics({
          abi: EVENTS,
          eventName: 'SetAuthorization',
          args: { caller: ACCOUNT, authorizer: OTHER, authorized: GRANTEE },
        }),
        word(true),
      ),
      log(
        encodeEventTopics({
          abi: EVC,
          eventName: 'OperatorStatus',
          args: { addressPrefix: OTHER.slice(0, 40) as Hex, operator: GRANTEE },
        }),
        word(1n),
      ),
    ];
    expect(standingGrants(logs, ACCOUNT)).toEqual([]);
  });
});
