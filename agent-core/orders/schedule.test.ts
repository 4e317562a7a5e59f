import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../../common/database.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { executionEnvironment } from '../../smart-accounts/environment.ts';
import { migrateSmartAccounts } from '../../smart-accounts/migrations.ts';
import { devnetNetwork, TEST_PASSPHRASE } from '../../smart-accounts/testing/environment.ts';
import { ensureUser } from '../../smart-accounts/users.ts';
import { ensureAgentKey } from './agent-key.ts';
import { migrateOrders } from './migrations.ts';
import type { RunnerEnvironment } from './runner.ts';
import { agentKeysFor, outcomeChanges, startOrderRunner } from './schedule.ts';

/**
 * The runner's schedule as the server runs it: passes one after the other, a failed one reported and
 * the next one made all the same, and `stop` waiting for a pass under way. Its passes here fail for
 * real (a database without the orders' tables), slowly reported, so an overlap would show.
 */
const manifest = testDevnet();

function database(withOrders: boolean) {
  const db = openDatabase(databasePath(mkdtempSync(join(tmpdir(), 'sextant-schedule-'))));
  migrateSmartAccounts(db);
  if (withOrders) migrateOrders(db);
  return db;
}

describe('the standing orders’ schedule', () => {
  it('goes on after a failed pass, never runs two at once, and stops once the pass under way is done', async () => {
    const db = database(false);
    const env: RunnerEnvironment = {
      ...executionEnvironment(db, devnetNetwork(manifest)),
      agentKey: async () => undefined,
    };
    let running = 0;
    let most = 0;
    let failures = 0;
    let reported = 0;
    const errors: string[] = [];
    const runner = startOrderRunner(env, {
      intervalMs: 5,
      // Reporting is part of the pass: a slow report holds the next pass back.
      onError: async (error) => {
        running += 1;
        most = Math.max(most, running);
        failures += 1;
        errors.push((error as Error).message);
        await new Promise((resolve) => setTimeout(resolve, 100));
        running -= 1;
        reported += 1;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 450));
    await runner.stop();
    // Every pass failed, and still they went on; the one under way at stop was finished first.
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(failures).toBeLessThanOrEqual(5);
    expect(reported).toBe(failures);
    expect(most).toBe(1);
    expect(errors[0]).toMatch(/no such table: orders/);
    // Stopped: no pass after it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(failures).toBe(reported);
    expect(errors).toHaveLength(failures);
    db.close();
  });

  it('opens agent keys with the passphrase once each, and leaves a key another passphrase seals closed', async () => {
    const db = database(true);
    ensureUser(db, 'ada');
    ensureUser(db, 'bob');
    const ada = await ensureAgentKey(db, 'ada', TEST_PASSPHRASE);
    await ensureAgentKey(db, 'bob', 'another passphrase');
    let asked = 0;
    const keys = agentKeysFor(db, async () => {
      asked += 1;
      return TEST_PASSPHRASE;
    });
    const first = await keys.agentKey('ada');
    expect(first?.address).toBe(ada);
    expect(await keys.agentKey('ada')).toBe(first);
    expect(await keys.agentKey('bob')).toBeUndefined();
    expect(asked).toBe(1);
    // A user with no agent key is an error (their order cannot exist), not a closed key.
    ensureUser(db, 'cy');
    await expect(keys.agentKey('cy')).rejects.toThrow(/has no agent key/);
    db.close();
  });

  it('reports an order’s outcome when it changes, not at every pass', () => {
    const changes = outcomeChanges();
    expect(changes([{ orderId: 'a', outcome: 'day 1 succeeded' }])).toHaveLength(1);
    expect(changes([{ orderId: 'a', outcome: 'day 1 done' }])).toHaveLength(1);
    expect(changes([{ orderId: 'a', outcome: 'day 1 done' }])).toEqual([]);
    expect(changes([{ orderId: 'b', outcome: 'day 1 done' }])).toHaveLength(1);
  });
});
