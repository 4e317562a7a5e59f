import { readFileSync } from 'node:fs';
import { parseUnits } from 'viem';
import { z } from 'zod';
import { SextantError } from '../common/errors.ts';
import { BUCKETS, DEFAULT_SCHEDULE, type Schedule } from './schedule.ts';

const TokenAmount = z.string().regex(/^\d+(\.\d{1,18})?$/, 'a token amount such as "3456" or "0.59255872824"');

/** A schedule file: amounts in whole tokens (18 decimals), times in ISO 8601 or unix seconds. */
export const ScheduleFileSchema = z.object({
  start: z.union([z.number().int().nonnegative(), z.string().datetime()]),
  intervalSeconds: z.number().int().positive().default(86_400),
  buckets: z
    .array(z.object({ bucket: z.enum(BUCKETS), initial: TokenAmount, decrease: TokenAmount }))
    .length(BUCKETS.length),
  cap: TokenAmount,
});

export class EmissionsError extends SextantError {
  override name = 'EmissionsError';
}

/** The schedule from a JSON file, or the Morpheus defaults. */
export function loadSchedule(path?: string): Schedule {
  if (!path) return DEFAULT_SCHEDULE;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EmissionsError(`Cannot read the schedule at ${path}: ${(error as Error).message}`);
  }
  const parsed = ScheduleFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EmissionsError(`The schedule at ${path} is not valid: ${issue?.path.join('.')}: ${issue?.message}`, {
      hint: 'See emissions/README.md for the format.',
    });
  }
  const file = parsed.data;
  return {
    start: typeof file.start === 'number' ? file.start : Date.parse(file.start) / 1000,
    interval: file.intervalSeconds,
    buckets: file.buckets.map((b) => ({
      bucket: b.bucket,
      initial: parseUnits(b.initial, 18),
      decrease: parseUnits(b.decrease, 18),
    })),
    cap: parseUnits(file.cap, 18),
  };
}

/** A time on the command line: unix seconds or ISO 8601. */
export function parseTime(value: string, flag: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new EmissionsError(`${flag} takes unix seconds or an ISO 8601 time, not "${value}".`);
  return Math.floor(ms / 1000);
}
