import { describe, expect, it } from 'vitest';
import { runSextant } from '../devnet/testing/processes.ts';
import { emissionsCommand } from './command.ts';

/** Help needs no session: asking for one here is a bug. */
const noSession = () => {
  throw new Error('help opened an agent session');
};

/** `sextant emissions SUBCOMMAND --help`: each subcommand's own help, not the group's. */
describe('sextant emissions help', () => {
  it.each([
    ['schedule', /^Usage: sextant emissions schedule --day D/],
    ['settle', /^Usage: sextant emissions settle --epoch N\|next\|last/],
    ['claim', /^Usage: sextant emissions claim \[--user ID\][\s\S]*--for A/],
    ['proof', /^Usage: sextant emissions proof --epoch N --address A/],
    ['report', /^Usage: sextant emissions report/],
  ])('the help for emissions %s is its own', (subcommand, usage) => {
    const help = emissionsCommand(noSession).helpFor?.([subcommand, '--help']);
    expect(help).toMatch(usage);
    expect(help).not.toMatch(/Usage: sextant emissions <subcommand>/);
  });

  it('the real CLI prints it for --help and -h, and the group help for the group', async () => {
    // Started together, so their start-ups overlap instead of following one another.
    const flags = ['--help', '-h'].map((flag) => runSextant(['emissions', 'settle', flag]));
    const group = runSextant(['emissions', '--help']);
    for (const run of flags) {
      expect(await run.exited, run.stderr()).toBe(0);
      expect(run.stdout()).toMatch(/^Usage: sextant emissions settle --epoch N\|next\|last/);
    }
    expect(await group.exited).toBe(0);
    expect(group.stdout()).toMatch(/^Usage: sextant emissions <subcommand>/);
    expect(group.stdout()).toMatch(/proof\s+what an address can claim/);
  }, 60_000);
});
