import { type Address, getAddress, type Hex, isAddressEqual } from 'viem';
import type { Db } from '../common/database.ts';
import { RouterError } from './errors.ts';
import {
  deregistrationSigner,
  type ProviderDeregistration,
  type ProviderRegistration,
  registrationSigner,
} from './typed-data.ts';

/** A provider as the router knows it: what it signed, and when it withdrew. */
export type ProviderRecord = {
  address: Address;
  /** The provider node's base URL; it serves Ollama's API there. */
  endpoint: string;
  models: string[];
  pricePerMTokens: bigint;
  /** Declared in the signed registration; not checked on-chain yet. */
  stake: bigint;
  registeredAt: number;
  registrationSignature: Hex;
  deregisteredAt: number | undefined;
};

export type RegistryOptions = {
  /** When set, only these addresses may register. */
  allowlist?: readonly Address[] | undefined;
  /** Unix milliseconds (tests move the clock). */
  now?: () => number;
};

/** How far ahead of the router's clock a signed timestamp may be: clocks drift. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Records a provider's signed registration, replacing its previous one. The signature must be the
 * provider's own; the timestamp must be newer than anything recorded for it, so a captured old
 * registration cannot be replayed to undo a price change or a deregistration.
 */
export async function registerProvider(
  db: Db,
  registration: ProviderRegistration,
  signature: Hex,
  options: RegistryOptions = {},
): Promise<ProviderRecord> {
  const signer = await recover(() => registrationSigner(registration, signature));
  if (!isAddressEqual(signer, registration.provider)) {
    throw new RouterError(`The registration names ${registration.provider} but is signed by ${signer}.`, {
      hint: "Sign the registration with the provider's own key.",
      status: 403,
    });
  }
  const provider = getAddress(registration.provider);
  if (options.allowlist && !options.allowlist.some((allowed) => isAddressEqual(allowed, provider))) {
    throw new RouterError(`${provider} is not on this router's allowlist.`, {
      hint: "Ask the router's operator to add the address.",
      status: 403,
    });
  }
  const endpoint = normalizeEndpoint(registration.endpoint);
  const models = [...new Set(registration.models.map((model) => model.trim()).filter(Boolean))];
  if (models.length === 0) throw new RouterError('The registration offers no model.');
  const registeredAt = Number(registration.registeredAt);
  const now = (options.now ?? Date.now)();
  if (registeredAt > now + CLOCK_SKEW_MS) {
    throw new RouterError(`The registration is dated ${registeredAt}, in the future (now ${now}).`, {
      hint: "Check the provider machine's clock.",
    });
  }
  const previous = getProvider(db, provider);
  const latest = Math.max(previous?.registeredAt ?? -1, previous?.deregisteredAt ?? -1);
  if (registeredAt <= latest) {
    throw new RouterError(
      `A registration of ${provider} dated ${registeredAt} is not newer than the last (${latest}).`,
      {
        hint: 'Sign a fresh registration (registeredAt = now, in milliseconds).',
        status: 409,
      },
    );
  }
  db.prepare(
    `INSERT INTO router_providers (address, endpoint, models, price_per_m_tokens, stake, registered_at, registration_signature)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (address) DO UPDATE SET endpoint = excluded.endpoint, models = excluded.models,
       price_per_m_tokens = excluded.price_per_m_tokens, stake = excluded.stake, registered_at = excluded.registered_at,
       registration_signature = excluded.registration_signature, deregistered_at = NULL, deregistration_signature = NULL`,
  ).run(
    provider,
    endpoint,
    JSON.stringify(models),
    registration.pricePerMTokens.toString(),
    registration.stake.toString(),
    registeredAt,
    signature,
  );
  return getProvider(db, provider) as ProviderRecord;
}

/** Withdraws a provider on its signed request; the router sends it nothing more. */
export async function deregisterProvider(
  db: Db,
  deregistration: ProviderDeregistration,
  signature: Hex,
): Promise<ProviderRecord> {
  const signer = await recover(() => deregistrationSigner(deregistration, signature));
  if (!isAddressEqual(signer, deregistration.provider)) {
    throw new RouterError(`The deregistration names ${deregistration.provider} but is signed by ${signer}.`, {
      status: 403,
    });
  }
  const record = getProvider(db, deregistration.provider);
  if (!record || record.deregisteredAt !== undefined) {
    throw new RouterError(`${deregistration.provider} is not registered here.`, { status: 404 });
  }
  const at = Number(deregistration.deregisteredAt);
  if (at < record.registeredAt) {
    throw new RouterError(
      `The deregistration (${at}) is older than the registration it would end (${record.registeredAt}).`,
      {
        hint: 'Sign a fresh deregistration (deregisteredAt = now).',
        status: 409,
      },
    );
  }
  db.prepare('UPDATE router_providers SET deregistered_at = ?, deregistration_signature = ? WHERE address = ?').run(
    at,
    signature,
    record.address,
  );
  return getProvider(db, record.address) as ProviderRecord;
}

type ProviderRow = {
  address: Address;
  endpoint: string;
  models: string;
  price_per_m_tokens: string;
  stake: string;
  registered_at: number;
  registration_signature: Hex;
  deregistered_at: number | null;
};

function fromRow(row: ProviderRow): ProviderRecord {
  return {
    address: row.address,
    endpoint: row.endpoint,
    models: JSON.parse(row.models) as string[],
    pricePerMTokens: BigInt(row.price_per_m_tokens),
    stake: BigInt(row.stake),
    registeredAt: row.registered_at,
    registrationSignature: row.registration_signature,
    deregisteredAt: row.deregistered_at ?? undefined,
  };
}

export function getProvider(db: Db, address: Address): ProviderRecord | undefined {
  const row = db.prepare('SELECT * FROM router_providers WHERE address = ?').get(getAddress(address)) as
    | ProviderRow
    | undefined;
  return row ? fromRow(row) : undefined;
}

/** The registered providers, oldest registration first; withdrawn ones only when asked for. */
export function listProviders(db: Db, options: { includeDeregistered?: boolean } = {}): ProviderRecord[] {
  const where = options.includeDeregistered ? '' : 'WHERE deregistered_at IS NULL';
  return (
    db.prepare(`SELECT * FROM router_providers ${where} ORDER BY registered_at, address`).all() as ProviderRow[]
  ).map(fromRow);
}

/** A base URL the router can append /api/chat to: http(s), no credentials, query or fragment. */
export function normalizeEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RouterError(`The endpoint "${raw}" is not a URL.`, { hint: 'Give the provider node’s base URL.' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RouterError(`The endpoint "${raw}" is not an http(s) URL.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new RouterError(`The endpoint "${raw}" may not carry credentials, a query or a fragment.`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

async function recover(signer: () => Promise<Address>): Promise<Address> {
  try {
    return await signer();
  } catch (error) {
    throw new RouterError('The signature is not a valid signature.', { cause: error, status: 403 });
  }
}
