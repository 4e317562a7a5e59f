import type { IntentAction } from '../../../common/intent-actions.ts';
import { type Derivation, PhraseTable, type ProtocolKind, type TokenEntry } from './lexicon.ts';

/**
 * The verbs people use for each action, before the context decides the action: "deposit" is a
 * supply into Aave, a stake into Lido, liquidity into Curve, and a wrap when ETH becomes WETH.
 */
export type Verb =
  | 'swap'
  | 'sell'
  | 'buy'
  | 'convert'
  | 'send'
  | 'move'
  | 'deposit'
  | 'invest'
  | 'withdraw'
  | 'redeem'
  | 'close'
  | 'mint'
  | 'borrow'
  | 'repay'
  | 'stake'
  | 'unstake'
  | 'wrap'
  | 'unwrap'
  | 'approve'
  | 'revoke'
  | 'bridge'
  | 'addLiquidity'
  | 'removeLiquidity'
  | 'claim'
  | 'balance'
  | 'price'
  | 'totalSupply'
  | 'howMuch';

/**
 * 0: a verb that starts a request ("swap", "send"); 1: a question's cue, used when a clause has no
 * verb ("balance", "price"); 2: a weaker verb ("get", "take"); 3: the weakest ("check", "show").
 */
export type VerbStrength = 0 | 1 | 2 | 3;
export type VerbEntry = { verb: Verb; strength: VerbStrength };

const VERB_NAMES: Record<Verb, string[]> = {
  swap: [
    'swap',
    'swaps',
    'swapping',
    'swop',
    'trade',
    'trades',
    'trading',
    'exchange',
    'exchanging',
    'flip',
    'switch',
    'rotate',
  ],
  sell: ['sell', 'sells', 'selling', 'dump', 'dumping', 'offload', 'market sell'],
  buy: ['buy', 'buys', 'buying', 'purchase', 'purchasing', 'acquire', 'ape into', 'ape in', 'market buy'],
  convert: ['convert', 'converting', 'conversion'],
  send: [
    'send',
    'sending',
    'transfer',
    'transferring',
    'transfers',
    'xfer',
    'pay',
    'paying',
    'give',
    'tip',
    'forward',
    'dispatch',
    'remit',
    'disburse',
    'disbursement',
    'wire',
    'gift',
    'transmit',
    'shoot',
    'return',
  ],
  move: ['move', 'moving', 'shift', 'migrate'],
  deposit: [
    'supply',
    'supplying',
    'deposit',
    'depositing',
    'deposits',
    'lend',
    'lending',
    'put',
    'place',
    'park',
    'save',
    'add',
    'adding',
    'provide',
    'providing',
    'collateralize',
    'collateralise',
    'allocate',
  ],
  invest: ['invest', 'investing'],
  withdraw: [
    'withdraw',
    'withdrawal',
    'withdrawing',
    'withdraws',
    'take out',
    'pull out',
    'pull',
    'remove',
    'removing',
    'cash out',
    'retrieve',
    'exit',
  ],
  redeem: ['redeem', 'redeeming', 'redemption', 'burn', 'burning'],
  close: ['close', 'closing', 'close out', 'unwind'],
  mint: ['mint', 'minting'],
  borrow: ['borrow', 'borrowing', 'take a loan', 'take out a loan', 'get a loan', 'open a loan', 'take loan'],
  repay: [
    'repay',
    'repaying',
    'repayment',
    'pay back',
    'pay off',
    'pay down',
    'payback',
    'payoff',
    'settle',
    'settling',
  ],
  stake: ['stake', 'staking', 'restake', 'restaking', 'liquid stake', 'delegate', 'delegating'],
  unstake: ['unstake', 'unstaking', 'un-stake', 'unbond', 'unbonding', 'undelegate', 'unrestake', 'unrestaking'],
  wrap: ['wrap', 'wrapping'],
  unwrap: ['unwrap', 'unwrapping', 'un-wrap'],
  approve: [
    'approve',
    'approving',
    'allow',
    'allowing',
    'authorize',
    'authorise',
    'permit',
    'grant',
    'give approval',
    'give permission',
    'give allowance',
    'set allowance',
    'set approval',
  ],
  revoke: ['revoke', 'revoking', 'remove approval', 'remove allowance'],
  bridge: ['bridge', 'bridging', 'bridges', 'bridged', 'port', 'teleport', 'cross chain', 'crosschain'],
  addLiquidity: [
    'add liquidity',
    'provide liquidity',
    'supply liquidity',
    'deposit liquidity',
    'add lp',
    'become an lp',
  ],
  removeLiquidity: [
    'remove liquidity',
    'withdraw liquidity',
    'pull liquidity',
    'remove lp',
    'withdraw lp',
    'exit lp',
    'unpool',
  ],
  claim: ['claim', 'claiming', 'harvest', 'harvesting', 'collect', 'collecting'],
  balance: [],
  price: [],
  totalSupply: ['total supply', 'circulating supply', 'max supply', 'maximum supply', 'token supply'],
  howMuch: [],
};

