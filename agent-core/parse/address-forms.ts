import { isAddress } from 'viem';

/**
 * The forms an address takes on the chains people name, recognised so that a request to pay one is
 * understood as written and then refused for what it is ("that is a Solana address"), never cut to a
 * shorter string or read as a word or a number. Sextant pays only EVM addresses (0x and 40 hex
 * digits). Shared by the embedded parser (which reads them as recipients) and the resolver (which
 * refuses them, whichever parser produced the intent).
 */

export type ForeignFamily = 'move' | 'solana' | 'ton' | 'bitcoin' | 'tron' | 'cosmos' | 'hedera';

/** What a person calls each family's chains, for the refusal. */
export const FAMILY_NAMES: Record<ForeignFamily, string> = {
  move: 'an Aptos, Sui or Starknet address (0x and 64 hex digits)',
  solana: 'a Solana address',
  ton: 'a TON address',
  bitcoin: 'a Bitcoin address',
  tron: 'a Tron address',
  cosmos: 'a Cosmos-chain address',
  hedera: 'a Hedera account id',
};

const BASE58 = '1-9A-HJ-NP-Za-km-z';
const BECH32 = '02-9ac-hj-np-z';
/** Each family's shape, tried in this order at a position of a message (sticky, to the end of the word). */
const FORMS: readonly { family: ForeignFamily; pattern: RegExp; mixed?: boolean }[] = [
  { family: 'hedera', pattern: /0\.0\.\d{1,12}(?![\d.])/y },
  { family: 'move', pattern: /0x[0-9a-fA-F]{63,64}(?![0-9a-zA-Z_])/y },
  { family: 'ton', pattern: /(?:EQ|UQ|Ef|Uf|kQ|0Q)[A-Za-z0-9_-]{46}(?![A-Za-z0-9_-])/y },
  { family: 'bitcoin', pattern: new RegExp(`(?:bc1|tb1)[${BECH32}]{11,71}(?![A-Za-z0-9])`, 'iy') },
  {
    family: 'cosmos',
    pattern: new RegExp(
      `(?:cosmos|osmo|celestia|inj|sei|dydx|noble|neutron|kava|juno)1[${BECH32}]{38,58}(?![A-Za-z0-9])`,
      'y',
    ),
  },
  { family: 'tron', pattern: new RegExp(`T[${BASE58}]{33}(?![A-Za-z0-9])`, 'y'), mixed: true },
  { family: 'bitcoin', pattern: new RegExp(`[13][${BASE58}]{25,34}(?![A-Za-z0-9])`, 'y'), mixed: true },
  { family: 'solana', pattern: new RegExp(`[${BASE58}]{32,44}(?![A-Za-z0-9])`, 'y'), mixed: true },
];

/** A letter, a digit, "_" or "-" (by char code: this runs at every word). */
function isAddressChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 ||
    code === 45
  );
}

/** Base58 strings are told from words by their mix: a digit, a capital and a small letter. */
function mixed(text: string): boolean {
  return /\d/.test(text) && /[A-Z]/.test(text) && /[a-z]/.test(text);
}

/** The address of another chain family that starts at `position` of `text`, if one does. */
export function foreignAddressAt(text: string, position: number): { raw: string; family: ForeignFamily } | undefined {
  // Cheap tests first (this runs at every word of every message): a Hedera id starts "0.0.", and
  // every other form is a run of at least 26 letters, digits, "_" or "-".
  if (!text.startsWith('0.0.', position)) {
    let end = position;
    while (end < text.length && end - position < 26 && isAddressChar(text.charCodeAt(end))) end++;
    if (end - position < 26) return undefined;
  }
  for (const form of FORMS) {
    form.pattern.lastIndex = position;
    const match = form.pattern.exec(text);
    if (!match) continue;
    if (form.mixed && !mixed(match[0])) continue;
    return { raw: match[0], family: form.family };
  }
  return undefined;
}

/** The family of a whole string that is an address of another chain family. */
export function foreignFamily(text: string): ForeignFamily | undefined {
  const found = foreignAddressAt(text, 0);
  return found && found.raw.length === text.length ? found.family : undefined;
}

/**
 * Why `text` cannot be paid or approved: another family's address, or a 0x address in mixed case
 * whose EIP-55 checksum does not match (a typo in one digit changes the case pattern). Undefined for
 * a good 0x address, and for anything that is not an address at all.
 */
export function addressProblem(text: string): string | undefined {
  const family = foreignFamily(text);
  if (family) {
    return `${text} is ${FAMILY_NAMES[family]}. Sextant works on EVM chains only: give a 0x address of 40 hex digits.`;
  }
  // Mixed case carries a checksum (EIP-55); all lower or all upper case carries none.
  const mixedCase = /[a-f]/.test(text.slice(2)) && /[A-F]/.test(text.slice(2));
  if (/^0x[0-9a-fA-F]{40}$/.test(text) && mixedCase && !isAddress(text, { strict: true })) {
    return `The checksum of ${text} does not match: one of its characters is probably mistyped. Check the address and write it again (or all in lower case if you copied it from a source you trust).`;
  }
  return undefined;
}
