import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../common/database.ts';
import { MIGRATIONS, migrateOrders } from './migrations.ts';
import { getOrder } from './store.ts';

/**
 * Migration 2 rebuilds both orders tables to let in the claim-rewards kind. A database made before it
 * keeps its orders, runs and agent keys as they were; order_runs still refers to orders (the rebuilt
 * one, not a table that is gone); the kinds are the four, no others.
 */
const ACCOUNT = '0x1111111111111111111111111111111111111111';
const AGENT = '0x2222222222222222222222222222222222222222';

function insertOrderRow(db: ReturnType<typeof openDatabase>, id: string, kind: string): void {
  db.prepare(
    `INSERT INTO orders (id, user_id, chain_id, account, agent, kind, terms, delegations, words, agent_gas, status,
       status_reason, grant_execution_id, revoke_execution_id, created_at, updated_at)
     VALUES (?, 'user-1', 31337, ?, ?, ?, '{"days":3,"start":"1700000000n"}', '[]', 'Sextant may swap…', '1000',
       'active', NULL, 'exec-grant', NULL, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z')`,
  ).run(id, ACCOUNT, AGENT, kind);
}

function insertRunRow(db: ReturnType<typeof openDatabase>, orderId: string, period: number): void {
  db.prepare(
    `INSERT INTO order_runs (order_id, period, attempt, execution_id, value_usd, retry_after, created_at)
     VALUES (?, ?, 1, 'exec-run', 49.5, 1767225600000, '2026-01-01T00:00:01.000Z')`,
  ).run(orderId, period);
}

describe('the orders migrations', () => {
  it('keep the rows of a database made at migration 1, its run still bound to its order, and let in claim orders only', () => {
    const db = openDatabase(':memory:');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    migrate(db, 'orders', MIGRATIONS.slice(0, 1));
    insertOrderRow(db, 'ord_1', 'daily-swap');
    insertRunRow(db, 'ord_1', 0);
    db.prepare(
      `INSERT INTO agent_keys (user_id, address, kdf, salt, iv, ciphertext, tag, created_at)
       VALUES ('user-1', ?, 'scrypt', x'01', x'02', x'03', x'04', '2026-01-01T00:00:00.000Z')`,
    ).run(AGENT);
    // At migration 1 the fourth kind is refused: what migration 2 is for.
    expect(() => insertOrderRow(db, 'ord_early_claim', 'claim-rewards')).toThrow(/CHECK constraint failed/);
    const before = {
      orders: db.prepare('SELECT * FROM orders').all(),
      runs: db.prepare('SELECT * FROM order_runs').all(),
      keys: db.prepare('SELECT * FROM agent_keys').all(),
    };

    migrateOrders(db);
    expect(
      db
        .prepare("SELECT version FROM schema_migrations WHERE module = 'orders' ORDER BY version")
        .all()
        .map((row) => (row as { version: number }).version),
    ).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(db.prepare('SELECT * FROM orders').all()).toEqual(before.orders);
    expect(db.prepare('SELECT * FROM order_runs').all()).toEqual(before.runs);
    expect(db.prepare('SELECT * FROM agent_keys').all()).toEqual(before.keys);
    expect(getOrder(db, 'user-1', 'ord_1')).toMatchObject({ kind: 'daily-swap', status: 'active', agentGas: 1000n });
    // No table of the rebuild is left, the index is back, and the runs refer to orders by that name.
    expect(
      db
        .prepare("SELECT name FROM sqlite_master WHERE name LIKE '%_v2' OR name LIKE 'order%' ORDER BY name")
        .all()
        .map((row) => (row as { name: string }).name),
    ).toEqual(['order_runs', 'orders', 'orders_user']);
    expect(db.pragma('foreign_key_list(order_runs)')).toMatchObject([{ table: 'orders', from: 'order_id', to: 'id' }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);

    // A run for an order that does not exist is refused; one for a stored order is taken.
    expect(() => insertRunRow(db, 'ord_missing', 0)).toThrow(/FOREIGN KEY constraint failed/);
    insertRunRow(db, 'ord_1', 1);
    // A period's attempt is still written once (what keeps two runners from both starting it).
    expect(() => insertRunRow(db, 'ord_1', 1)).toThrow(/UNIQUE constraint failed/);
    expect(() => insertOrderRow(db, 'ord_1', 'daily-swap')).toThrow(/UNIQUE constraint failed/);
    // The fourth kind now goes in, and the store reads it; a kind nobody made does not.
    insertOrderRow(db, 'ord_claim', 'claim-rewards');
    insertRunRow(db, 'ord_claim', 7);
    expect(getOrder(db, 'user-1', 'ord_claim').kind).toBe('claim-rewards');
    expect(() => insertOrderRow(db, 'ord_bad', 'drain-everything')).toThrow(/CHECK constraint failed/);
    // An order with runs cannot be deleted from under them.
    expect(() => db.prepare("DELETE FROM orders WHERE id = 'ord_1'").run()).toThrow(/FOREIGN KEY constraint failed/);

    // Migrating again changes nothing.
    migrateOrders(db);
    expect(db.prepare('SELECT count(*) AS n FROM order_runs').get()).toEqual({ n: 3 });
    db.close();
  });
});