/** Cues of a question, used when no verb names the action ("my balance", "ETH price"). */
const QUESTION_NAMES: [string, Verb][] = [
  ['balance', 'balance'],
  ['balances', 'balance'],
  ['holdings', 'balance'],
  ['portfolio', 'balance'],
  ['price', 'price'],
  ['prices', 'price'],
  ['worth', 'price'],
  ['quote', 'price'],
  ['exchange rate', 'price'],
  ['in usd', 'price'],
  ['in dollars', 'price'],
  ['trading at', 'price'],
  ['how much', 'howMuch'],
  ['how many', 'howMuch'],
  ['in circulation', 'totalSupply'],
  ['what do i have', 'balance'],
  ['what do i own', 'balance'],
  ['what do i hold', 'balance'],
  ["what's in my wallet", 'balance'],
  ['what is in my wallet', 'balance'],
  ['my assets', 'balance'],
  ['net worth', 'balance'],
];

/** Verbs too common to start a request on their own ("get USDC", "take 5 DAI out of Aave"). */
const WEAK_NAMES: [string, Verb][] = [
  ['get', 'buy'],
  ['get me', 'buy'],
  ['gimme', 'buy'],
  ['want', 'buy'],
  ['need', 'buy'],
  ['give me', 'buy'],
  ['send me', 'buy'],
  ['pay with', 'buy'],
  ['paying with', 'buy'],
  ['pay using', 'buy'],
  ['pay in', 'buy'],
  ['grab', 'buy'],
  ['pick up', 'buy'],
  ['tx', 'send'],
  ['turn', 'convert'],
  ['change', 'convert'],
  ['take', 'withdraw'],
  ['loan', 'borrow'],
  ['earn', 'deposit'],
  ['farm', 'deposit'],
  ['approval', 'approve'],
  ['allowance', 'approve'],
  ['pool', 'addLiquidity'],
  ['rate', 'price'],
  ['lp', 'addLiquidity'],
];

const WEAKEST_NAMES: [string, Verb][] = [
  ['check', 'balance'],
  ['show', 'balance'],
];

export const VERBS = new PhraseTable<VerbEntry>();
for (const [verb, names] of Object.entries(VERB_NAMES) as [Verb, string[]][]) {
  for (const name of names) VERBS.add(name, { verb, strength: 0 });
}
for (const [name, verb] of QUESTION_NAMES) VERBS.add(name, { verb, strength: 1 });
for (const [name, verb] of WEAK_NAMES) VERBS.add(name, { verb, strength: 2 });
for (const [name, verb] of WEAKEST_NAMES) VERBS.add(name, { verb, strength: 3 });

/** The verbs that only read the chain: they may start a clause of their own without a strong verb. */
export const READ_VERBS: ReadonlySet<Verb> = new Set<Verb>(['balance', 'price', 'totalSupply', 'howMuch']);

const ENTRY: Record<Derivation, IntentAction> = { wrap: 'wrap', stake: 'stake', supply: 'supply' };
const EXIT: Record<Derivation, IntentAction> = { wrap: 'unwrap', stake: 'unstake', supply: 'withdraw' };

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Whether `to` is made from `from` (entry: ETH → WETH) or the reverse (exit: sDAI → DAI). */
export function conversion(
  from: TokenEntry | undefined,
  to: TokenEntry | undefined,
): { direction: 'entry' | 'exit'; action: IntentAction; derivation: Derivation } | undefined {
  if (!from || !to) return undefined;
  if (to.derivation && same(to.underlying, from.symbol)) {
    return { direction: 'entry', action: ENTRY[to.derivation], derivation: to.derivation };
  }
  if (from.derivation && same(from.underlying, to.symbol)) {
    return { direction: 'exit', action: EXIT[from.derivation], derivation: from.derivation };
  }
  return undefined;
}

/** What the rest of the clause says, as far as choosing the action needs it. */
export type ActionContext = {
  /** The kind of the protocol the clause names, if any. */
  protocolKind?: ProtocolKind | undefined;
  /** The token given and the token wanted, when the clause names them ("convert ETH to WETH"). */
  source?: TokenEntry | undefined;
  target?: TokenEntry | undefined;
  /** The clause speaks of liquidity or LP positions. */
  liquidity: boolean;
  /** The clause speaks of an NFT (a collection, "nft", "#1234", "token id"). */
  nft: boolean;
  /** A chain follows "to" and no recipient is given: "send 1 ETH to Base". */
  toChain: boolean;
  recipient: boolean;
  /** The clause speaks of a loan or debt ("pay my debt", "pay it back"). */
  debt: boolean;
};

