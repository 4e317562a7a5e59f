import { describe, expect, it } from 'vitest';
import { runSextant } from '../devnet/testing/processes.ts';

describe('the sextant CLI', () => {
  it('lists every command in --help', async () => {
    const run = runSextant(['--help']);
    expect(await run.exited).toBe(0);
    for (const command of ['start', 'devnet', 'account', 'faucet', 'chains']) {
      expect(run.stdout()).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    }
  });

  it("prints a command's help even when the settings are broken", async () => {
    const run = runSextant(['start', '--help'], { PORT: 'not-a-port' });
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('Usage: sextant start');
  });

  it('names an unknown command and the ones there are', async () => {
    const run = runSextant(['deploy']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('Unknown command "deploy"');
    expect(run.stderr()).toContain(
      'start, token, devnet, account, faucet, run, chat, plans, policy, contacts, parse, eval, skills, endpoints, endpoint, mcp, router, provider, emissions, chains',
    );
  });

  it('refuses an unknown option, pointing at the help', async () => {
    const run = runSextant(['chains', '--colour']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain("Unknown option '--colour'");
    expect(run.stderr()).toContain('sextant chains --help');
  });
});
