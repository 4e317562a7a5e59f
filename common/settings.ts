import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SextantError } from './errors.ts';

/**
 * Every setting the runtime reads, from the environment (and `.env`). `.env.example` documents each
 * one; keep the two in step.
 */
const portMessage = 'expected a port number from 1 to 65535';
const port = z.coerce.number({ error: portMessage }).int(portMessage).min(1, portMessage).max(65_535, portMessage);
const url = z.url({ protocol: /^https?$/ });

const SettingsSchema = z.object({
  CHAIN: z.string().min(1).default('devnet'),
  RPC_URL: url.optional(),
  BUNDLER_URL: url.optional(),
  PAYMASTER_URL: url.optional(),
  DATA_DIR: z.string().min(1).default('.sextant'),
  // The server moves funds: it listens on loopback only.
  HOST: z
    .enum(['127.0.0.1', 'localhost', '::1'], { error: 'expected a loopback address: 127.0.0.1, localhost or ::1' })
    .default('127.0.0.1'),
  PORT: port.default(8787),
  DEVNET_ANVIL_PORT: port.default(8545),
  DEVNET_BUNDLER_PORT: port.default(4337),
  DEVNET_PAYMASTER_PORT: port.default(4338),
  DEVNET_BLOCK_TIME: z.coerce.number().min(0).default(0),
  // The devnet's second chain, an L2-like one (`devnet-l2`): on unless DEVNET_L2=0.
  DEVNET_L2: z.enum(['0', '1'], { error: 'expected 1 (run the second chain) or 0 (do not)' }).default('1'),
  DEVNET_L2_CHAIN_ID: z.coerce
    .number({ error: 'expected a chain id' })
    .int('expected a whole number')
    .min(1, 'expected a chain id above 0')
    .refine((id) => id !== 31337, 'expected a chain id other than the devnet’s own 31337')
    .default(31338),
  DEVNET_L2_ANVIL_PORT: port.default(8546),
  DEVNET_L2_BUNDLER_PORT: port.default(4339),
  DEVNET_L2_PAYMASTER_PORT: port.default(4340),
  // The devnet's Across relayer between its two chains: milliseconds before it fills a deposit, and
  // the least fee it takes (basis points of the amount).
  DEVNET_RELAYER_DELAY_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected a whole number of milliseconds')
    .min(0, 'expected 0 or more milliseconds')
    .default(2000),
  DEVNET_RELAYER_FEE_BPS: z.coerce
    .number({ error: 'expected basis points' })
    .int('expected a whole number of basis points')
    .min(0, 'expected 0 or more basis points')
    .max(10_000, 'expected at most 10000 basis points')
    .default(10),
  // Accepts what Ollama's own OLLAMA_HOST accepts: "0.0.0.0", "127.0.0.1:11434", "http://host:port".
  OLLAMA_HOST: z.string().min(1).default('http://127.0.0.1:11434'),
  OLLAMA_MODEL: z.string().min(1).default('qwen2.5:7b-instruct'),
  // Validated where users are created (smart-accounts/users.ts), with a message that says the rule.
  SEXTANT_USER: z.string().min(1).default('default'),
  // How long the server keeps an owner key unlocked in the page unused (without SEXTANT_PASSPHRASE).
  SEXTANT_UNLOCK_IDLE_MINUTES: z.coerce
    .number({ error: 'expected a number of minutes' })
    .positive('expected a number of minutes above 0')
    .default(15),
  // Seconds between the standing orders' runner passes in `sextant start` (unset: 30 on the devnet,
  // 60 elsewhere); 0 turns the runner off.
  ORDERS_INTERVAL_SECONDS: z.coerce
    .number({ error: 'expected a number of seconds' })
    .int('expected a whole number of seconds')
    .min(0, 'expected a number of seconds, 0 or more')
    .optional(),
  // Comma-separated auditor addresses; unset means the project's own auditor (skills/project-keys.ts).
  SKILL_AUDITORS: z
    .string()
    .regex(/^\s*0x[0-9a-fA-F]{40}\s*(,\s*0x[0-9a-fA-F]{40}\s*)*$/, 'expected comma-separated 0x addresses')
    .optional(),
  // Where Sextant's bundle guard is deployed on a real network (the devnet deploys its own).
  BUNDLE_GUARD_ADDRESS: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address')
    .optional(),
});

/** The names of every environment variable the runtime reads. */
export const SETTING_NAMES: readonly string[] = Object.keys(SettingsSchema.shape);

