import { isAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { withFailingChecksum } from './failing-checksum.ts';

describe('withFailingChecksum', () => {
  it('keeps both cases when the checksum has a single capital (flipping it alone gave a valid all-lowercase address)', () => {
    // Checksummed, 0x6226Dc79…: its only capital is the first letter.
    const mistyped = withFailingChecksum('0x6226dc79794721145696f4a8404836949f968320');
    expect(mistyped.toLowerCase()).toBe('0x6226dc79794721145696f4a8404836949f968320');
    expect(mistyped).toMatch(/[a-f]/);
    expect(mistyped).toMatch(/[A-F]/);
    expect(isAddress(mistyped)).toBe(false);
  });

  it('gives a mixed-case address whose checksum fails, for any address', () => {
    for (let i = 0; i < 200; i++) {
      const address = privateKeyToAccount(generatePrivateKey()).address;
      const mistyped = withFailingChecksum(address);
      expect(mistyped.toLowerCase()).toBe(address.toLowerCase());
      expect(isAddress(mistyped)).toBe(false);
    }
  });

  it('refuses an address with too few letters to carry both cases', () => {
    expect(() => withFailingChecksum('0x000000000000000000000000000000000000000a')).toThrow(/too few letters/);
  });
});
