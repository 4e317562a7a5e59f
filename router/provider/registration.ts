import type { LocalAccount } from 'viem';
import { RouterError } from '../errors.ts';
import { upstreamMessage } from '../hop.ts';
import {
  type ProviderDeregistration,
  type ProviderRegistration,
  signDeregistration,
  signRegistration,
  toJson,
} from '../typed-data.ts';

/** A provider node's side of the registry: sign its offer (or its withdrawal) and send it to a router. */

export type Offer = { endpoint: string; models: string[]; pricePerMTokens: bigint; stake: bigint };

export async function registerWithRouter(
  routerUrl: string,
  account: LocalAccount,
  offer: Offer,
  now: () => number = Date.now,
): Promise<ProviderRegistration> {
  const registration: ProviderRegistration = { provider: account.address, ...offer, registeredAt: BigInt(now()) };
  const signature = await signRegistration(account, registration);
  await post(`${base(routerUrl)}/router/providers`, { message: toJson(registration), signature }, 'register');
  return registration;
}

export async function deregisterFromRouter(
  routerUrl: string,
  account: LocalAccount,
  now: () => number = Date.now,
): Promise<void> {
  const deregistration: ProviderDeregistration = { provider: account.address, deregisteredAt: BigInt(now()) };
  const signature = await signDeregistration(account, deregistration);
  await post(
    `${base(routerUrl)}/router/providers/deregister`,
    { message: toJson(deregistration), signature },
    'deregister',
  );
}

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

async function post(url: string, body: unknown, what: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new RouterError(`Could not reach the router at ${url} to ${what}: ${(error as Error).message}`, {
      hint: 'Check --router, and that the router listens on an address this machine can reach.',
      status: 502,
    });
  }
  if (!response.ok) {
    throw new RouterError(`The router refused to ${what}: ${upstreamMessage(response.status, await response.text())}`, {
      status: 502,
    });
  }
}