export type Settings = {
  chain: string;
  rpcUrl: string | undefined;
  bundlerUrl: string | undefined;
  paymasterUrl: string | undefined;
  /** Absolute path of the data directory (keystore, database, devnet manifest). */
  dataDir: string;
  host: string;
  port: number;
  devnet: {
    anvilPort: number;
    bundlerPort: number;
    paymasterPort: number;
    blockTimeSeconds: number;
    /** The second chain (`devnet-l2`); undefined with DEVNET_L2=0. */
    l2: { chainId: number; anvilPort: number; bundlerPort: number; paymasterPort: number } | undefined;
    /** The Across relayer between the two chains. */
    relayer: { delayMs: number; minFeeBps: number };
  };
  ollama: { host: string; model: string };
  /** The local user the CLI acts as (`--user` overrides it). */
  user: string;
  /** Minutes an owner key unlocked over the page stays in the server's memory unused. */
  unlockIdleMinutes: number;
  /** Seconds between the standing orders' runner passes in the server; undefined: the network's default; 0: off. */
  ordersIntervalSeconds: number | undefined;
  /** The auditors whose attestations let a skill run; undefined means the project's own auditor. */
  skillAuditors: `0x${string}`[] | undefined;
  /** The bundle guard's address on a real network; undefined there means bundles run unguarded. */
  bundleGuardAddress: `0x${string}` | undefined;
};

/** Reads the settings from `env`; an invalid value is an error naming the variable and what it takes. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  // An empty value (`RPC_URL=` in .env) means "not set", as in most dotenv tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = SettingsSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'setting');
    throw new SettingsError(`${name}=${JSON.stringify(env[name] ?? '')} is not valid: ${issue?.message}`, {
      hint: `Fix ${name} in your environment or .env (see .env.example for what it takes).`,
    });
  }
  const s = parsed.data;
  return {
    chain: s.CHAIN.toLowerCase(),
    rpcUrl: s.RPC_URL,
    bundlerUrl: s.BUNDLER_URL,
    paymasterUrl: s.PAYMASTER_URL,
    dataDir: resolve(s.DATA_DIR),
    host: s.HOST,
    port: s.PORT,
    devnet: {
      anvilPort: s.DEVNET_ANVIL_PORT,
      bundlerPort: s.DEVNET_BUNDLER_PORT,
      paymasterPort: s.DEVNET_PAYMASTER_PORT,
      blockTimeSeconds: s.DEVNET_BLOCK_TIME,
      l2:
        s.DEVNET_L2 === '1'
          ? {
              chainId: s.DEVNET_L2_CHAIN_ID,
              anvilPort: s.DEVNET_L2_ANVIL_PORT,
              bundlerPort: s.DEVNET_L2_BUNDLER_PORT,
              paymasterPort: s.DEVNET_L2_PAYMASTER_PORT,
            }
          : undefined,
      relayer: { delayMs: s.DEVNET_RELAYER_DELAY_MS, minFeeBps: s.DEVNET_RELAYER_FEE_BPS },
    },
    ollama: { host: normalizeOllamaHost(s.OLLAMA_HOST), model: s.OLLAMA_MODEL },
    user: s.SEXTANT_USER,
    unlockIdleMinutes: s.SEXTANT_UNLOCK_IDLE_MINUTES,
    ordersIntervalSeconds: s.ORDERS_INTERVAL_SECONDS,
    skillAuditors: s.SKILL_AUDITORS?.split(',').map((address) => address.trim() as `0x${string}`),
    bundleGuardAddress: s.BUNDLE_GUARD_ADDRESS as `0x${string}` | undefined,
  };
}

/**
 * OLLAMA_HOST as a URL, read the way Ollama's clients read it: the scheme defaults to http, an http
 * port to 11434, and the "listen everywhere" address 0.0.0.0 means this machine.
 */
export function normalizeOllamaHost(raw: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new SettingsError(`OLLAMA_HOST=${JSON.stringify(raw)} is not a host or URL.`, {
      hint: 'Use a form like http://127.0.0.1:11434 or 127.0.0.1:11434.',
    });
  }
  if (parsed.hostname === '0.0.0.0') parsed.hostname = '127.0.0.1';
  // As the ollama client does: a bare http host means Ollama's port; https keeps its own (443).
  if (parsed.port === '' && parsed.protocol === 'http:' && !/:\d+$/.test(raw.replace(/\/+$/, '')))
    parsed.port = '11434';
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** Loads `.env` from the working directory into `process.env`, without overriding what is already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export class SettingsError extends SextantError {
  override name = 'SettingsError';
}
