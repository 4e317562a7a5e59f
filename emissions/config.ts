import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Address, parseUnits } from 'viem';
import { z } from 'zod';
import { SextantError } from '../common/errors.ts';
import { BUCKETS, DEFAULT_SCHEDULE, type Schedule } from './schedule.ts';

const TokenAmount = z.string().regex(/^\d+(\.\d{1,18})?$/, 'a token amount such as "3456" or "0.59255872824"');

const AddressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x address');

/**
 * The schedule part of the configuration: amounts in whole tokens (18 decimals), times in ISO 8601 or
 * unix seconds. Every field is optional and merges over the default schedule: `buckets` may name only
 * the buckets it changes (each at most once), the others keep their defaults.
 */
export const ScheduleFileSchema = z
  .object({
    start: z.union([z.number().int().nonnegative(), z.string().datetime()]).optional(),
    intervalSeconds: z.number().int().positive().optional(),
    buckets: z
      .array(z.object({ bucket: z.enum(BUCKETS), initial: TokenAmount, decrease: TokenAmount }).strict())
      .max(BUCKETS.length)
      .refine((buckets) => new Set(buckets.map((b) => b.bucket)).size === buckets.length, 'each bucket at most once')
      .optional(),
    cap: TokenAmount.optional(),
  })
  .strict();

/** The emissions configuration file (DATA_DIR/emissions.json or --config FILE); every field optional. */
export const EmissionsConfigSchema = z
  .object({
    schedule: ScheduleFileSchema.optional(),
    /** Where the protection fund's share goes. */
    treasury: AddressSchema.optional(),
    /** The SextantRewardToken the operator owns (the devnet's by default). */
    rewardToken: AddressSchema.optional(),
    /** The capital bucket's ERC-4626 deposit pool (the devnet's by default), and the block it was deployed in. */
    depositPool: AddressSchema.optional(),
    depositPoolFromBlock: z.number().int().nonnegative().optional(),
    /** Per-skill multipliers of a use in the code bucket, e.g. {"uniswap-v3/swap": 1.5}. */
    codeWeights: z.record(z.string(), z.number().nonnegative()).optional(),
  })
  .strict();

export type EmissionsConfig = {
  schedule: Schedule;
  treasury: Address | undefined;
  rewardToken: Address | undefined;
  depositPool: Address | undefined;
  depositPoolFromBlock: bigint;
  codeWeights: Record<string, number>;
  /** The file it came from, if any. */
  source: string | undefined;
};

export class EmissionsError extends SextantError {
  override name = 'EmissionsError';
}

export function emissionsConfigPath(dataDir: string): string {
  return join(dataDir, 'emissions.json');
}

/**
 * The configuration from `path`, else from DATA_DIR/emissions.json when it exists, else the defaults
 * (Morpheus' schedule; the devnet's reward token and deposit pool are filled in where it runs).
 */
export function loadEmissionsConfig(path: string | undefined, dataDir?: string): EmissionsConfig {
  const file = path ?? (dataDir && existsSync(emissionsConfigPath(dataDir)) ? emissionsConfigPath(dataDir) : undefined);
  if (!file) return { ...DEFAULTS, source: undefined };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EmissionsError(`Cannot read the emissions configuration at ${file}: ${(error as Error).message}`);
  }
  const parsed = EmissionsConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EmissionsError(
      `The emissions configuration at ${file} is not valid: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`,
      { hint: 'See emissions/README.md for the format.' },
    );
  }
  const config = parsed.data;
  return {
    schedule: config.schedule ? scheduleFrom(config.schedule) : DEFAULT_SCHEDULE,
    treasury: config.treasury as Address | undefined,
    rewardToken: config.rewardToken as Address | undefined,
    depositPool: config.depositPool as Address | undefined,
    depositPoolFromBlock: BigInt(config.depositPoolFromBlock ?? 0),
    codeWeights: config.codeWeights ?? {},
    source: file,
  };
}

const DEFAULTS: Omit<EmissionsConfig, 'source'> = {
  schedule: DEFAULT_SCHEDULE,
  treasury: undefined,
  rewardToken: undefined,
  depositPool: undefined,
  depositPoolFromBlock: 0n,
  codeWeights: {},
};

/** The file's schedule over the defaults: what it gives replaces, what it leaves out stays. */
function scheduleFrom(file: z.infer<typeof ScheduleFileSchema>): Schedule {
  const given = new Map((file.buckets ?? []).map((b) => [b.bucket, b]));
  return {
    start:
      file.start === undefined
        ? DEFAULT_SCHEDULE.start
        : typeof file.start === 'number'
          ? file.start
          : Date.parse(file.start) / 1000,
    interval: file.intervalSeconds ?? DEFAULT_SCHEDULE.interval,
    buckets: DEFAULT_SCHEDULE.buckets.map((fallback) => {
      const b = given.get(fallback.bucket);
      return b
        ? { bucket: b.bucket, initial: parseUnits(b.initial, 18), decrease: parseUnits(b.decrease, 18) }
        : fallback;
    }),
    cap: file.cap === undefined ? DEFAULT_SCHEDULE.cap : parseUnits(file.cap, 18),
  };
}

/** A time on the command line: unix seconds or ISO 8601. */
export function parseTime(value: string, flag: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new EmissionsError(`${flag} takes unix seconds or an ISO 8601 time, not "${value}".`);
  return Math.floor(ms / 1000);
}
