import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAgentSession } from '../app/runtime.ts';
import type { CommandContext } from '../common/command.ts';
import { loadSettings } from '../common/settings.ts';
import { emissionsCommand as emissionsCommandFor } from './command.ts';

const emissionsCommand = emissionsCommandFor(openAgentSession);

function context() {
  let out = '';
  const ctx: CommandContext = {
    settings: loadSettings({}),
    network: () => {
      throw new Error('no network needed');
    },
    stdout: (text) => {
      out += text;
    },
    stderr: () => {},
  };
  return { ctx, out: () => out };
}

describe('sextant emissions schedule', () => {
  it('prints each day per bucket with the cumulative total, as JSON too', async () => {
    const { ctx, out } = context();
    expect(await emissionsCommand.run(['schedule', '--day', '0', '--days', '2', '--json'], ctx)).toBe(0);
    const { rows, scheduleTotal } = JSON.parse(out());
    expect(rows[0]).toMatchObject({
      day: 0,
      total: '14400',
      cumulative: '14400',
      buckets: { capital: '3456', protection: '576' },
    });
    expect(rows[1]).toMatchObject({ day: 1, total: '14397.531005299', cumulative: '28797.531005299' });
    expect(scheduleTotal).toBe('41999999.998839372');
  });

  it('pays a partial period linearly, and reads a schedule file', async () => {
    const { ctx, out } = context();
    await emissionsCommand.run(
      ['schedule', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T06:00:00Z', '--json'],
      ctx,
    );
    expect(JSON.parse(out()).rows[0].buckets.code).toBe('864');
    const file = join(mkdtempSync(join(tmpdir(), 'sextant-emissions-')), 'schedule.json');
    writeFileSync(
      file,
      JSON.stringify({
        schedule: {
          start: '2030-01-01T00:00:00Z',
          buckets: ['capital', 'code', 'compute', 'community', 'protection'].map((bucket) => ({
            bucket,
            initial: '10',
            decrease: '1',
          })),
          cap: '1000',
        },
      }),
    );
    const custom = context();
    await emissionsCommand.run(['schedule', '--day', '9', '--json', '--config', file], custom.ctx);
    expect(JSON.parse(custom.out()).rows[0]).toMatchObject({ total: '5', cumulative: '275' });
  });

  it('explains bad options', async () => {
    const { ctx } = context();
    await expect(emissionsCommand.run(['schedule', '--from', '2026-01-02'], ctx)).rejects.toThrow(
      /--from and --to go together/,
    );
    await expect(emissionsCommand.run(['schedule', '--day=-1'], ctx)).rejects.toThrow(/--day takes a day number/);
    await expect(emissionsCommand.run(['payout'], ctx)).rejects.toThrow(/Unknown subcommand/);
  });
});
