import { describe, expect, it } from 'vitest';
import { runSextant } from '../devnet/testing/processes.ts';

/** `sextant emissions SUBCOMMAND --help` through the real CLI: each subcommand's own help, not the group's. */
describe('sextant emissions help', () => {
  it.each([
    ['schedule', /^Usage: sextant emissions schedule --day D/],
    ['settle', /^Usage: sextant emissions settle --epoch N\|next\|last/],
    ['claim', /^Usage: sextant emissions claim \[--user ID\][\s\S]*--for A/],
    ['proof', /^Usage: sextant emissions proof --epoch N --address A/],
    ['report', /^Usage: sextant emissions report/],
  ])(
    'sextant emissions %s --help prints its own help',
    async (subcommand, usage) => {
      for (const flag of ['--help', '-h']) {
        const run = runSextant(['emissions', subcommand, flag]);
        expect(await run.exited, run.stderr()).toBe(0);
        expect(run.stdout()).toMatch(usage);
        expect(run.stdout()).not.toMatch(/Usage: sextant emissions <subcommand>/);
      }
    },
    60_000,
  );

  it('sextant emissions --help still prints the group help, listing proof', async () => {
    const run = runSextant(['emissions', '--help']);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/^Usage: sextant emissions <subcommand>/);
    expect(run.stdout()).toMatch(/proof\s+what an address can claim/);
  }, 60_000);
});
