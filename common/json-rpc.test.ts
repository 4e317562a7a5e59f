import { describe, expect, it } from 'vitest';
import { jsonRpc, redactUrl } from './json-rpc.ts';
import { findFreePort } from './ports.ts';

describe('redactUrl', () => {
  it('keeps the origin and hides keys in the path, query or user info', () => {
    expect(redactUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545');
    expect(redactUrl('https://eth-mainnet.example/v2/SECRETKEY')).toBe('https://eth-mainnet.example/…');
    expect(redactUrl('https://rpc.example/?apikey=SECRET')).toBe('https://rpc.example/…');
    expect(redactUrl('https://user:pass@rpc.example')).toBe('https://rpc.example/…');
  });
});

describe('jsonRpc', () => {
  it('says what failed, where, and why, when nothing listens', async () => {
    const port = await findFreePort();
    await expect(jsonRpc(`http://127.0.0.1:${port}/key123`, 'eth_chainId')).rejects.toThrow(
      `eth_chainId at http://127.0.0.1:${port}/…: connection refused (nothing listens there)`,
    );
  });
});
