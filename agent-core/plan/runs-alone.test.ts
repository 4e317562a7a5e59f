import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { databasePath, openDatabase } from '../../common/database.ts';
import { insertOrGetExecution, updateExecution } from '../../smart-accounts/executions.ts';
import { migrateSmartAccounts } from '../../smart-accounts/migrations.ts';
import { ensureUser } from '../../smart-accounts/users.ts';
import { migrateAgentCore } from '../migrations.ts';
import type { Preview } from './preview.ts';
import { runsAloneConflict, unvettedInFlight } from './runs-alone.ts';
import { type StoredPlan, savePlan, setPlanExecution, transitionPlan } from './store.ts';

const HOME = 31_337;
const L2 = 31_338;
const ACCOUNT: Address = '0x1111111111111111111111111111111111111111';
const TOKEN: Address = '0x2222222222222222222222222222222222222222';
const GUARD: Address = '0x3333333333333333333333333333333333333333';

function database() {
  const db = openDatabase(databasePath(mkdtempSync(join(tmpdir(), 'sextant-runs-alone-'))));
  migrateSmartAccounts(db);
  migrateAgentCore(db);
  ensureUser(db, 'ann');
  return db;
}

/** A plan on `chainId`; `unvetted` sets its guard's watch of every holding, here or on its leg's chain. */
function plan(
  db: ReturnType<typeof database>,
  chainId: number,
  unvetted: 'here' | 'leg' | 'no',
  legChainId?: number,
): StoredPlan {
  const guard = (watches: boolean) => ({
    address: GUARD,
    checks: [],
    ...(watches ? { watchesHoldings: [TOKEN] } : {}),
  });
  const preview = {
    ok: true,
    guard: guard(unvetted === 'here'),
    ...(legChainId
      ? {
          destination: {
            chainId: legChainId,
            chain: 'devnet-l2',
            arrives: [],
            preview: { guard: guard(unvetted === 'leg') },
          },
        }
      : {}),
  } as unknown as Preview;
  return savePlan(db, {
    userId: 'ann',
    conversationId: undefined,
    message: 'test',
    status: 'proposed',
    chainId,
    account: ACCOUNT,
    intents: [],
    steps: [],
    calls: [],
    ...(legChainId ? { destination: { chainId: legChainId, steps: [], calls: [] } } : {}),
    preview,
    valueUsd: 0,
    newRecipients: [],
    refusal: undefined,
    referrer: null,
  });
}

/** An execution of the account on `chainId`, not settled yet, for `planId`; `runsAlone` as execute records it. */
function flying(db: ReturnType<typeof database>, chainId: number, planId?: string, runsAlone = false) {
  return insertOrGetExecution(db, {
    userId: 'ann',
    ...(planId ? { planId } : {}),
    runsAlone,
    idempotencyKey: `key-${Math.random()}`,
    chainId,
    account: ACCOUNT,
    calls: [],
  }).record;
}

describe('an unvetted bundle runs alone', () => {
  it('an unvetted plan waits for any operation of the account on its way, and names it', () => {
    const db = database();
    const unvetted = plan(db, HOME, 'here');
    expect(runsAloneConflict(db, unvetted)).toBeUndefined();
    const other = flying(db, HOME);
    expect(runsAloneConflict(db, unvetted)).toMatch(
      new RegExp(`another operation of this account is still on its way \\(execution ${other.id} \\(pending since`),
    );
    // On another chain, or settled: no longer in the way.
    updateExecution(db, other.id, { status: 'failed', sent: 'no', error: 'test' });
    flying(db, L2);
    expect(runsAloneConflict(db, unvetted)).toBeUndefined();
  });

  it('nothing starts beside an unvetted plan reserved or in flight, or beside an unvetted leg running on this chain', () => {
    const db = database();
    const vetted = plan(db, HOME, 'no');
    const unvetted = plan(db, HOME, 'here');
    // Reserved (confirmed, its execution not recorded yet): in the way.
    expect(transitionPlan(db, unvetted.id, 'proposed', 'confirmed')).toBe(true);
    expect(runsAloneConflict(db, vetted)).toMatch(new RegExp(`^plan ${unvetted.id} of this account`));
    const its = flying(db, HOME, unvetted.id);
    setPlanExecution(db, unvetted.id, its.id);
    expect(unvettedInFlight(db, HOME, ACCOUNT)).toBe(`plan ${unvetted.id}`);
    updateExecution(db, its.id, { status: 'succeeded' });
    expect(unvettedInFlight(db, HOME, ACCOUNT)).toBeUndefined();

    // A bridge plan made on L2 whose unvetted leg runs here: the leg's execution, recorded as running
    // alone, carries the plan's id (a plan of another chain, so not among this chain's plans in flight).
    const bridge = plan(db, L2, 'leg', HOME);
    const leg = flying(db, HOME, bridge.id, true);
    expect(runsAloneConflict(db, vetted)).toMatch(
      new RegExp(`^execution ${leg.id} \\(of plan ${bridge.id}\\) of this account`),
    );
    expect(unvettedInFlight(db, L2, ACCOUNT)).toBeUndefined();
    updateExecution(db, leg.id, { status: 'succeeded' });
    expect(runsAloneConflict(db, vetted)).toBeUndefined();
  });
});
