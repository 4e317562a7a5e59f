import {
  type Address,
  decodeFunctionData,
  type Hex,
  isAddress,
  isAddressEqual,
  parseAbi,
  size,
  slice,
  toFunctionSelector,
} from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import { SkillRefusedError } from './errors.ts';
import { declarationKeysFor } from './serves-chain.ts';

/**
 * What a skill may call on a chain. `contract` is one of:
 * - a name from the chain's contracts: `weth`, `uniswapV3.swapRouter02`, `aaveV3.pool`, ...;
 * - `token-list`: any token on the chain's token list, or an unlisted one the user named by its address
 *   in this request (never an address of the skill's own choosing);
 * - `any`: any address, for plain ETH transfers only (no calldata, `functions` empty);
 * - a 0x address.
 * `functions` are Solidity signatures, `transfer(address,uint256)`; `payable` allows ETH value.
 */
export type ContractPermission = { contract: string; functions: string[]; payable?: boolean };

export type ParsedPermission = {
  contract: string;
  functions: { signature: string; selector: Hex }[];
  payable: boolean;
};

const SIGNATURE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*\((?:[a-z0-9[\](),]*)\)$/;

/** Checks the declared signatures and computes their selectors. */
export function parsePermissions(permissions: readonly ContractPermission[]): ParsedPermission[] {
  return permissions.map((permission) => {
    if (!permission.contract) throw new Error('each entry needs a contract.');
    if (permission.contract === 'any' && permission.functions.length > 0) {
      throw new Error('"any" allows plain ETH transfers only; it takes no functions.');
    }
    return {
      contract: permission.contract,
      payable: permission.payable === true,
      functions: permission.functions.map((signature) => {
        if (!SIGNATURE_PATTERN.test(signature)) throw new Error(`"${signature}" is not a function signature.`);
        return { signature, selector: toFunctionSelector(signature) };
      }),
    };
  });
}

/** Resolves a contract name against the chain; undefined when the chain does not have it. */
export function contractByName(chain: Chain, name: string): Address | undefined {
  if (isAddress(name, { strict: false })) return name as Address;
  let value: unknown = chain.contracts;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' && isAddress(value, { strict: false }) ? (value as Address) : undefined;
}

/** The permissions a manifest declares for `chain` (its own entry plus '*'; `devnet`'s on every devnet chain). */
export function permissionsOn(
  contracts: Readonly<Record<string, readonly ContractPermission[]>>,
  chain: Chain,
): ParsedPermission[] {
  return parsePermissions(declarationKeysFor(chain.slug).flatMap((key) => contracts[key] ?? []));
}

const MULTICALL_ABI = parseAbi([
  'function multicall(uint256 deadline, bytes[] data) payable returns (bytes[])',
  'function multicall(bytes[] data) payable returns (bytes[])',
]);
const MULTICALL_SELECTORS = new Set(MULTICALL_ABI.map((item) => toFunctionSelector(item)));

type Call = { to: Address; value?: bigint; data?: Hex };

/**
 * Refuses the whole plan when any call targets a contract or a function the skill's manifest does
 * not declare on this chain, or sends ETH where it may not. A `multicall` into a declared contract is
 * opened, and every call inside it must be declared too (the router calls itself with each).
 */
export function assertCallsDeclared(
  skillId: string,
  contracts: Readonly<Record<string, readonly ContractPermission[]>>,
  chain: Chain,
  calls: readonly Call[],
  /** Unlisted tokens the user named by address (SkillContext.userTokens): `token-list` covers them too. */
  userTokens: readonly Address[] = [],
): void {
  const permissions = permissionsOn(contracts, chain);
  calls.forEach((call, index) => {
    const where = `call ${index + 1} of ${calls.length}`;
    const refuse = (message: string): never => {
      throw new SkillRefusedError(skillId, 'undeclared-call', `${skillId} was refused: ${where} ${message}`, {
        hint: 'A skill may call only the contracts and functions its audited manifest declares; the whole plan is refused.',
      });
    };
    const data = call.data ?? '0x';
    const matching = permissions.filter((permission) => targets(permission.contract, call.to, chain, userTokens));
    if (matching.length === 0) refuse(`goes to ${call.to}, which it does not declare on ${chain.slug}.`);
    if ((call.value ?? 0n) > 0n && !matching.some((permission) => permission.payable)) {
      refuse(`sends ETH to ${call.to}, which it does not declare as payable.`);
    }
    if (size(data) === 0) {
      if (!matching.some((permission) => permission.contract === 'any' || permission.payable)) {
        refuse(`sends a plain transfer to ${call.to}, which it does not declare.`);
      }
      return;
    }
    if (size(data) < 4) refuse(`carries ${size(data)} bytes of calldata, not a function call.`);
    const selector = slice(data, 0, 4);
    const allowed = new Set(matching.flatMap((permission) => permission.functions.map((f) => f.selector)));
    if (!allowed.has(selector)) refuse(`calls ${selector} on ${call.to}, a function it does not declare.`);
    if (MULTICALL_SELECTORS.has(selector)) {
      let inner: readonly Hex[] = [];
      try {
        const decoded = decodeFunctionData({ abi: MULTICALL_ABI, data });
        inner = decoded.args.length === 2 ? decoded.args[1] : decoded.args[0];
      } catch {
        refuse(`calls multicall on ${call.to} with calldata that does not decode.`);
      }
      for (const innerData of inner) {
        const innerSelector = size(innerData) >= 4 ? slice(innerData, 0, 4) : '0x';
        if (!allowed.has(innerSelector as Hex) || MULTICALL_SELECTORS.has(innerSelector as Hex)) {
          refuse(`calls ${innerSelector} inside a multicall on ${call.to}, a function it does not declare.`);
        }
      }
    }
  });
}

function targets(contract: string, to: Address, chain: Chain, userTokens: readonly Address[]): boolean {
  if (contract === 'any') return true;
  if (contract === 'token-list') {
    return (
      chain.tokens.some((token) => isAddressEqual(token.address, to)) ||
      userTokens.some((token) => isAddressEqual(token, to))
    );
  }
  const address = contractByName(chain, contract);
  return address !== undefined && isAddressEqual(address, to);
}
