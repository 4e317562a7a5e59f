import { type Address, type Hex, isAddress, type PublicClient } from 'viem';
import { z } from 'zod';
import type { Chain, Token } from '../../common/chains/types.ts';
import { type IntentAction, isIntentAction, READ_ONLY_ACTIONS } from '../../common/intent-actions.ts';
import { SkillDefinitionError } from './errors.ts';
import type { ResolvedIntent } from './intent-input.ts';
import { type ContractPermission, parsePermissions } from './permissions.ts';

/** The address that stands for the chain's native ETH in bounds and approvals (the common 0xEeee… convention). */
export const NATIVE_TOKEN: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE';

/** One call a skill asks the account to make. */
export type SkillCall = { to: Address; value: bigint; data: Hex };

/** An amount of one asset, in its smallest unit; `token` is NATIVE_TOKEN for ETH. */
export type AssetAmount = { token: Address; amount: bigint };

/**
 * What the calls may do to the account's assets: it gives at most `gives`, and receives at least
 * `receives`. Simulation checks the real deltas against these before anything is signed.
 *
 * Everything else that lets value leave the user's control is declared here too, so the policy can
 * count it (agent-core/policy/value-flow.ts): a third party the gives are paid to (`payee`), an
 * allowance the calls leave standing (`allowances`: an explicit approve; not the exact approvals the
 * planner inserts for the skill itself, which are `SkillBuild.approvals`), debt taken (`debt`),
 * supplied funds taken out of a position (`withdrawals`), and the health factor the position moves
 * to (`healthFactor`, 18 decimals; undefined = no debt, infinite).
 */
export type AssetBounds = {
  gives: AssetAmount[];
  receives: AssetAmount[];
  payee?: Address;
  allowances?: Approval[];
  debt?: AssetAmount[];
  withdrawals?: AssetAmount[];
  healthFactor?: { before: bigint | undefined; after: bigint | undefined };
  /**
   * What the calls send to the account on another chain (a bridge): at least `amount` of `token` there,
   * by `deadline` (unix seconds). Nothing arrives on this chain for it; the gives still count here.
   */
  arrives?: Arrival[];
};

/** Value the account receives on another chain: at least `amount` of `token` (an address there) by `deadline`. */
export type Arrival = {
  chainId: number;
  chain: string;
  token: Address;
  symbol: string;
  amount: bigint;
  deadline: number;
};

/** An ERC-20 allowance the calls need beforehand; the planner inserts it with `erc20/approve`, exactly. */
export type Approval = { token: Address; spender: Address; amount: bigint };

export type SkillBuild = {
  calls: SkillCall[];
  bounds: AssetBounds;
  approvals: Approval[];
  /** One line for the preview, e.g. "Swap 100 USDC for at least 0.0331 WETH on Uniswap V3 (0.05%)". */
  summary: string;
};

/** A read-only answer: a quote before acting, or the result of a read-only skill. */
export type SkillReading = { summary: string; values: Record<string, string> };

/** What a skill may use: the chain and its contracts, the account it builds for, and a read client. */
export type SkillContext = {
  chain: Chain;
  account: Address;
  client: PublicClient;
  /** A token by symbol (from the chain's token list, case-insensitive; "ETH" is native) or by address,
   *  with its decimals read from the chain. Unknown or ambiguous symbols throw a SkillError. A symbol
   *  only ever names a listed token; an unlisted token is found by its address alone (`listed: false`). */
  token(symbolOrAddress: string): Promise<Token>;
  /** Unlisted tokens the user named by address in this request: `token-list` permissions cover them too. */
  userTokens?: readonly Address[];
  /** A contract by its name in the chain's contracts ('weth', 'uniswapV3.swapRouter02', 'aaveV3.pool'). */
  contract(name: string): Address;
  /** Another chain this runtime knows, by slug (a bridge's destination: its id, contracts and token list);
   *  undefined when it knows none by that name. */
  otherChain?(slug: string): Chain | undefined;
  /** A read client on another chain this runtime knows, by slug; undefined when it cannot read it. */
  otherClient?(slug: string): PublicClient | undefined;
};

