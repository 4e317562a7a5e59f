// @ts-check
// One plan as a card: what was understood into steps, what the simulation says will change, and the
// Confirm / Cancel that send it (once) and follow its execution to the end.

import { ApiError, api } from './api.js';
import { h, hexWithCopy, icon, replaceChildren } from './dom.js';
import {
  direction,
  formatAmount,
  formatNumber,
  formatRemaining,
  formatUsd,
  formatWei,
  roundAmountsInText,
  shortHex,
} from './format.js';
import { withPassphrase } from './passphrase-dialog.js';

/**
 * Execution statuses after which nothing changes any more: the server's FINAL_EXECUTION_STATUSES
 * (smart-accounts/executions.ts), which the page cannot import; chat-ui/execution-status.test.ts keeps them equal.
 */
export const FINAL_STATUSES = new Set(['succeeded', 'reverted', 'failed', 'dropped']);

const PLAN_STATUS_LABELS = /** @type {Record<string, string>} */ ({
  proposed: 'Ready to confirm',
  refused: 'Refused',
  confirmed: 'Confirmed',
  cancelled: 'Cancelled',
  expired: 'Expired',
});

/**
 * A plan and its parts, and an execution, as the API sends them (api-types.d.ts, generated from the server's schemas).
 * @typedef {import('./api-types.js').PlanView} PlanView
 * @typedef {PlanView['preview']['changes'][number]} BalanceChange
 * @typedef {PlanView['preview']['approvals'][number]} Approval
 * @typedef {PlanView['preview']['ledger']['flows'][number]} ValueFlow
 * @typedef {import('./api-types.js').ExecutionView} Execution
 */

/**
 * @param {PlanView} plan
 * @param {{ onSettled: (execution: Execution) => void }} hooks onSettled: the execution reached a final status
 * @returns {HTMLElement}
 */
