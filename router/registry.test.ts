import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../common/database.ts';
import { migrateRouter } from './migrations.ts';
import { deregisterProvider, listProviders, registerProvider } from './registry.ts';
import { startRouter } from './server.ts';
import { type ProviderRegistration, signDeregistration, signRegistration, toJson } from './typed-data.ts';

const provider = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());

function freshDb() {
  const db = openDatabase(':memory:');
  migrateRouter(db);
  return db;
}

function registration(at: number, change: Partial<ProviderRegistration> = {}): ProviderRegistration {
  return {
    provider: provider.address,
    endpoint: 'http://203.0.113.7:11436/',
    models: ['qwen2.5:7b-instruct', 'llama3.1:8b'],
    pricePerMTokens: 10n ** 18n,
    stake: 0n,
    registeredAt: BigInt(at),
    ...change,
  };
}

describe('the provider registry', () => {
  it('records a registration signed by the provider, and lists it', async () => {
    const db = freshDb();
    const message = registration(1_000);
    const record = await registerProvider(db, message, await signRegistration(provider, message), { now: () => 2_000 });
    expect(record).toMatchObject({
      address: provider.address,
      endpoint: 'http://203.0.113.7:11436',
      models: ['qwen2.5:7b-instruct', 'llama3.1:8b'],
      pricePerMTokens: 10n ** 18n,
      registeredAt: 1_000,
      deregisteredAt: undefined,
    });
    expect(listProviders(db)).toEqual([record]);
  });

  it('refuses a registration signed by another key, or from outside the allowlist', async () => {
    const db = freshDb();
    const message = registration(1_000);
    await expect(registerProvider(db, message, await signRegistration(other, message))).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/signed by 0x/),
    });
    await expect(
      registerProvider(db, message, await signRegistration(provider, message), { allowlist: [other.address] }),
    ).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/not on this router's allowlist/) });
    await expect(registerProvider(db, message, '0x1234')).rejects.toMatchObject({ status: 403 });
    expect(listProviders(db)).toEqual([]);
  });

  it('accepts only newer registrations: a price change replaces, a replay of the old one is refused', async () => {
    const db = freshDb();
    const first = registration(1_000);
    const firstSignature = await signRegistration(provider, first);
    await registerProvider(db, first, firstSignature, { now: () => 5_000 });
    const cheaper = registration(2_000, { pricePerMTokens: 5n * 10n ** 17n });
    await registerProvider(db, cheaper, await signRegistration(provider, cheaper), { now: () => 5_000 });
    expect(listProviders(db)[0]?.pricePerMTokens).toBe(5n * 10n ** 17n);
    await expect(registerProvider(db, first, firstSignature, { now: () => 5_000 })).rejects.toMatchObject({
      status: 409,
    });
    const future = registration(5_000 + 10 * 60_000);
    await expect(
      registerProvider(db, future, await signRegistration(provider, future), { now: () => 5_000 }),
    ).rejects.toThrow(/in the future/);
  });

  it('deregisters on the provider’s signature; its old registration cannot bring it back, a fresh one can', async () => {
    const db = freshDb();
    const first = registration(1_000);
    const firstSignature = await signRegistration(provider, first);
    await registerProvider(db, first, firstSignature, { now: () => 5_000 });
    const leave = { provider: provider.address, deregisteredAt: 3_000n };
    await expect(deregisterProvider(db, leave, await signDeregistration(other, leave))).rejects.toMatchObject({
      status: 403,
    });
    const record = await deregisterProvider(db, leave, await signDeregistration(provider, leave));
    expect(record.deregisteredAt).toBe(3_000);
    expect(listProviders(db)).toEqual([]);
    expect(listProviders(db, { includeDeregistered: true })).toHaveLength(1);
    await expect(registerProvider(db, first, firstSignature, { now: () => 5_000 })).rejects.toMatchObject({
      status: 409,
    });
    const back = registration(4_000);
    await registerProvider(db, back, await signRegistration(provider, back), { now: () => 5_000 });
    expect(listProviders(db)).toHaveLength(1);
  });

  it('refuses endpoints that are not plain http(s) base URLs', async () => {
    const db = freshDb();
    for (const endpoint of ['ftp://example.com', 'http://user:pw@example.com', 'http://example.com/?q=1', 'nonsense']) {
      const message = registration(1_000, { endpoint });
      await expect(registerProvider(db, message, await signRegistration(provider, message))).rejects.toMatchObject({
        status: 400,
      });
    }
  });

  it('over HTTP: POST /router/providers registers, and answers a bad signature with 403', async () => {
    const running = await startRouter({ db: openDatabase(':memory:'), port: 0, probeIntervalMs: 3_600_000 });
    try {
      const message = registration(Date.now(), { endpoint: 'http://127.0.0.1:9' });
      const post = (signature: string) =>
        fetch(`${running.url}/router/providers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: toJson(message), signature }),
        });
      const forged = await post(await signRegistration(other, message));
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { error: string }).error).toMatch(/signed by/);
      const ok = await post(await signRegistration(provider, message));
      expect(ok.status).toBe(201);
      expect(((await ok.json()) as { provider: unknown }).provider).toMatchObject({
        address: provider.address,
        pricePerMTokens: '1000000000000000000',
      });
      const listed = (await fetch(`${running.url}/router/providers`).then((r) => r.json())) as { providers: unknown[] };
      expect(listed.providers).toHaveLength(1);
      const malformed = await fetch(`${running.url}/router/providers`, { method: 'POST', body: '{"message":{}}' });
      expect(malformed.status).toBe(400);
    } finally {
      await running.close();
    }
  });
});