type SkillFields<Input extends z.ZodType> = {
  /** `protocol/action`, lower case: `uniswap-v3/swap`. */
  id: string;
  /** Semantic version; a published version never changes. */
  version: string;
  title: string;
  /** What it does, for people and for the LLM's tool description. */
  description: string;
  /** Lower-case protocol slug, as in intents (`uniswap`, `aave`) or the token standard (`erc20`, `native`). */
  protocol: string;
  /** Who wrote it; usage pays this address from the emissions' code bucket. */
  author: Address;
  /** The canonical intent actions it serves. */
  actions: IntentAction[];
  /** Chain slugs it supports. */
  chains: string[];
  /** A zod schema; its `.describe()` texts become the JSON Schema the LLM sees. */
  input: Input;
  /** Per chain slug (or '*' for every chain in `chains`): what it may call. */
  contracts: Record<string, ContractPermission[]>;
  /**
   * How an intent the planner resolved (names to addresses, "half" or "$50 of" to a number) becomes
   * this skill's input. Leave it out when the input's fields carry the intent's names (`token`,
   * `amount`, `recipient`, …; `amountIn` takes a swap's amount): they are filled by name, and a part
   * of the request the input has no field for is refused, never dropped (sdk/intent-input.ts).
   */
  fromIntent?(intent: ResolvedIntent): z.input<Input>;
};

export type ActionSkillDefinition<Input extends z.ZodType> = SkillFields<Input> & {
  build(input: z.output<Input>, ctx: SkillContext): Promise<SkillBuild>;
  quote?(input: z.output<Input>, ctx: SkillContext): Promise<SkillReading>;
};

export type ReadSkillDefinition<Input extends z.ZodType> = SkillFields<Input> & {
  read(input: z.output<Input>, ctx: SkillContext): Promise<SkillReading>;
};

/** A skill as the runtime holds it: an action skill (builds calls) or a read-only one. */
export type Skill =
  | (ActionSkillDefinition<z.ZodType> & { kind: 'action' })
  | (ReadSkillDefinition<z.ZodType> & { kind: 'read' });

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/;
const SEMVER_PATTERN = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/**
 * Defines a skill and checks it against the SDK's rules at once, so a mistake (an unknown action, a
 * malformed function signature) fails where it is written, not when a user first asks for it.
 */
export function defineSkill<Input extends z.ZodType>(
  definition: ActionSkillDefinition<Input> | ReadSkillDefinition<Input>,
): Skill {
  const fail = (message: string) => {
    throw new SkillDefinitionError(`Skill ${definition.id ?? '(no id)'}: ${message}`);
  };
  if (!ID_PATTERN.test(definition.id ?? '')) fail('the id must be "protocol/action" in lower case.');
  if (!SEMVER_PATTERN.test(definition.version ?? '')) fail(`"${definition.version}" is not a semantic version.`);
  if (!definition.title || !definition.description) fail('a title and a description are required.');
  if (!/^[a-z0-9-]+$/.test(definition.protocol ?? '')) fail('the protocol must be a lower-case slug.');
  if (!isAddress(definition.author ?? '', { strict: false })) fail('the author must be an address.');
  if (!definition.actions?.length) fail('it must serve at least one intent action.');
  for (const action of definition.actions) if (!isIntentAction(action)) fail(`"${action}" is not an intent action.`);
  if (!definition.chains?.length) fail('it must support at least one chain.');
  if (!(definition.input instanceof z.ZodType)) fail('the input must be a zod schema.');
  if (definition.fromIntent !== undefined && typeof definition.fromIntent !== 'function') {
    fail('fromIntent must be a function from the resolved intent to the input.');
  }
  for (const [chain, permissions] of Object.entries(definition.contracts ?? {})) {
    if (chain !== '*' && !definition.chains.includes(chain))
      fail(`contracts are declared for "${chain}", which is not in its chains.`);
    try {
      parsePermissions(permissions);
    } catch (error) {
      fail(`contracts on ${chain}: ${(error as Error).message}`);
    }
  }
  const isRead = 'read' in definition && typeof definition.read === 'function';
  const isAction = 'build' in definition && typeof definition.build === 'function';
  if (isRead === isAction) fail('it must have exactly one of `build` (an action) or `read` (read-only).');
  const readOnly = definition.actions.every((action) => READ_ONLY_ACTIONS.includes(action));
  if (isRead !== readOnly) fail('read-only actions (balance, price, total_supply) take `read`; all others `build`.');
  return isRead
    ? { ...(definition as ReadSkillDefinition<z.ZodType>), kind: 'read' }
    : { ...(definition as ActionSkillDefinition<z.ZodType>), kind: 'action' };
}