export function planCard(plan, hooks) {
  // Where the leg on the other chain stands once the bridge has run (a plan that continues there).
  const legStatus = h('p', {
    class: 'leg-status small',
    dataset: { testid: 'leg-status', status: plan.leg?.status ?? 'not-started' },
    attrs: { 'aria-live': 'polite', hidden: !plan.leg },
  });
  if (plan.leg) renderLeg(legStatus, plan.leg, plan.preview?.destination?.chain);
  const blocked = Boolean(plan.refusal) || !plan.preview?.ok;
  const statusBadge = h('span', {
    class: `badge badge-plan-${plan.status}`,
    text: PLAN_STATUS_LABELS[plan.status] ?? plan.status,
    dataset: { testid: 'plan-status', status: plan.status },
  });
  const expiry = h('span', { class: 'plan-expiry muted small', dataset: { testid: 'plan-expiry' } });
  const card = h(
    'article',
    {
      class: `plan-card${blocked ? ' plan-card-blocked' : ''}`,
      dataset: { testid: 'plan-card', planId: plan.id, status: plan.status },
      attrs: { 'aria-label': 'Plan' },
    },
    h(
      'header',
      { class: 'plan-head' },
      h('h3', {
        class: 'plan-title',
        text: plan.steps.length === 1 ? 'Plan · 1 step' : `Plan · ${plan.steps.length} steps`,
      }),
      h('div', { class: 'plan-head-meta' }, expiry, statusBadge),
    ),
  );

  if (blocked) card.append(refusalCallout(plan));
  if (plan.steps.length > 0) card.append(stepsSection(plan));
  // A bundle that failed simulation has no changes or fee worth showing: only why it failed.
  if (plan.preview?.ok !== false) {
    card.append(changesSection(plan));
    if (plan.preview?.approvals?.length > 0) card.append(approvalsSection(plan.preview.approvals));
    if (plan.preview?.ledger?.flows?.length > 0) card.append(ledgerSection(plan.preview.ledger.flows));
    card.append(costsSection(plan));
    card.append(guardSection(plan.preview?.guard));
    if (plan.preview?.destination) card.append(destinationSection(plan.preview.destination, legStatus));
  }

  if (plan.status !== 'proposed' || blocked) return card;

  // The actions: a new recipient needs an explicit "I know this address" before Confirm is possible.
  const ack = plan.newRecipients?.length > 0 ? recipientWarning(plan.newRecipients) : undefined;
  // A token off the token list is named by its address; using it needs its own explicit yes.
  const unlistedAck = plan.unlistedTokens?.length > 0 ? unlistedWarning(plan.unlistedTokens) : undefined;
  const confirmButton = h(
    'button',
    { class: 'button button-primary', attrs: { type: 'button' }, dataset: { testid: 'confirm-button' } },
    'Confirm and execute',
  );
  const cancelButton = h(
    'button',
    { class: 'button', attrs: { type: 'button' }, dataset: { testid: 'cancel-button' } },
    'Cancel',
  );
  const actionError = h('div', { class: 'plan-error', dataset: { testid: 'plan-error' }, attrs: { role: 'alert' } });
  const actions = h('div', { class: 'plan-actions' }, confirmButton, cancelButton);
  const progress = h('section', {
    class: 'execution',
    dataset: { testid: 'execution-status', status: 'idle' },
    attrs: { 'aria-label': 'Execution', 'aria-live': 'polite', hidden: true },
  });
  if (ack) card.append(ack.element);
  if (unlistedAck) card.append(unlistedAck.element);
  card.append(actions, actionError, progress);

  let inFlight = false;
  let expired = false;
  const refreshButtons = () => {
    const needsAck =
      (ack !== undefined && !ack.checkbox.checked) || (unlistedAck !== undefined && !unlistedAck.checkbox.checked);
    confirmButton.disabled = inFlight || expired || needsAck;
    cancelButton.disabled = inFlight;
    confirmButton.title = needsAck ? 'Tick the boxes above first' : expired ? 'This plan has expired' : '';
  };
  ack?.checkbox.addEventListener('change', refreshButtons);
  unlistedAck?.checkbox.addEventListener('change', refreshButtons);

  /** @param {string} status */
  const setPlanStatus = (status) => {
    card.dataset.status = status;
    statusBadge.dataset.status = status;
    statusBadge.className = `badge badge-plan-${status}`;
    statusBadge.textContent = PLAN_STATUS_LABELS[status] ?? status;
    if (status !== 'proposed') expiry.textContent = '';
  };

  // The expiry countdown: a plan's prices hold only so long; the server refuses an expired one anyway.
  const expiresAt = Date.parse(plan.expiresAt);
  let seenInPage = false;
  const tick = () => {
    // Stop once the card has left the page (a new conversation) or the plan has moved on.
    if (card.isConnected) seenInPage = true;
    else if (seenInPage) return window.clearInterval(timer);
    if (card.dataset.status !== 'proposed' || Number.isNaN(expiresAt)) return window.clearInterval(timer);
    const left = expiresAt - Date.now();
    if (left <= 0) {
      expired = true;
      setPlanStatus('expired');
      showError(
        actionError,
        'This plan has expired: prices may have moved since its preview.',
        'Ask again for a fresh plan.',
      );
      finish();
      return window.clearInterval(timer);
    }
    expiry.textContent = `expires in ${formatRemaining(left)}`;
    expiry.title = `Valid until ${new Date(expiresAt).toLocaleTimeString()}`;
  };
  const timer = window.setInterval(tick, 1000);

  function finish() {
    actions.remove();
    ack?.element.remove();
    unlistedAck?.element.remove();
  }

  confirmButton.addEventListener('click', async () => {
    if (inFlight) return;
    inFlight = true;
    refreshButtons();
    replaceChildren(actionError);
    renderExecution(progress, { id: '', status: 'submitting' });
    try {
      const body = {
        ...(ack?.checkbox.checked ? { allowNewRecipients: true } : {}),
        ...(unlistedAck?.checkbox.checked ? { allowUnlistedTokens: true } : {}),
      };
      // Without SEXTANT_PASSPHRASE the server answers 423: the dialog asks, unlocks, and confirms again.
      const { execution } = await withPassphrase(() => api.confirm(plan.id, body));
      setPlanStatus('confirmed');
      finish();
      renderExecution(progress, execution);
      const settled = FINAL_STATUSES.has(execution.status) ? execution : await follow(execution, progress);
      if (settled) hooks.onSettled(settled);
      if (settled?.status === 'succeeded' && plan.preview?.destination) {
        const leg = await followLeg(plan.id, legStatus, plan.preview.destination.chain);
        if (leg?.status === 'executed') hooks.onSettled(settled);
      }
    } catch (error) {
      progress.hidden = true;
      progress.dataset.status = 'idle';
      const problem = asProblem(error);
      if (problem.status === 409) {
        // Expired, refused or no longer proposed: this plan is done; a new request makes a new one.
        setPlanStatus(/expired/i.test(problem.message) ? 'expired' : (card.dataset.status ?? plan.status));
        finish();
      }
      showError(
        actionError,
        problem.message,
        problem.kind === 'unreachable'
          ? 'Confirming again is safe: it returns the same execution and never sends a second one.'
          : problem.hint,
      );
    } finally {
      inFlight = false;
      if (actions.isConnected) refreshButtons();
    }
  });

  cancelButton.addEventListener('click', async () => {
    if (inFlight) return;
    inFlight = true;
    refreshButtons();
    replaceChildren(actionError);
    try {
      const { plan: updated } = await api.cancel(plan.id);
      setPlanStatus(updated?.status ?? 'cancelled');
      finish();
    } catch (error) {
      const problem = asProblem(error);
      showError(actionError, problem.message, problem.hint);
    } finally {
      inFlight = false;
      if (actions.isConnected) refreshButtons();
    }
  });

  refreshButtons();
  tick();
  return card;
}

