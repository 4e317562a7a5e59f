import { type Address, getAddress } from 'viem';

/**
 * `address` in mixed case with one letter's case flipped, so that its EIP-55 checksum fails. The
 * flip must leave both cases in it: an address in one case only carries no checksum at all and is a
 * valid address to pay. (A checksum with a single capital, flipped, once gave an all-lowercase
 * address, and a hostile case meant as "a mistyped address" became a plain, clear request.)
 */
export function withFailingChecksum(address: Address): string {
  const good = getAddress(address);
  for (let at = 2; at < good.length; at++) {
    const char = good[at] as string;
    if (!/[a-fA-F]/.test(char)) continue;
    const flipped = char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
    const candidate = `${good.slice(0, at)}${flipped}${good.slice(at + 1)}`;
    if (/[a-f]/.test(candidate.slice(2)) && /[A-F]/.test(candidate.slice(2))) return candidate;
  }
  throw new Error(`${good} has too few letters to be written in mixed case with a failing checksum.`);
}
