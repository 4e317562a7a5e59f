import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonRpc } from '../common/json-rpc.ts';
import { findFreePort } from '../common/ports.ts';
import { type Anvil, startAnvil } from './anvil.ts';

const FUNDED = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'; // anvil's first default account
const OTHER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

describe('the devnet anvil', () => {
  let anvil: Anvil | undefined;
  afterAll(async () => anvil?.process.stop());

  it('keeps no state history on disk, however many blocks it mines', async () => {
    // Unpruned, anvil moves states past its in-memory window (about 500 blocks) to
    // ~/.foundry/anvil/tmp and leaves them there when it stops: tens of gigabytes after a day of tests.
    const home = mkdtempSync(join(tmpdir(), 'sextant-anvil-home-'));
    anvil = await startAnvil({ host: '127.0.0.1', port: await findFreePort(), env: { ...process.env, HOME: home } });
    let last = '';
    for (let nonce = 0; nonce < 700; nonce++) {
      last = await jsonRpc<string>(anvil.rpcUrl, 'eth_sendTransaction', [{ from: FUNDED, to: OTHER, value: '0x1' }]);
    }
    // Automine mines each transaction as it comes, but may answer before the block is in: on a busy
    // machine the last two were not yet counted. Wait for the last one's receipt.
    for (let tries = 0; tries < 100; tries++) {
      if (await jsonRpc<unknown>(anvil.rpcUrl, 'eth_getTransactionReceipt', [last])) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Number(await jsonRpc<string>(anvil.rpcUrl, 'eth_blockNumber'))).toBeGreaterThan(600);
    const stateDir = join(home, '.foundry', 'anvil', 'tmp');
    const written = existsSync(stateDir) ? readdirSync(stateDir, { recursive: true }) : [];
    expect(written).toEqual([]);
    // The latest state still answers.
    expect(BigInt(await jsonRpc<string>(anvil.rpcUrl, 'eth_getBalance', [OTHER, 'latest']))).toBe(10n ** 22n + 700n);
  });
});