/** @param {PlanView} plan */
function refusalCallout(plan) {
  const simulationFailed = !plan.preview?.ok;
  const reason = plan.refusal ?? plan.preview?.problem ?? 'This plan cannot be executed.';
  return h(
    'div',
    { class: 'callout callout-danger', attrs: { role: 'note' } },
    icon('alert'),
    h(
      'div',
      null,
      h('p', {
        class: 'callout-title',
        text: simulationFailed ? 'Not offered: the simulation failed' : 'Refused by your policy',
      }),
      h('p', { class: 'callout-text', text: reason, dataset: { testid: 'refusal-reason' } }),
      h('p', {
        class: 'callout-hint',
        text: simulationFailed
          ? 'Nothing was sent. Check the amounts and your balances, then ask again.'
          : 'Nothing was sent. Change the request, or raise the limit in the Policy panel if you meant it.',
      }),
    ),
  );
}

/** @param {PlanView} plan */
function stepsSection(plan) {
  return h(
    'section',
    { class: 'plan-section', attrs: { 'aria-label': 'Steps' } },
    h('h4', { class: 'plan-section-title', text: 'Steps' }),
    h(
      'ol',
      { class: 'steps' },
      plan.steps.map((step, index) =>
        h(
          'li',
          {
            class: `step${step.chainId === undefined ? '' : ' step-destination'}`,
            dataset: {
              testid: 'plan-step',
              skill: step.skillId,
              ...(step.chainId ? { chainId: String(step.chainId) } : {}),
            },
          },
          h('span', { class: 'step-index', text: String(index + 1), attrs: { 'aria-hidden': 'true' } }),
          h(
            'div',
            { class: 'step-body' },
            h(
              'div',
              { class: 'step-line' },
              h('span', { class: 'step-title', text: step.title }),
              h('span', { class: 'pill pill-protocol', text: step.protocol, title: 'Protocol' }),
              step.chainId !== undefined && plan.preview?.destination?.chainId === step.chainId
                ? h('span', {
                    class: 'pill pill-chain',
                    text: `on ${plan.preview.destination.chain}`,
                    title: 'Runs on that chain once the bridge is filled there',
                  })
                : null,
            ),
            // Amounts rounded for people; the exact sentence on hover.
            h('p', {
              class: 'step-summary',
              text: roundAmountsInText(step.summary),
              title: step.summary,
              dataset: { testid: 'step-summary' },
            }),
            step.quote?.summary && step.quote.summary !== step.summary
              ? h('p', { class: 'step-quote', text: step.quote.summary })
              : null,
            h('code', {
              class: 'mono step-skill',
              text: `${step.skillId}@${step.version}`,
              title: 'The audited skill that builds this step',
            }),
          ),
        ),
      ),
    ),
  );
}

