import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../../common/database.ts';
import { updateExecution } from '../../smart-accounts/executions.ts';
import { migrateSmartAccounts } from '../../smart-accounts/migrations.ts';
import { ensureUser } from '../../smart-accounts/users.ts';
import { migrateAgentCore } from '../migrations.ts';
import type { DailySwapGrant } from '../orders/daily-swap-grant.ts';
import { insertOrder, insertRun, newOrderId } from '../orders/store.ts';
import { spentToday } from './spent-today.ts';

const address = '0x00000000000000000000000000000000000000aa';

describe('the day’s spend the policy counts', () => {
  it('counts standing orders’ runs beside plans, except runs that certainly moved nothing', () => {
    const db = openDatabase(databasePath(mkdtempSync(join(tmpdir(), 'sextant-spent-'))));
    migrateSmartAccounts(db);
    migrateAgentCore(db);
    ensureUser(db, 'ann');
    const order = insertOrder(db, {
      id: newOrderId(),
      userId: 'ann',
      chainId: 31337,
      account: address,
      agent: address,
      kind: 'daily-swap',
      terms: {} as DailySwapGrant,
      delegations: [],
      words: 'a test order',
      agentGas: 0n,
      status: 'active',
      grantExecutionId: null,
    });
    const run = (period: number, attempt: number) =>
      insertRun(db, order, { period, attempt, valueUsd: 50, calls: [{ to: address, data: '0x' }] });
    expect(spentToday(db, 'ann')).toBe(0);
    const landed = run(0, 1);
    updateExecution(db, landed.execution.id, { status: 'succeeded', sent: 'yes' });
    expect(spentToday(db, 'ann')).toBe(50);
    // Sent, outcome unknown: it may have moved, so it counts.
    run(1, 1);
    expect(spentToday(db, 'ann')).toBe(100);
    // Certainly nothing sent: it does not.
    const failed = run(2, 1);
    updateExecution(db, failed.execution.id, { status: 'failed', sent: 'no' });
    expect(spentToday(db, 'ann')).toBe(100);
    // A day later, none of them.
    expect(spentToday(db, 'ann', Date.now() + 25 * 60 * 60 * 1000)).toBe(0);
  });
});
