import { describe, expect, it } from 'vitest';
import { FINAL_EXECUTION_STATUSES } from '../smart-accounts/executions.ts';

describe('the page’s final execution statuses', () => {
  it('are the server’s (the page keeps a copy: it cannot import TypeScript)', async () => {
    // A module path in a variable: plan-card.js has no type declarations, and needs none here.
    const planCard = './public/js/plan-card.js';
    const { FINAL_STATUSES } = (await import(planCard)) as { FINAL_STATUSES: Set<string> };
    expect([...FINAL_STATUSES].sort()).toEqual([...FINAL_EXECUTION_STATUSES].sort());
  });
});