/**
 * The leg of a plan that runs on another chain once its bridge is filled there: what arrives, by
 * when, and that leg's own simulated changes, fee and on-chain guard; once confirmed, where it stands.
 * @param {NonNullable<PlanView['preview']['destination']>} destination
 * @param {HTMLElement} legStatus
 */
function destinationSection(destination, legStatus) {
  const arrives = destination.arrives.map((a) => `${formatAmount(a.amount)} ${a.symbol}`).join(' and ');
  const by = new Date(Math.min(...destination.arrives.map((a) => a.deadline)) * 1000).toLocaleString();
  const leg = /** @type {PlanView} */ (/** @type {unknown} */ ({ preview: destination.preview, valueUsd: 0 }));
  return h(
    'section',
    {
      class: 'plan-section plan-destination',
      dataset: { testid: 'plan-destination', chainId: String(destination.chainId) },
      attrs: { 'aria-label': `Then on ${destination.chain}` },
    },
    h('h4', { class: 'plan-section-title', text: `Then on ${destination.chain}` }),
    h('p', {
      class: 'muted small',
      text: `Runs there once at least ${arrives} ${destination.arrives.length === 1 ? 'has' : 'have'} arrived (by ${by}); simulated as if it had.`,
    }),
    changesSection(leg),
    destination.preview.approvals.length > 0 ? approvalsSection(destination.preview.approvals) : null,
    costsSection(leg),
    guardSection(destination.preview.guard),
    legStatus,
  );
}

