import { describe, expect, it, vi } from 'vitest';
import { type ReferrerStorage, rememberReferrer } from './public/js/referrer.js';

const ADDRESS = '0x5c0FF1c1a1B2C3D4E5f60718293A4B5C6d7E8F90';

function memoryStorage(): ReferrerStorage & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
  };
}

describe('rememberReferrer', () => {
  it('keeps ?ref= for the session, lower-case, and returns it on later loads without it', () => {
    const storage = memoryStorage();
    expect(rememberReferrer('', storage)).toBeUndefined();
    expect(rememberReferrer(`?ref=${ADDRESS}`, storage)).toBe(ADDRESS.toLowerCase());
    expect(rememberReferrer('', storage)).toBe(ADDRESS.toLowerCase());
    const other = `0x${'ab'.repeat(20)}`;
    expect(rememberReferrer(`?ref=${other}&x=1`, storage)).toBe(other);
  });

  it('ignores anything but an address, keeping an earlier referrer', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const storage = memoryStorage();
    expect(rememberReferrer('?ref=my-frontend', storage)).toBeUndefined();
    expect(storage.values.size).toBe(0);
    rememberReferrer(`?ref=${ADDRESS}`, storage);
    expect(rememberReferrer('?ref=0x1234', storage)).toBe(ADDRESS.toLowerCase());
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });

  it('still sends the one the URL gives when storage is refused', () => {
    const refusing: ReferrerStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(rememberReferrer(`?ref=${ADDRESS}`, refusing)).toBe(ADDRESS.toLowerCase());
    expect(rememberReferrer(`?ref=${ADDRESS}`, undefined)).toBe(ADDRESS.toLowerCase());
  });
});