/** The action a verb means in its clause. */
export function resolveAction(verb: Verb, context: ActionContext): IntentAction | undefined {
  const { protocolKind: kind, source, target } = context;
  const converted = conversion(source, target);
  const into = (): IntentAction => {
    if (kind === 'staking') return 'stake';
    if (kind === 'dex') return 'add_liquidity';
    if (kind === 'lending' || kind === 'vault') return 'supply';
    if (converted?.direction === 'entry') return converted.action;
    if (context.liquidity) return 'add_liquidity';
    return 'supply';
  };
  const outOf = (redeeming: boolean): IntentAction => {
    if (kind === 'staking') return 'unstake';
    if (kind === 'dex') return 'remove_liquidity';
    if (kind === 'lending' || kind === 'vault') return 'withdraw';
    if (converted?.direction === 'exit') return converted.action;
    if (redeeming && source?.derivation) return EXIT[source.derivation];
    if (context.liquidity) return 'remove_liquidity';
    return 'withdraw';
  };
  switch (verb) {
    case 'swap':
    case 'sell':
    case 'buy':
      // Trading ETH for WETH is wrapping it; trading rETH back to ETH "through Rocket Pool" is unstaking.
      if (kind !== 'dex' && converted?.derivation === 'wrap') return converted.action;
      if ((kind === 'staking' || kind === 'lending') && converted) return converted.action;
      return 'swap';
    case 'convert':
      if (converted) return converted.action;
      return 'swap';
    case 'mint':
      if (converted?.direction === 'entry') return converted.action;
      // "mint 1000 DAI on Maker using ETH": a stablecoin minted against collateral is borrowed.
      return kind === 'lending' ? 'borrow' : into();
    case 'invest':
      return kind || !target ? into() : 'swap';
    case 'send':
      if (context.nft) return 'transfer_nft';
      if (context.toChain && !context.recipient) return 'bridge';
      return 'transfer';
    case 'move':
      if (context.nft) return 'transfer_nft';
      if (context.toChain && !context.recipient) return 'bridge';
      if (kind && kind !== 'bridge') return into();
      return 'transfer';
    case 'deposit':
      // "deposit 1 ETH to Arbitrum": to a chain, with no protocol named, is a bridge.
      if (context.toChain && !kind && !context.recipient) return 'bridge';
      return into();
    case 'withdraw':
      // "withdraw 0.5 ETH from Arbitrum to Ethereum": from one chain to another.
      if (context.toChain && !kind && !context.recipient) return 'bridge';
      return outOf(false);
    case 'redeem':
      return outOf(true);
    case 'close':
      if (context.debt) return 'repay';
      return outOf(true);
    case 'stake':
      return kind === 'lending' || kind === 'vault' ? 'supply' : 'stake';
    case 'unstake':
      return kind === 'lending' || kind === 'vault' ? 'withdraw' : 'unstake';
    case 'borrow':
      return 'borrow';
    case 'repay':
      return 'repay';
    case 'wrap':
      // "wrap my ETH with Lido": staking, said loosely.
      return kind === 'staking' ? 'stake' : 'wrap';
    case 'unwrap':
      return 'unwrap';
    case 'approve':
    case 'revoke':
      return 'approve';
    case 'bridge':
      return 'bridge';
    case 'addLiquidity':
      return 'add_liquidity';
    case 'removeLiquidity':
      return 'remove_liquidity';
    case 'claim':
      return 'claim_rewards';
    case 'balance':
      return 'balance';
    case 'price':
      return 'price';
    case 'totalSupply':
      return 'total_supply';
    case 'howMuch':
      return undefined;
  }
}

/**
 * Requests outside the intent schema, and why they cannot be done: the parser says so rather than
 * guess an action.
 */
const UNSUPPORTED: [RegExp, string][] = [
  [
    /\b(?:leverage[d]?|perps?|perpetuals?|futures|margin|(?:go|open(?: a)?|\d+x)\s+(?:long|short)|^(?:long|short)\b)/,
    'Leveraged, margin and perpetual trading are not supported.',
  ],
  [/\b(?:vote|voting|governance|proposal)\b/, 'Governance voting is not supported.'],
  [/^(?:lock|vote-?escrow)\b|\bve(?:crv|bal|cake)\b/, 'Locking tokens for voting power is not supported.'],
];

/** Why a request the schema has no action for cannot be done; undefined when it is not one of those. */
export function unsupportedRequest(words: readonly string[]): string | undefined {
  const text = words.join(' ');
  return UNSUPPORTED.find(([pattern]) => pattern.test(text))?.[1];
}
