import { type Abi, decodeErrorResult, type Hex, isHex, parseAbi } from 'viem';

/**
 * Errors a bundle's revert data may carry, outermost first: SimpleAccount's ExecuteError wraps the
 * failing call of a batch; the rest are what tokens and protocols commonly revert with.
 */
const KNOWN_ERRORS: Abi = parseAbi([
  'error ExecuteError(uint256 index, bytes reason)',
  'error FailedOp(uint256 opIndex, string reason)',
  'error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner)',
  'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
  'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
  'error ERC20InvalidReceiver(address receiver)',
  'error SafeERC20FailedOperation(address token)',
]);

const PANICS: Record<number, string> = {
  1: 'assertion failed',
  17: 'arithmetic overflow or underflow',
  18: 'division by zero',
  33: 'invalid enum value',
  50: 'array index out of bounds',
  65: 'out of memory',
  81: 'call to an uninitialised function',
};

/** Revert data in words: "call 2 of 3 (to 0x…) failed: ERC20: transfer amount exceeds balance". */
export function describeRevert(data: Hex | undefined, calls?: readonly { to: string }[]): string {
  if (!data || data === '0x') return 'reverted without a reason';
  try {
    const decoded = decodeErrorResult({ abi: KNOWN_ERRORS, data });
    const args = (decoded.args ?? []) as readonly unknown[];
    switch (decoded.errorName) {
      case 'Error':
        return String(args[0]);
      case 'Panic': {
        const code = Number(args[0]);
        return `panic 0x${code.toString(16)} (${PANICS[code] ?? 'unknown panic'})`;
      }
      case 'ExecuteError': {
        const index = Number(args[0]);
        const target = calls?.[index]?.to;
        const position = calls ? `call ${index + 1} of ${calls.length}` : `call ${index + 1}`;
        return `${position}${target ? ` (to ${target})` : ''} failed: ${describeRevert(args[1] as Hex)}`;
      }
      case 'FailedOp':
        return `EntryPoint refused the operation: ${args[1]}`;
      case 'FailedOpWithRevert':
        return `EntryPoint refused the operation: ${args[1]}: ${describeRevert(args[2] as Hex)}`;
      case 'ERC20InsufficientBalance':
        return `ERC20: transfer amount exceeds balance (has ${args[1]}, needs ${args[2]})`;
      case 'ERC20InsufficientAllowance':
        return `ERC20: insufficient allowance (allowed ${args[1]}, needs ${args[2]})`;
      default:
        return `${decoded.errorName}(${args.map(String).join(', ')})`;
    }
  } catch {
    return `reverted with unrecognised error data ${data.slice(0, 10)}`;
  }
}

/**
 * The revert data inside an error from a bundler or node: viem puts it on `data` somewhere down the
 * cause chain, and Alto writes it into the message ("... with reason: 0x...").
 */
export function revertDataOf(error: unknown): Hex | undefined {
  for (
    let current = error as { data?: unknown; cause?: unknown; message?: string; details?: string } | undefined;
    current;
  ) {
    if (typeof current.data === 'string' && isHex(current.data) && current.data.length >= 10) return current.data;
    const text = `${current.details ?? ''} ${current.message ?? ''}`;
    const match = /reason:\s*(0x[0-9a-fA-F]{8,})/.exec(text);
    if (match) return match[1] as Hex;
    current = current.cause as typeof current;
  }
  return undefined;
}
