import { type Address, getAddress, type Hex, hexToBigInt, isAddressEqual, type Log, toEventSelector } from 'viem';
import { NATIVE_TOKEN } from '../skills/sdk/define-skill.ts';

/**
 * Reading what a simulated block did from its logs (eth_simulateV1): ERC-20 Transfer and Approval
 * events, and the ETH transfers the node traces (traceTransfers) as Transfer events logged by this
 * pseudo-address: the 0xEeee… address skills use for ETH (NATIVE_TOKEN).
 */

export const TRANSFER_TOPIC = toEventSelector('Transfer(address,address,uint256)');
export const APPROVAL_TOPIC = toEventSelector('Approval(address,address,uint256)');

/** The address an indexed topic holds. */
export function topicAddress(topic: Hex | undefined): Address | undefined {
  return topic ? getAddress(`0x${topic.slice(26)}`) : undefined;
}

/** Whether an indexed topic is `account`. */
export function involves(topic: Hex | undefined, account: Address): boolean {
  const address = topicAddress(topic);
  return address !== undefined && isAddressEqual(address, account);
}

/** ETH in minus ETH out of `account`, from the node's traced transfers. */
export function nativeDiff(logs: readonly Log[], account: Address): bigint {
  let diff = 0n;
  for (const log of logs) {
    if (!isAddressEqual(log.address, NATIVE_TOKEN) || log.topics[0] !== TRANSFER_TOPIC) continue;
    const amount = hexToBigInt(log.data);
    if (involves(log.topics[1], account)) diff -= amount;
    if (involves(log.topics[2], account)) diff += amount;
  }
  return diff;
}

/** Addresses without repeats (compared case-insensitively), the last spelling of each kept. */
export function uniqueAddresses(addresses: readonly Address[]): Address[] {
  const seen = new Map<string, Address>();
  for (const address of addresses) seen.set(address.toLowerCase(), address);
  return [...seen.values()];
}
