import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther, zeroAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../common/command.ts';
import { databasePath, openDatabase } from '../common/database.ts';
import { loadSettings } from '../common/settings.ts';
import { providerCommand, routerCommand } from './command.ts';
import { migrateRouter } from './migrations.ts';
import { recordReceipt } from './receipts.ts';
import { registerProvider } from './registry.ts';
import { signRegistration } from './typed-data.ts';

function context(dataDir: string) {
  let stdout = '';
  let stderr = '';
  const ctx: CommandContext = {
    settings: loadSettings({ DATA_DIR: dataDir }),
    network: () => {
      throw new Error('the router needs no network');
    },
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  return { ctx, out: () => stdout, err: () => stderr };
}

describe('sextant router and sextant provider', () => {
  it('lists registered providers and receipts from the database, as text and JSON', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-router-cli-'));
    const empty = context(dataDir);
    expect(await routerCommand().run(['providers'], empty.ctx)).toBe(0);
    expect(empty.out()).toMatch(/No provider is registered/);

    const db = openDatabase(databasePath(dataDir));
    migrateRouter(db);
    const provider = privateKeyToAccount(generatePrivateKey());
    const registration = {
      provider: provider.address,
      endpoint: 'http://127.0.0.1:11436',
      models: ['qwen2.5:7b-instruct'],
      pricePerMTokens: parseEther('0.5'),
      stake: 0n,
      registeredAt: BigInt(Date.now()),
    };
    await registerProvider(db, registration, await signRegistration(provider, registration));
    const hop = {
      requestId: `0x${'01'.repeat(32)}` as const,
      provider: provider.address,
      consumer: zeroAddress,
      model: 'qwen2.5:7b-instruct',
      count: { chunks: 10, bytes: 40 },
      requestBytes: 100,
      ttftMs: 50,
      durationMs: 200,
    };
    recordReceipt(
      db,
      hop,
      { accepted: false, reason: 'the provider sent no receipt', receipt: undefined, signature: undefined },
      registration.pricePerMTokens,
    );
    db.close();

    const listed = context(dataDir);
    expect(await routerCommand().run(['providers'], listed.ctx)).toBe(0);
    expect(listed.out()).toContain(provider.address);
    expect(listed.out()).toContain('price 0.5 per 1M tokens');
    const json = context(dataDir);
    expect(await routerCommand().run(['providers', '--json'], json.ctx)).toBe(0);
    expect(JSON.parse(json.out()).providers[0]).toMatchObject({
      address: provider.address,
      pricePerMTokens: '500000000000000000',
    });

    const receipts = context(dataDir);
    expect(await routerCommand().run(['receipts', '--rejected'], receipts.ctx)).toBe(0);
    expect(receipts.out()).toMatch(/REJECTED .* qwen2\.5:7b-instruct .*\n\s+the provider sent no receipt/);
    const receiptsJson = context(dataDir);
    expect(await routerCommand().run(['receipts', '--json'], receiptsJson.ctx)).toBe(0);
    expect(JSON.parse(receiptsJson.out())).toMatchObject({ receipts: [{ accepted: false }], contributions: [] });
  });

  it('says what is wrong with a command line before starting anything', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-router-cli-'));
    const { ctx } = context(dataDir);
    await expect(routerCommand().run([], ctx)).rejects.toThrow(/Which subcommand/);
    await expect(routerCommand().run(['launch'], ctx)).rejects.toThrow(/Unknown subcommand "router launch"/);
    await expect(providerCommand().run(['serve', '--price', '1'], ctx)).rejects.toThrow(/--key is required/);
    const keyFile = join(dataDir, 'provider.key');
    writeFileSync(keyFile, `${generatePrivateKey()}\n`, { mode: 0o600 });
    await expect(providerCommand().run(['serve', '--key', keyFile], ctx)).rejects.toThrow(/--price is required/);
    await expect(providerCommand().run(['serve', '--key', keyFile, '--price', 'cheap'], ctx)).rejects.toThrow(
      /decimal amount/,
    );
    await expect(
      providerCommand().run(['serve', '--key', keyFile, '--price', '1', '--backend-api', 'grpc'], ctx),
    ).rejects.toThrow(/ollama or openai/);
    await expect(
      providerCommand().run(['serve', '--key', keyFile, '--price', '1', '--backend', 'http://127.0.0.1:9'], ctx),
    ).rejects.toThrow(/does not answer/);
    await expect(
      routerCommand().run(['serve', '--port', '11999', '--local', 'http://127.0.0.1:11999'], ctx),
    ).rejects.toThrow(/this router's own address/);
    await expect(routerCommand().run(['serve', '--allow', '0x12'], ctx)).rejects.toThrow(
      /comma-separated 0x addresses/,
    );
  });

  it('provider earnings: says where it reads, what to do when there is nothing yet, and refuses a bad command line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-router-cli-'));
    const provider = privateKeyToAccount(generatePrivateKey()).address;
    const none = context(dataDir);
    expect(await providerCommand().run(['earnings', '--address', provider], none.ctx)).toBe(0);
    expect(none.out()).toContain(`read from the router database ${databasePath(dataDir)}`);
    expect(none.out()).toContain('There is no router database there yet.');
    expect(none.out()).toMatch(/sextant provider serve --router URL/);

    const db = openDatabase(databasePath(dataDir));
    migrateRouter(db);
    db.close();
    const empty = context(dataDir);
    expect(await providerCommand().run(['earnings', '--address', provider, '--json'], empty.ctx)).toBe(0);
    expect(JSON.parse(empty.out())).toMatchObject({
      report: { provider, settled: [], unsettled: { requests: 0, tokens: 0, share: 0 }, emissionsSettled: false },
    });

    const { ctx } = context(dataDir);
    await expect(providerCommand().run(['earnings'], ctx)).rejects.toThrow(/--key KEY or --address ADDR/);
    await expect(providerCommand().run(['earnings', '--address', '0x12'], ctx)).rejects.toThrow(/0x address/);
    await expect(
      providerCommand().run(['earnings', '--address', provider, '--router', 'http://127.0.0.1:9'], ctx),
    ).rejects.toThrow(/The router at http:\/\/127\.0\.0\.1:9 does not answer/);
    expect(providerCommand().helpFor?.(['earnings'])).toMatch(/^Usage: sextant provider earnings/);
  });
});
