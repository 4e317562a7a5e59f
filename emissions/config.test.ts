import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { loadEmissionsConfig } from './config.ts';
import { DEFAULT_SCHEDULE } from './schedule.ts';

/** A DATA_DIR whose emissions.json is `config`. */
function dataDirWith(config: unknown): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'sextant-emissions-config-'));
  writeFileSync(join(dataDir, 'emissions.json'), JSON.stringify(config));
  return dataDir;
}

describe('the emissions configuration', () => {
  it('merges a partial schedule over the defaults: only intervalSeconds, or only some buckets', () => {
    const short = loadEmissionsConfig(undefined, dataDirWith({ schedule: { intervalSeconds: 300 } }));
    expect(short.schedule).toEqual({ ...DEFAULT_SCHEDULE, interval: 300 });

    const some = loadEmissionsConfig(
      undefined,
      dataDirWith({
        schedule: {
          start: '2030-01-01T00:00:00Z',
          buckets: [{ bucket: 'compute', initial: '10', decrease: '0.5' }],
        },
        treasury: '0x000000000000000000000000000000000000dEaD',
      }),
    );
    expect(some.schedule.start).toBe(Date.parse('2030-01-01T00:00:00Z') / 1000);
    expect(some.schedule.interval).toBe(86_400);
    expect(some.schedule.cap).toBe(DEFAULT_SCHEDULE.cap);
    expect(some.schedule.buckets).toEqual(
      DEFAULT_SCHEDULE.buckets.map((b) =>
        b.bucket === 'compute'
          ? { bucket: 'compute', initial: parseUnits('10', 18), decrease: parseUnits('0.5', 18) }
          : b,
      ),
    );
    expect(some.treasury).toBe('0x000000000000000000000000000000000000dEaD');

    // No schedule at all, and an empty one, are the defaults.
    expect(loadEmissionsConfig(undefined, dataDirWith({})).schedule).toEqual(DEFAULT_SCHEDULE);
    expect(loadEmissionsConfig(undefined, dataDirWith({ schedule: {} })).schedule).toEqual(DEFAULT_SCHEDULE);
  });

  it('still refuses an invalid value, naming the field', () => {
    const refused = (config: unknown) => () => loadEmissionsConfig(undefined, dataDirWith(config));
    expect(refused({ schedule: { intervalSeconds: 0 } })).toThrow(/schedule\.intervalSeconds: /);
    expect(refused({ schedule: { intervalSeconds: '300' } })).toThrow(/schedule\.intervalSeconds: /);
    expect(refused({ schedule: { buckets: [{ bucket: 'code', initial: 'lots', decrease: '1' }] } })).toThrow(
      /schedule\.buckets\.0\.initial: a token amount/,
    );
    expect(refused({ schedule: { buckets: [{ bucket: 'code', initial: '1' }] } })).toThrow(
      /schedule\.buckets\.0\.decrease: /,
    );
    expect(
      refused({
        schedule: {
          buckets: [
            { bucket: 'code', initial: '1', decrease: '0' },
            { bucket: 'code', initial: '2', decrease: '0' },
          ],
        },
      }),
    ).toThrow(/schedule\.buckets: each bucket at most once/);
    expect(refused({ schedule: { cap: '-1' } })).toThrow(/schedule\.cap: a token amount/);
    expect(refused({ schedule: { interval: 300 } })).toThrow(/schedule: .*interval/);
    expect(refused({ treasury: 'nobody' })).toThrow(/treasury: a 0x address/);
  });
});
