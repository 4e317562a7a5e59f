import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { getExecution, nothingWasSent } from '../smart-accounts/executions.ts';
import { reconcileExecutions } from '../smart-accounts/reconcile.ts';
import { TEST_PASSPHRASE } from '../smart-accounts/testing/environment.ts';
import { confirmPlan, handleMessage } from './agent.ts';
import { fundedAgentUser, testAgent } from './testing/agent.ts';

const manifest = testDevnet();
const CRASHER = fileURLToPath(new URL('./testing/crash-during-confirm.ts', import.meta.url));

describe('a confirmation killed in the middle (SIGKILL)', async () => {
  const deps = await testAgent(manifest);

  /** A proposed plan paying a fresh address 0.1 ETH, confirmed in a child process killed at `killAt`. */
  async function killedConfirm(killAt: 'first-bundler-call' | 'after-send') {
    const user = await fundedAgentUser(deps, manifest);
    const recipient = privateKeyToAccount(generatePrivateKey()).address;
    const reply = await handleMessage(deps, {
      userId: user.userId,
      owner: user.ownerAddress,
      account: user.account,
      text: `send 0.1 ETH to ${recipient}`,
    });
    expect(reply.kind, reply.text).toBe('plan');
    const planId = reply.plan?.id as string;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CRASHER,
        JSON.stringify({
          dbPath: deps.db.name,
          manifest,
          userId: user.userId,
          planId,
          passphrase: TEST_PASSPHRASE,
          killAt,
        }),
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const signal = await new Promise((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    // Straight from SQLite: the plan and the executions created for it.
    const plan = deps.db.prepare('SELECT status, execution_id FROM agent_plans WHERE id = ?').get(planId) as {
      status: string;
      execution_id: string | null;
    };
    const executions = deps.db.prepare('SELECT id FROM executions WHERE plan_id = ?').all(planId) as { id: string }[];
    return { user, recipient, planId, plan, executions };
  }

  it('killed once the bundler took the operation: the plan has its execution id, and reconciliation settles it', async () => {
    const { user, recipient, planId, plan, executions } = await killedConfirm('after-send');
    expect(plan.status).toBe('confirmed');
    expect(executions).toHaveLength(1);
    expect(plan.execution_id).toBe(executions[0]?.id);

    const report = await reconcileExecutions(deps.env, { waitMs: 30_000 });
    expect(report.settled).toContainEqual({ id: plan.execution_id, status: 'succeeded' });
    const settled = getExecution(deps.db, user.userId, plan.execution_id as string);
    expect(settled.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await deps.env.publicClient.getBalance({ address: recipient })).toBe(parseEther('0.1'));

    // Confirming again returns that execution and sends nothing.
    const again = await confirmPlan(deps, { userId: user.userId, planId, owner: user.owner, allowNewRecipients: true });
    expect(again.id).toBe(plan.execution_id);
    expect(again.status).toBe('succeeded');
    expect(await deps.env.publicClient.getBalance({ address: recipient })).toBe(parseEther('0.1'));
  });

  it('killed before anything was signed: the plan has its execution id, and reconciliation says nothing was sent', async () => {
    const { user, recipient, plan, executions } = await killedConfirm('first-bundler-call');
    expect(executions).toHaveLength(1);
    expect(plan.execution_id).toBe(executions[0]?.id);
    expect(getExecution(deps.db, user.userId, plan.execution_id as string)).toMatchObject({
      status: 'pending',
      userOpHash: null,
    });

    await reconcileExecutions(deps.env, { waitMs: 0, staleAfterMs: 0 });
    const settled = getExecution(deps.db, user.userId, plan.execution_id as string);
    expect(settled).toMatchObject({ status: 'failed', sent: 'no' });
    expect(nothingWasSent(settled)).toBe(true);
    expect(await deps.env.publicClient.getBalance({ address: recipient })).toBe(0n);
  });
});
