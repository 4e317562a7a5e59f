import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from 'viem';
import { z } from 'zod';

/**
 * The EIP-712 messages between providers and routers. No chainId in the domain: a registration and a
 * usage receipt are facts about off-chain service, the same on every chain (as the skill registry's).
 */
const DOMAIN = { name: 'Sextant Inference Router', version: '1' } as const;

const REGISTRATION_TYPES = {
  ProviderRegistration: [
    { name: 'provider', type: 'address' },
    { name: 'endpoint', type: 'string' },
    { name: 'models', type: 'string[]' },
    { name: 'pricePerMTokens', type: 'uint256' },
    { name: 'stake', type: 'uint256' },
    { name: 'registeredAt', type: 'uint64' },
  ],
} as const;

const DEREGISTRATION_TYPES = {
  ProviderDeregistration: [
    { name: 'provider', type: 'address' },
    { name: 'deregisteredAt', type: 'uint64' },
  ],
} as const;

const RECEIPT_TYPES = {
  UsageReceipt: [
    { name: 'requestId', type: 'bytes32' },
    { name: 'provider', type: 'address' },
    { name: 'consumer', type: 'address' },
    { name: 'model', type: 'string' },
    { name: 'promptTokens', type: 'uint64' },
    { name: 'completionTokens', type: 'uint64' },
    { name: 'ttftMs', type: 'uint64' },
    { name: 'durationMs', type: 'uint64' },
  ],
} as const;

/**
 * What a provider signs to offer its endpoint. Prices and stakes are in the payment token's smallest
 * unit (18 decimals, as MOR); `registeredAt` (unix milliseconds) orders registrations, so an old one
 * cannot be replayed over a newer one or after a deregistration.
 */
export type ProviderRegistration = {
  provider: Address;
  endpoint: string;
  models: string[];
  pricePerMTokens: bigint;
  stake: bigint;
  registeredAt: bigint;
};

/** What a provider signs to withdraw (`deregisteredAt` in unix milliseconds). */
export type ProviderDeregistration = { provider: Address; deregisteredAt: bigint };

/** What a provider signs per request: the work it claims to have done for the consumer. */
export type UsageReceipt = {
  requestId: Hex;
  provider: Address;
  consumer: Address;
  model: string;
  promptTokens: bigint;
  completionTokens: bigint;
  ttftMs: bigint;
  durationMs: bigint;
};

function typedSigner(account: LocalAccount) {
  if (!account.signTypedData) throw new Error('This account cannot sign typed data.');
  return account.signTypedData.bind(account);
}

export function signRegistration(provider: LocalAccount, registration: ProviderRegistration): Promise<Hex> {
  return typedSigner(provider)({
    domain: DOMAIN,
    types: REGISTRATION_TYPES,
    primaryType: 'ProviderRegistration',
    message: registration,
  });
}

export function registrationSigner(registration: ProviderRegistration, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: DOMAIN,
    types: REGISTRATION_TYPES,
    primaryType: 'ProviderRegistration',
    message: registration,
    signature,
  });
}

export function signDeregistration(provider: LocalAccount, deregistration: ProviderDeregistration): Promise<Hex> {
  return typedSigner(provider)({
    domain: DOMAIN,
    types: DEREGISTRATION_TYPES,
    primaryType: 'ProviderDeregistration',
    message: deregistration,
  });
}

export function deregistrationSigner(deregistration: ProviderDeregistration, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: DOMAIN,
    types: DEREGISTRATION_TYPES,
    primaryType: 'ProviderDeregistration',
    message: deregistration,
    signature,
  });
}

export function signReceipt(provider: LocalAccount, receipt: UsageReceipt): Promise<Hex> {
  return typedSigner(provider)({ domain: DOMAIN, types: RECEIPT_TYPES, primaryType: 'UsageReceipt', message: receipt });
}

export function receiptSigner(receipt: UsageReceipt, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({
    domain: DOMAIN,
    types: RECEIPT_TYPES,
    primaryType: 'UsageReceipt',
    message: receipt,
    signature,
  });
}

/*
 * The same messages as JSON, as they travel over HTTP: integers as decimal strings (a uint256 does
 * not fit a JSON number), checked at the edge.
 */

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address') as unknown as z.ZodType<Address>;
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'expected 0x hex') as unknown as z.ZodType<Hex>;
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes of 0x hex') as unknown as z.ZodType<Hex>;
const MAX_UINT64 = 2n ** 64n - 1n;
const uint = (max: bigint) =>
  z
    .union([z.string().regex(/^\d{1,78}$/, 'expected a decimal integer'), z.number().int().nonnegative()])
    .transform((value) => BigInt(value))
    .refine((value) => value <= max, 'too large');

export const RegistrationJsonSchema = z.object({
  provider: address,
  endpoint: z.string().min(1).max(2048),
  models: z.array(z.string().min(1).max(256)).min(1).max(256),
  pricePerMTokens: uint(2n ** 256n - 1n),
  stake: uint(2n ** 256n - 1n),
  registeredAt: uint(MAX_UINT64),
});

export const DeregistrationJsonSchema = z.object({ provider: address, deregisteredAt: uint(MAX_UINT64) });

export const ReceiptJsonSchema = z.object({
  requestId: bytes32,
  provider: address,
  consumer: address,
  model: z.string().min(1).max(256),
  promptTokens: uint(MAX_UINT64),
  completionTokens: uint(MAX_UINT64),
  ttftMs: uint(MAX_UINT64),
  durationMs: uint(MAX_UINT64),
});

/** A signed message as sent: the message's fields and the signature beside them. */
export const SignedJsonSchema = <T extends z.ZodType>(message: T) => z.object({ message, signature: hex });

/** A message's JSON form: bigints as decimal strings. */
export type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] };

export function toJson<T extends Record<string, unknown>>(message: T): Json<T> {
  return Object.fromEntries(
    Object.entries(message).map(([key, value]) => [key, typeof value === 'bigint' ? value.toString() : value]),
  ) as Json<T>;
}
