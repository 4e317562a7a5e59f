import { formatUnits } from 'viem';
import { describe, expect, it } from 'vitest';
import { fundedAgentUser, testAgent } from '../agent-core/testing/agent.ts';
import { serveChatPage, snap, useChromium, WAIT } from '../app/testing/browser.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { computeEpochSettlement } from '../emissions/epoch.ts';
import { migrateEmissions } from '../emissions/ledger/migrations.ts';
import { DEFAULT_SCHEDULE } from '../emissions/schedule.ts';
import { saveSettlement, updateDistribution } from '../emissions/store.ts';

/**
 * The emissions card's "Yours to claim" in a real headless Chromium against the real server on the
 * test devnet: what the signed-in user's smart account and owner address can claim, per epoch, the
 * amounts exactly as settled; an epoch that pays them nothing is not shown.
 */

const manifest = testDevnet();
const { signedIn } = useChromium({ height: 2000 });

describe("the emissions card's claims on the real server", async () => {
  const deps = await testAgent(manifest);
  const alice = await fundedAgentUser(deps, manifest);
  migrateEmissions(deps.db);
  const nobody = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as const;
  // Epoch 5 pays Alice's account the whole community bucket (distributed); epoch 6 pays her owner
  // address in compute (settled, not yet distributed); epoch 7 pays someone else only.
  const five = computeEpochSettlement(DEFAULT_SCHEDULE, 5, {
    capital: [],
    code: [{ contributor: nobody(1), weight: 1n }],
    compute: [],
    community: [{ contributor: alice.account, weight: 1n }],
    protection: [],
  });
  saveSettlement(deps.db, five.settlement, five.tree);
  updateDistribution(deps.db, 5, {
    status: 'distributed',
    chainId: manifest.chainId,
    rewardToken: manifest.contracts.emissions.rewardToken,
    distributor: nobody(0xd15),
  });
  const six = computeEpochSettlement(DEFAULT_SCHEDULE, 6, {
    capital: [],
    code: [],
    compute: [
      { contributor: alice.ownerAddress, weight: 1n },
      { contributor: nobody(2), weight: 2n },
    ],
    community: [],
    protection: [],
  });
  saveSettlement(deps.db, six.settlement, six.tree);
  const seven = computeEpochSettlement(DEFAULT_SCHEDULE, 7, {
    capital: [{ contributor: nobody(3), weight: 1n }],
    code: [],
    compute: [],
    community: [],
    protection: [],
  });
  saveSettlement(deps.db, seven.settlement, seven.tree);
  const served = await serveChatPage(manifest, deps, [alice]);
  const amountOf = (settled: typeof five, account: string) =>
    formatUnits(
      settled.settlement.claims.find((c) => c.account.toLowerCase() === account.toLowerCase())?.amount ?? -1n,
      18,
    );

  it("shows what the user's account and owner address can claim, per epoch, exactly", async () => {
    const { context, page, errors } = await signedIn(served);
    const yours = page.getByTestId('emissions-yours');
    const rows = yours.getByTestId('emissions-claim');
    await expect.poll(() => rows.count(), WAIT).toBe(2);
    await snap(page, 'emissions-yours', page.locator('#emissions-card'));

    // Newest first: epoch 6 (the owner address), then epoch 5 (the account); nothing from epoch 7.
    expect(
      await rows.evaluateAll((items) =>
        items.map((item) => (item as unknown as { dataset: { epoch: string } }).dataset.epoch),
      ),
    ).toEqual(['6', '5']);
    const row = (epoch: number) => yours.locator(`[data-testid="emissions-claim"][data-epoch="${epoch}"]`);
    expect(await row(5).getAttribute('data-address')).toBe(alice.account.toLowerCase());
    expect(await row(5).getByTestId('emissions-claim-amount').textContent()).toBe(amountOf(five, alice.account));
    expect(amountOf(five, alice.account)).toBe(formatUnits(five.settlement.buckets[3]?.paid ?? -1n, 18));
    expect(await row(5).textContent()).toContain('SXR');
    expect(await row(5).getByTestId('emissions-claim-status').textContent()).toContain('claim my rewards');
    expect(await row(6).getAttribute('data-address')).toBe(alice.ownerAddress.toLowerCase());
    expect(await row(6).getByTestId('emissions-claim-amount').textContent()).toBe(amountOf(six, alice.ownerAddress));
    expect(await row(6).getByTestId('emissions-claim-status').textContent()).toContain('once the epoch is distributed');
    expect(errors).toEqual([]);
    await context.close();
  });
});
