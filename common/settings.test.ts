import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, normalizeOllamaHost, SETTING_NAMES, SettingsError } from './settings.ts';

describe('loadSettings', () => {
  it('has defaults that run the embedded devnet on loopback', () => {
    const settings = loadSettings({});
    expect(settings).toEqual({
      chain: 'devnet',
      rpcUrl: undefined,
      bundlerUrl: undefined,
      paymasterUrl: undefined,
      dataDir: resolve('.sextant'),
      host: '127.0.0.1',
      port: 8787,
      devnet: {
        anvilPort: 8545,
        bundlerPort: 4337,
        paymasterPort: 4338,
        blockTimeSeconds: 0,
        l2: { chainId: 31338, anvilPort: 8546, bundlerPort: 4339, paymasterPort: 4340 },
        relayer: { delayMs: 2000, minFeeBps: 10 },
      },
      ollama: { host: 'http://127.0.0.1:11434', model: 'qwen2.5:7b-instruct' },
      user: 'default',
      unlockIdleMinutes: 15,
      skillAuditors: undefined,
      bundleGuardAddress: undefined,
    });
  });

  it('reads SEXTANT_UNLOCK_IDLE_MINUTES as minutes above 0, fractions allowed', () => {
    expect(loadSettings({ SEXTANT_UNLOCK_IDLE_MINUTES: '0.5' }).unlockIdleMinutes).toBe(0.5);
    expect(() => loadSettings({ SEXTANT_UNLOCK_IDLE_MINUTES: '0' })).toThrow(/SEXTANT_UNLOCK_IDLE_MINUTES.*above 0/);
    expect(() => loadSettings({ SEXTANT_UNLOCK_IDLE_MINUTES: 'soon' })).toThrow(/SEXTANT_UNLOCK_IDLE_MINUTES/);
  });

  it('reads SKILL_AUDITORS as a list of addresses, and refuses anything else', () => {
    const a = '0x0FBE88D9404A60c621595a7DC7Aa19C9Fc37847B';
    const b = '0x3579dB751EeC61136a34DA0009A06624f72F01b2';
    expect(loadSettings({ SKILL_AUDITORS: `${a}, ${b}` }).skillAuditors).toEqual([a, b]);
    expect(() => loadSettings({ SKILL_AUDITORS: `${a},vitalik.eth` })).toThrow(/SKILL_AUDITORS.*comma-separated/);
  });

  it('reads BUNDLE_GUARD_ADDRESS as one address, and refuses anything else', () => {
    const guard = '0x3579dB751EeC61136a34DA0009A06624f72F01b2';
    expect(loadSettings({ BUNDLE_GUARD_ADDRESS: guard }).bundleGuardAddress).toBe(guard);
    expect(loadSettings({ BUNDLE_GUARD_ADDRESS: '' }).bundleGuardAddress).toBeUndefined();
    expect(() => loadSettings({ BUNDLE_GUARD_ADDRESS: 'guard.eth' })).toThrow(/BUNDLE_GUARD_ADDRESS.*0x address/);
  });

  it('reads every variable, treating an empty value as unset', () => {
    const settings = loadSettings({
      CHAIN: 'Base',
      RPC_URL: 'https://rpc.example/base',
      BUNDLER_URL: '',
      PORT: '9000',
      OLLAMA_HOST: 'http://127.0.0.1:11434/',
      DEVNET_BLOCK_TIME: '2',
    });
    expect(settings.chain).toBe('base');
    expect(settings.rpcUrl).toBe('https://rpc.example/base');
    expect(settings.bundlerUrl).toBeUndefined();
    expect(settings.port).toBe(9000);
    expect(settings.ollama.host).toBe('http://127.0.0.1:11434');
    expect(settings.devnet.blockTimeSeconds).toBe(2);
  });

  it('reads OLLAMA_HOST the way Ollama does', () => {
    expect(normalizeOllamaHost('0.0.0.0')).toBe('http://127.0.0.1:11434');
    expect(normalizeOllamaHost('127.0.0.1:11434')).toBe('http://127.0.0.1:11434');
    expect(normalizeOllamaHost('gpu-box')).toBe('http://gpu-box:11434');
    expect(normalizeOllamaHost('https://ollama.example/')).toBe('https://ollama.example');
    expect(normalizeOllamaHost('http://127.0.0.1:9999/')).toBe('http://127.0.0.1:9999');
  });

  it('listens on loopback only', () => {
    expect(loadSettings({ HOST: 'localhost' }).host).toBe('localhost');
    expect(() => loadSettings({ HOST: '0.0.0.0' })).toThrow(/loopback/);
  });

  it('names the variable and the fix when a value is wrong', () => {
    expect(() => loadSettings({ PORT: 'eighty' })).toThrow(SettingsError);
    try {
      loadSettings({ RPC_URL: 'localhost:8545' });
    } catch (error) {
      expect((error as SettingsError).message).toContain('RPC_URL="localhost:8545" is not valid');
      expect((error as SettingsError).hint).toContain('.env.example');
    }
    expect(() => loadSettings({ DEVNET_ANVIL_PORT: '70000' })).toThrow(/port number from 1 to 65535/);
    expect(loadSettings({ DEVNET_L2: '0' }).devnet.l2).toBeUndefined();
    expect(() => loadSettings({ DEVNET_L2: 'yes' })).toThrow(/DEVNET_L2="yes" is not valid: expected 1/);
    expect(() => loadSettings({ DEVNET_L2_CHAIN_ID: '31337' })).toThrow(/other than the devnet’s own 31337/);
  });

  it('documents every setting in .env.example', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
    expect(SETTING_NAMES.length).toBeGreaterThan(10);
    for (const name of SETTING_NAMES) expect(documented.has(name), `${name} is missing from .env.example`).toBe(true);
  });
});