/** @param {PlanView} plan */
function changesSection(plan) {
  const changes = plan.preview?.changes ?? [];
  const section = h(
    'section',
    { class: 'plan-section', attrs: { 'aria-label': 'Simulated balance changes' } },
    h('h4', { class: 'plan-section-title', text: 'Balance changes (simulated)' }),
  );
  if (changes.length === 0) {
    section.append(h('p', { class: 'muted small', text: 'The simulation shows no change to your balances.' }));
    return section;
  }
  const rows = changes.map((change) => {
    if (change.kind === 'debt' || change.kind === 'supplied') return positionRow(change);
    const way = direction(change.amount);
    return h(
      'tr',
      { class: `change change-${way}`, dataset: { testid: 'balance-change', symbol: change.symbol, direction: way } },
      h(
        'th',
        { attrs: { scope: 'row' } },
        h(
          'span',
          { class: 'token' },
          tokenAvatar(change.symbol),
          h('span', { text: change.symbol, title: change.token }),
        ),
      ),
      h(
        'td',
        { class: `amount amount-${way}` },
        h('span', { class: 'visually-hidden', text: way === 'in' ? 'in ' : way === 'out' ? 'out ' : '' }),
        h('span', { text: formatAmount(change.amount, { signed: true }), title: `${change.amount} ${change.symbol}` }),
      ),
      h('td', { class: 'usd', text: formatUsd(change.usd, { signed: true }) }),
    );
  });
  section.append(
    h(
      'table',
      { class: 'changes' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { attrs: { scope: 'col' }, text: 'Token' }),
          h('th', { attrs: { scope: 'col' }, class: 'num', text: 'Amount' }),
          h('th', { attrs: { scope: 'col' }, class: 'num', text: 'Value' }),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
  return section;
}

/**
 * A lending position's change as what it is: "You will owe 500 USDC on Aave V3" (red, −$500), "Your
 * Aave V3 collateral falls by 0.5 WETH" (red): what the account is worth decides the colour, not the
 * sign of a debt token's balance.
 * @param {BalanceChange} change
 */
function positionRow(change) {
  const worth = change.usd === null || change.usd === undefined ? undefined : change.usd;
  const rising = change.kind === 'debt' ? direction(change.amount) === 'out' : direction(change.amount) === 'in';
  const way = direction(change.amount) === 'zero' ? 'zero' : rising ? 'in' : 'out';
  const exact = `${change.amount} ${change.asset?.symbol ?? change.symbol} (${change.symbol} ${change.token})`;
  // One cell across the token and amount columns: the sentence is the amount, and needs the room.
  return h(
    'tr',
    {
      class: `change change-${way} change-position`,
      dataset: { testid: 'balance-change', symbol: change.symbol, direction: way, kind: change.kind ?? '' },
    },
    h(
      'td',
      { class: `amount amount-${way} position-text`, attrs: { colspan: '2' } },
      h(
        'span',
        { class: 'token' },
        tokenAvatar(change.asset?.symbol ?? change.symbol),
        h('span', { class: 'visually-hidden', text: change.kind === 'debt' ? 'debt: ' : 'supplied: ' }),
        h('span', {
          text: change.description ?? `${change.amount} ${change.symbol}`,
          title: exact,
          dataset: { testid: 'position-change' },
        }),
      ),
    ),
    h('td', { class: 'usd', text: formatUsd(worth, { signed: true }) }),
  );
}

/** @param {Approval[]} approvals */
function approvalsSection(approvals) {
  return h(
    'section',
    { class: 'plan-section', attrs: { 'aria-label': 'Approvals' } },
    h('h4', { class: 'plan-section-title', text: 'Approvals (exact amounts)' }),
    h(
      'ul',
      { class: 'approvals' },
      approvals.map((approval) =>
        h(
          'li',
          { class: 'approval', dataset: { testid: 'approval', symbol: approval.symbol } },
          h('span', { class: 'token' }, tokenAvatar(approval.symbol)),
          h(
            'span',
            { class: 'approval-text' },
            h('strong', {
              text: `${formatAmount(approval.amount)} ${approval.symbol}`,
              title: `${approval.amount} ${approval.symbol}`,
            }),
            ' to ',
            h('code', { class: 'mono', text: shortHex(approval.spender), title: approval.spender }),
            // Read from the simulated chain at the end of the plan: what the spender may still take.
            h('span', {
              class: 'muted',
              text: ` · ${formatAmount(approval.remaining)} left after the plan`,
              title: `${approval.remaining} ${approval.symbol}`,
              dataset: { testid: 'approval-remaining' },
            }),
          ),
        ),
      ),
    ),
  );
}

/** @param {PlanView} plan */
function costsSection(plan) {
  const gas = plan.preview?.gas;
  const fee = !gas
    ? h('span', { class: 'muted', text: 'unknown' })
    : gas.sponsored
      ? h('span', { class: 'badge badge-good', text: 'Sponsored' })
      : h(
          'span',
          null,
          h('span', { text: `${formatAmount(gas.fee, { round: 'up' })} ETH`, title: `up to ${gas.fee} ETH` }),
          h('span', {
            class: 'muted',
            text: gas.feeUsd === null || gas.feeUsd === undefined ? '' : ` ≈ ${formatUsd(gas.feeUsd)}`,
          }),
        );
  return h(
    'dl',
    { class: 'plan-costs' },
    h('div', null, h('dt', { text: 'Network fee' }), h('dd', { dataset: { testid: 'gas-fee' } }, fee)),
    h(
      'div',
      null,
      h('dt', { text: 'Value out' }),
      h('dd', { text: formatUsd(plan.preview?.valueOutUsd ?? plan.valueUsd), dataset: { testid: 'value-out' } }),
    ),
    gas?.units
      ? h('div', null, h('dt', { text: 'Gas' }), h('dd', { text: `${formatNumber(Number(gas.units))} units` }))
      : null,
  );
}

/**
 * Whether the bundle ends with Sextant's on-chain guard, and what it holds the result to.
 * @param {PlanView['preview']['guard']} guard
 */
function guardSection(guard) {
  if (!guard) {
    return h('p', {
      class: 'plan-guard muted',
      text: 'Not guarded on chain: this network has no Sextant bundle guard.',
      dataset: { testid: 'guard', guarded: 'no' },
    });
  }
  return h(
    'details',
    { class: 'plan-guard', dataset: { testid: 'guard', guarded: 'yes' } },
    h(
      'summary',
      null,
      icon('check'),
      h('span', { text: 'Guarded on chain: reverts if the result differs from this preview' }),
    ),
    h(
      'ul',
      { class: 'guard-checks' },
      guard.checks.map((check) => h('li', { text: check, dataset: { testid: 'guard-check' } })),
    ),
    h('p', { class: 'muted', text: 'Checked by ' }, h('code', { class: 'mono', text: guard.address })),
  );
}

/** @param {string[]} recipients */
function recipientWarning(recipients) {
  const id = `ack-${Math.random().toString(36).slice(2, 10)}`;
  const checkbox = h('input', { attrs: { type: 'checkbox', id }, dataset: { testid: 'new-recipient-ack' } });
  const element = h(
    'div',
    { class: 'callout callout-warning', dataset: { testid: 'new-recipient' } },
    icon('alert'),
    h(
      'div',
      null,
      h('p', {
        class: 'callout-title',
        text: recipients.length === 1 ? 'A new recipient' : 'New recipients',
      }),
      h('p', {
        class: 'callout-text',
        text:
          recipients.length === 1
            ? 'This plan pays an address this account has never paid (on this chain). Check every character:'
            : 'This plan pays addresses this account has never paid (on this chain). Check every character:',
      }),
      h(
        'ul',
        { class: 'recipients' },
        recipients.map((address) => h('li', null, h('code', { class: 'mono full-hex', text: address }))),
      ),
      h(
        'div',
        { class: 'field-check' },
        checkbox,
        h('label', {
          attrs: { for: id },
          text: recipients.length === 1 ? 'I know this address' : 'I know these addresses',
        }),
      ),
    ),
  );
  return { element, checkbox };
}

/** @param {{ address: string, symbol: string }[]} tokens */
function unlistedWarning(tokens) {
  const id = `ack-${Math.random().toString(36).slice(2, 10)}`;
  const checkbox = h('input', { attrs: { type: 'checkbox', id }, dataset: { testid: 'unlisted-token-ack' } });
  const element = h(
    'div',
    { class: 'callout callout-warning', dataset: { testid: 'unlisted-token' } },
    icon('alert'),
    h(
      'div',
      null,
      h('p', { class: 'callout-title', text: tokens.length === 1 ? 'An unlisted token' : 'Unlisted tokens' }),
      h('p', {
        class: 'callout-text',
        text: 'Not on the token list: its name is only what the contract calls itself. Check the address:',
      }),
      h(
        'ul',
        { class: 'recipients' },
        tokens.map((token) =>
          h(
            'li',
            null,
            h('code', { class: 'mono full-hex', text: token.address }),
            h('span', { class: 'muted', text: ` calling itself ${JSON.stringify(token.symbol)}` }),
          ),
        ),
      ),
      h('div', { class: 'field-check' }, checkbox, h('label', { attrs: { for: id }, text: 'I know this token' })),
    ),
  );
  return { element, checkbox };
}

const FLOW_VERBS = {
  give: 'Gives',
  transfer: 'Pays',
  allowance: 'Lets spend',
  debt: 'Borrows (you will owe)',
  withdrawal: 'Takes out of your position',
};

/** What the plan lets leave the user's control, as the policy counts it. @param {ValueFlow[]} flows */
function ledgerSection(flows) {
  return h(
    'section',
    { class: 'plan-section', attrs: { 'aria-label': 'What leaves your control' } },
    h('h4', { class: 'plan-section-title', text: 'What leaves your control' }),
    h(
      'ul',
      { class: 'approvals' },
      flows.map((flow) =>
        h(
          'li',
          { class: 'approval', dataset: { testid: 'value-flow', kind: flow.kind } },
          h(
            'span',
            { class: 'approval-text' },
            `${FLOW_VERBS[flow.kind] ?? flow.kind} `,
            h('strong', { text: `${formatAmount(flow.amount)} ${flow.label}`, title: `${flow.amount} ${flow.label}` }),
            flow.to ? ' to ' : '',
            flow.to ? h('code', { class: 'mono', text: shortHex(flow.to), title: flow.to }) : '',
            h('span', {
              class: 'muted',
              text:
                flow.countedUsd === 0
                  ? ' · paid from an earlier step'
                  : ` · ${flow.usd === null || flow.usd === undefined ? 'no price' : formatUsd(flow.usd)}`,
            }),
          ),
        ),
      ),
    ),
  );
}

/**
 * Shows an execution's progress: submitting → submitted → succeeded, or where and why it stopped.
 * @param {HTMLElement} container
 * @param {Execution | { id: string, status: 'submitting' }} execution
 */
export function renderExecution(container, execution) {
  const status = execution.status;
  container.hidden = false;
  container.dataset.status = status;
  const failed = status === 'reverted' || status === 'failed' || status === 'dropped';
  const final = FINAL_STATUSES.has(status);

  const titles = /** @type {Record<string, string>} */ ({
    submitting: 'Submitting…',
    pending: 'Signing and sending…',
    submitted: 'Submitted — waiting for it to land…',
    succeeded: 'Succeeded',
    reverted: 'Reverted on chain',
    failed: 'Failed — nothing was sent',
    dropped: 'Dropped by the bundler',
  });
  const stages = [
    { key: 'submitting', label: 'Sign' },
    { key: 'submitted', label: 'Submit' },
    { key: 'final', label: failed ? (status === 'reverted' ? 'Reverted' : 'Failed') : 'Land' },
  ];
  const reached = status === 'submitting' || status === 'pending' ? 0 : status === 'submitted' ? 1 : 2;
  const stepper = h(
    'ol',
    { class: 'stepper', attrs: { 'aria-hidden': 'true' } },
    stages.map((stage, index) => {
      const state =
        index < reached || (index === reached && final && !failed)
          ? 'done'
          : index === reached && failed
            ? 'failed'
            : index === reached
              ? 'current'
              : 'todo';
      return h(
        'li',
        { class: `stage stage-${state}` },
        h('span', { class: 'stage-dot' }),
        h('span', { text: stage.label }),
      );
    }),
  );

  const record = /** @type {Execution} */ (execution);
  const details = h('dl', { class: 'execution-details' });
  if (record.userOpHash) {
    details.append(
      h(
        'div',
        null,
        h('dt', { text: 'UserOperation' }),
        h('dd', null, hexWithCopy(record.userOpHash, { label: 'UserOperation hash', testid: 'user-op-hash' })),
      ),
    );
  }
  if (record.txHash) {
    details.append(
      h(
        'div',
        null,
        h('dt', { text: 'Transaction' }),
        h('dd', null, hexWithCopy(record.txHash, { label: 'transaction hash', testid: 'tx-hash' })),
      ),
    );
  }
  if (record.feePaid !== null && record.feePaid !== undefined && final) {
    details.append(
      h('div', null, h('dt', { text: 'Fee paid' }), h('dd', { text: `${formatWei(record.feePaid)} ETH` })),
    );
  }
  if (record.gasUsed !== null && record.gasUsed !== undefined && final) {
    details.append(
      h('div', null, h('dt', { text: 'Gas used' }), h('dd', { text: formatNumber(Number(record.gasUsed)) })),
    );
  }

  const stick = container.getBoundingClientRect().bottom <= window.innerHeight + 40;
  replaceChildren(
    container,
    h(
      'div',
      { class: 'execution-head' },
      final
        ? h('span', { class: `execution-icon ${failed ? 'bad' : 'good'}` }, icon(failed ? 'x' : 'check'))
        : h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
      h('p', { class: 'execution-title', text: titles[status] ?? status, dataset: { testid: 'execution-title' } }),
    ),
    stepper,
    details.childElementCount > 0 ? details : null,
    failed && record.error
      ? h(
          'p',
          { class: 'execution-error', dataset: { testid: 'execution-error' } },
          h('strong', { text: status === 'reverted' ? 'Revert reason: ' : 'Reason: ' }),
          record.error,
        )
      : null,
    status === 'succeeded' ? h('p', { class: 'muted small', text: 'Balances updated in the side panel.' }) : null,
  );
  // Keep the progress in view as it grows, unless the reader has scrolled elsewhere.
  if (stick || status === 'submitting') container.scrollIntoView({ block: 'nearest' });
}

/**
 * Shows where a plan's leg on another chain stands.
 * @param {HTMLElement} element
 * @param {NonNullable<PlanView['leg']>} leg
 * @param {string | undefined} chain
 */
function renderLeg(element, leg, chain) {
  const there = chain ?? `chain ${leg.chainId}`;
  element.hidden = false;
  element.dataset.status = leg.status;
  element.textContent =
    leg.status === 'waiting'
      ? `Waiting for the bridge to be filled on ${there}. The steps there run in the server's next pass after it is (a server started with SEXTANT_PASSPHRASE), or with \`sextant bridges\`.`
      : leg.status === 'executed'
        ? `Ran on ${there}: ${leg.executionStatus ?? 'sent'}${leg.txHash ? ` (${leg.txHash.slice(0, 10)}…)` : ''}.`
        : `Dropped, nothing ran on ${there}: ${leg.reason ?? 'it will not run'}.`;
}

/**
 * Follows a confirmed plan's leg on the other chain until it has run or been dropped (the server
 * runs it once the bridge is filled): every 2 s, for up to about an hour (the fill deadline).
 * @param {string} planId
 * @param {HTMLElement} element
 * @param {string} chain
 * @returns {Promise<PlanView['leg'] | undefined>}
 */
async function followLeg(planId, element, chain) {
  /** @type {PlanView['leg'] | undefined} */
  let leg;
  for (let attempt = 0; attempt < 1800 && element.isConnected; attempt++) {
    try {
      const answer = await api.plan(planId);
      leg = answer?.plan?.leg;
      if (leg) renderLeg(element, leg, chain);
      if (
        leg &&
        leg.status !== 'waiting' &&
        (leg.status !== 'executed' || FINAL_STATUSES.has(leg.executionStatus ?? ''))
      ) {
        return leg;
      }
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'locked') return leg;
    }
    await new Promise((resolve) => window.setTimeout(resolve, 2000));
  }
  return leg;
}

/**
 * Follows an execution to a final status: the server's event stream first, polling if that breaks.
 * @param {Execution} execution
 * @param {HTMLElement} container
 * @returns {Promise<Execution | undefined>}
 */
async function follow(execution, container) {
  let latest = execution;
  try {
    await api.executionEvents(execution.id, (name, data) => {
      if (name === 'status' && data?.execution) {
        latest = data.execution;
        renderExecution(container, latest);
      }
    });
  } catch {
    // fall back to polling below
  }
  for (let attempt = 0; attempt < 90 && !FINAL_STATUSES.has(latest.status); attempt++) {
    await new Promise((resolve) => window.setTimeout(resolve, 2000));
    try {
      const answer = await api.execution(execution.id);
      if (answer?.execution) {
        latest = answer.execution;
        renderExecution(container, latest);
      }
    } catch (error) {
      if (error instanceof ApiError && error.kind === 'locked') return undefined;
    }
  }
  return FINAL_STATUSES.has(latest.status) ? latest : undefined;
}

/**
 * @param {HTMLElement} container
 * @param {string} message
 * @param {string} [hint]
 */
export function showError(container, message, hint) {
  replaceChildren(
    container,
    h(
      'div',
      { class: 'callout callout-danger', dataset: { testid: 'error-message' } },
      icon('alert'),
      h(
        'div',
        null,
        h('p', { class: 'callout-text', text: message }),
        hint ? h('p', { class: 'callout-hint', text: hint }) : null,
      ),
    ),
  );
}

/**
 * @param {unknown} error
 * @returns {{ message: string, hint?: string, status: number, kind: string }}
 */
export function asProblem(error) {
  if (error instanceof ApiError) {
    return {
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      status: error.status,
      kind: error.kind,
    };
  }
  return { message: error instanceof Error ? error.message : String(error), status: 0, kind: 'unknown' };
}

/**
 * A round token mark with the symbol's first letter, tinted by the symbol (text only).
 * @param {string} symbol
 */
export function tokenAvatar(symbol) {
  let hash = 0;
  for (const char of String(symbol)) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  const avatar = h('span', {
    class: `token-avatar tint-${hash % 8}`,
    text: String(symbol).slice(0, 1).toUpperCase() || '?',
    attrs: { 'aria-hidden': 'true' },
  });
  return avatar;
}
