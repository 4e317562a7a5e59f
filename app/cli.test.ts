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

  it('shows the settings in force in --help: PORT and HOST from the environment, not the defaults', async () => {
    const env = { PORT: '9123', HOST: 'localhost', DATA_DIR: '/tmp/sextant-help', OLLAMA_HOST: '127.0.0.1:9999' };
    // Started together, so their start-ups overlap instead of following one another.
    const runs = [['--help'], ['start', '--help']].map((args) => runSextant(args, env));
    const real = runSextant(['--help'], { CHAIN: 'base', RPC_URL: 'https://rpc.example.com/v2/SECRET' });
    for (const run of runs) {
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toContain('Settings in force');
      expect(run.stdout()).toMatch(/^ {2}HOST, PORT +localhost, 9123 /m);
      expect(run.stdout()).toMatch(/^ {2}DATA_DIR +\/tmp\/sextant-help$/m);
      expect(run.stdout()).toMatch(/^ {2}OLLAMA_HOST +http:\/\/127\.0\.0\.1:9999 /m);
      expect(run.stdout()).not.toContain('8787');
    }
    // An RPC URL's path (often an API key) stays out of the help.
    expect(await real.exited).toBe(0);
    expect(real.stdout()).toMatch(/^ {2}RPC_URL +https:\/\/rpc\.example\.com\/…$/m);
    expect(real.stdout()).not.toContain('SECRET');
  });

  it("prints a command's help even when the settings are broken", async () => {
    const run = runSextant(['start', '--help'], { PORT: 'not-a-port' });
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('Usage: sextant start');
    expect(run.stdout()).toMatch(/Settings in force: unreadable\. PORT="not-a-port" is not valid/);
  });

  it('names an unknown command and the ones there are', async () => {
    const run = runSextant(['deploy']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain('Unknown command "deploy"');
    expect(run.stderr()).toContain(
      'start, token, devnet, account, faucet, bridges, run, chat, plans, orders, policy, contacts, parse, eval, skills, endpoints, endpoint, mcp, router, provider, emissions, chains',
    );
  });

  it('refuses an unknown option, pointing at the help', async () => {
    const run = runSextant(['chains', '--colour']);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain("Unknown option '--colour'");
    expect(run.stderr()).toContain('sextant chains --help');
  });
});
