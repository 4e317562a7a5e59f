// @ts-check
// The Orders card: each standing order with its grant in words, its limits, where it stands (and
// why), when the runner next looks at it, the grant's, the revocation's and each run's transaction,
// and what the user may do about it: grant a proposal, pause, resume, cancel (which revokes on
// chain from their address, so it asks first). Kept live like the account.

import { api } from './api.js';
import { $, h, hexWithCopy, icon, replaceChildren } from './dom.js';
import { formatAmount } from './format.js';
import { withPassphrase } from './passphrase-dialog.js';
import { asProblem, showError } from './plan-card.js';

/**
 * @typedef {import('./api-types.js').OrderView} OrderView
 * @typedef {import('./api-types.js').OrderRunView} OrderRunView
 * @typedef {NonNullable<OrderView['grant']>} ExecutionSummary
 */

/** How often a visible page reads the orders again on its own (the runner acts while the user is away). */
const ORDERS_EVERY_MS = 30_000;

const STATUS = /** @type {Record<OrderView['status'], { label: string, tone: string }>} */ ({
  proposed: { label: 'Proposed', tone: 'plan-proposed' },
  granting: { label: 'Granting', tone: 'neutral' },
  active: { label: 'Active', tone: 'good' },
  paused: { label: 'Paused', tone: 'warn' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
  finished: { label: 'Finished', tone: 'neutral' },
  stopped: { label: 'Stopped', tone: 'bad' },
});

const DATE = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** @param {string} iso */
function when(iso) {
  return `${DATE.format(new Date(iso))} UTC`;
}

export function createOrders() {
  const body = $('#orders-body');
  const count = $('#orders-count');
  const refreshButton = /** @type {HTMLButtonElement} */ ($('#refresh-orders'));
  refreshButton.append(icon('refresh'));
  refreshButton.addEventListener('click', () => load());
  /** An order whose action is under way, and the order asking "cancel?": a reload keeps them. */
  let busy = '';
  let asking = '';
  let loads = 0;
  let lastLoad = 0;

  async function load() {
    const current = ++loads;
    lastLoad = Date.now();
    try {
      const { orders } = await api.orders();
      if (current === loads) render(orders);
    } catch (error) {
      const problem = asProblem(error);
      if (current === loads && problem.kind !== 'locked') showError(body, problem.message, problem.hint);
    }
  }

  /** @param {OrderView[]} orders */
  function render(orders) {
    const live = orders.filter((o) => o.status === 'active' || o.status === 'granting').length;
    count.textContent = orders.length === 0 ? '' : `${live} running`;
    if (orders.length === 0) {
      replaceChildren(
        body,
        h(
          'p',
          { class: 'muted small', dataset: { testid: 'orders-empty' } },
          'No standing orders. Make one with ',
          h('code', { text: 'sextant orders new' }),
          ', or let an agent propose one (MCP) and grant it here.',
        ),
      );
      return;
    }
    replaceChildren(
      body,
      h(
        'ul',
        { class: 'orders' },
        orders.map((order) => orderItem(order)),
      ),
    );
  }

  /**
   * Runs one action on an order, then shows the order list as it is now; a failure is shown on the
   * order. Signing actions ask for the passphrase when the owner key is locked.
   * @param {OrderView} order
   * @param {() => Promise<unknown>} action
   */
  async function act(order, action) {
    busy = order.id;
    asking = '';
    await load();
    let problem;
    try {
      await action();
    } catch (error) {
      problem = asProblem(error);
    }
    busy = '';
    await load();
    if (problem) {
      const slot = body.querySelector(`[data-order-id="${CSS.escape(order.id)}"] .order-problem`);
      if (slot instanceof HTMLElement) showError(slot, problem.message, problem.hint);
    }
  }

  /** @param {OrderView} order */
  function orderItem(order) {
    const status = STATUS[order.status] ?? { label: order.status, tone: 'neutral' };
    const { terms } = order;
    const working = busy === order.id;
    /** @type {import('./dom.js').Child[]} */
    const actions = [];
    const button = (
      /** @type {string} */ label,
      /** @type {string} */ testid,
      /** @type {() => void} */ run,
      primary = false,
    ) =>
      h(
        'button',
        {
          class: `button button-small${primary ? ' button-primary' : ''}`,
          attrs: { type: 'button', disabled: working || undefined },
          dataset: { testid },
          on: { click: run },
        },
        label,
      );
    if (order.status === 'proposed') {
      actions.push(
        button('Grant', 'order-grant', () => act(order, () => withPassphrase(() => api.confirmOrder(order.id))), true),
      );
    }
    if (order.status === 'active')
      actions.push(button('Pause', 'order-pause', () => act(order, () => api.pauseOrder(order.id))));
    if (order.status === 'paused') {
      actions.push(button('Resume', 'order-resume', () => act(order, () => api.resumeOrder(order.id))));
    }
    if (order.status !== 'cancelled' && order.status !== 'granting') {
      actions.push(
        button(order.status === 'proposed' ? 'Discard' : 'Cancel…', 'order-cancel', () => {
          asking = order.id;
          load();
        }),
      );
    }
    const granted = order.status !== 'proposed';
    const confirmCancel =
      asking === order.id
        ? h(
            'div',
            { class: 'order-confirm', dataset: { testid: 'order-cancel-confirm' }, attrs: { role: 'group' } },
            h('p', {
              class: 'small',
              text: !granted
                ? 'Discard this proposal? Nothing was granted, so nothing is sent.'
                : terms.claim
                  ? 'Cancel this order? It holds no permission over your address, so nothing is sent: the runner just stops claiming.'
                  : `Cancel this order? Your address sends one transaction that takes back the ${terms.guard ? 'pool' : 'router'}'s ${terms.spend.symbol} allowance and disables every delegation still to come; the agent key can do nothing after it lands.`,
            }),
            h(
              'div',
              { class: 'order-actions' },
              button(granted ? (terms.claim ? 'Cancel' : 'Revoke and cancel') : 'Discard', 'order-cancel-yes', () =>
                act(order, () => withPassphrase(() => api.cancelOrder(order.id))),
              ),
              button('Keep it', 'order-cancel-no', () => {
                asking = '';
                load();
              }),
            ),
          )
        : null;

    return h(
      'li',
      { class: 'order', dataset: { testid: 'order', orderId: order.id, status: order.status } },
      h(
        'div',
        { class: 'order-line' },
        h('span', {
          class: 'order-title',
          text: terms.claim
            ? `Claim ${terms.claim.symbol} rewards as each epoch is distributed, for ${terms.days} day${terms.days === 1 ? '' : 's'}`
            : terms.guard
              ? `Repay up to ${formatAmount(terms.spend.amount)} ${terms.spend.symbol} of debt when the health factor is below ${terms.guard.healthFactorBelow}`
              : terms.when
                ? `${formatAmount(terms.spend.amount)} ${terms.spend.symbol} → ${terms.buy.symbol}, when ${terms.spend.symbol} goes ${terms.when.direction} ${terms.when.price} ${terms.buy.symbol}`
                : `${formatAmount(terms.spend.amount)} ${terms.spend.symbol} → ${terms.buy.symbol}, daily for ${terms.days} day${terms.days === 1 ? '' : 's'}`,
        }),
        h('span', {
          class: `badge badge-${status.tone}`,
          text: working ? 'Working…' : status.label,
          dataset: { testid: 'order-status' },
        }),
      ),
      order.statusReason
        ? h('p', {
            class: `order-reason${order.status === 'stopped' ? ' order-reason-stopped' : ''}`,
            text: order.statusReason,
            dataset: { testid: 'order-reason' },
          })
        : null,
      h('p', { class: 'order-words', text: order.words, dataset: { testid: 'order-words' } }),
      h(
        'dl',
        { class: 'order-terms' },
        terms.claim
          ? term('Claims', `${terms.claim.symbol} rewards of your address; spends nothing of yours`)
          : term(
              terms.guard ? 'At most' : terms.when ? 'Once' : 'Each day',
              `${formatAmount(terms.spend.amount)} ${terms.spend.symbol} for at least ${formatAmount(terms.buy.atLeast)} ${terms.buy.symbol}`,
            ),
        terms.claim
          ? null
          : term('In all', `${formatAmount(terms.spend.total)} ${terms.spend.symbol} on ${terms.protocol}`),
        term(terms.when || terms.guard ? 'Waits' : 'Days', `${when(terms.start)} – ${when(terms.end)}`),
        term(
          'Agent key',
          hexWithCopy(order.agent, { label: 'the agent key' }),
          `gets ${formatAmount(order.agentGas)} ETH for gas`,
        ),
        term(
          'Next check',
          order.nextCheck.at ? `${when(order.nextCheck.at)}: ${order.nextCheck.what}` : order.nextCheck.what,
          undefined,
          'order-next',
        ),
      ),
      order.grant ? transactionLine('Grant', order.grant, 'order-grant-tx') : null,
      order.revoke ? transactionLine('Revocation', order.revoke, 'order-revoke-tx') : null,
      order.runs.length > 0
        ? h(
            'ol',
            { class: 'order-runs', attrs: { 'aria-label': 'Runs' } },
            order.runs.map((run) => runLine(run)),
          )
        : granted
          ? h('p', { class: 'muted small', text: 'No runs yet.' })
          : null,
      h('div', { class: 'order-problem', attrs: { 'aria-live': 'polite' } }),
      confirmCancel ?? (actions.length > 0 ? h('div', { class: 'order-actions' }, actions) : null),
    );
  }

  // Live: again when the page comes back into view or gets the focus, and every 30 s while visible.
  const refreshIfStale = () => {
    if (document.visibilityState === 'visible' && Date.now() - lastLoad > 1000 && !busy && !asking) load();
  };
  window.addEventListener('focus', refreshIfStale);
  document.addEventListener('visibilitychange', refreshIfStale);
  window.setInterval(refreshIfStale, ORDERS_EVERY_MS);

  return { load };
}

/**
 * @param {string} label
 * @param {import('./dom.js').Child} value
 * @param {string} [note]
 * @param {string} [testid]
 */
function term(label, value, note, testid) {
  return h(
    'div',
    { class: 'order-term' },
    h('dt', { text: label }),
    h(
      'dd',
      testid ? { dataset: { testid } } : null,
      value,
      note ? h('span', { class: 'muted', text: ` ${note}` }) : null,
    ),
  );
}

/**
 * @param {string} label
 * @param {ExecutionSummary} execution
 * @param {string} testid
 */
function transactionLine(label, execution, testid) {
  return h(
    'p',
    { class: 'order-tx small', dataset: { testid, status: execution.status } },
    h('span', { text: `${label}: ${execution.status}` }),
    execution.txHash ? hexWithCopy(execution.txHash, { label: `the ${label.toLowerCase()}'s transaction hash` }) : null,
    execution.error ? h('span', { class: 'order-error', text: execution.error }) : null,
  );
}

/** @param {OrderRunView} run */
function runLine(run) {
  return h(
    'li',
    { class: 'order-run small', dataset: { testid: 'order-run', status: run.status } },
    h('span', {
      text: `${run.epoch === null ? `Day ${run.day}` : `Epoch ${run.epoch}`}${run.attempt > 1 ? `, attempt ${run.attempt}` : ''}: ${run.status}`,
    }),
    run.txHash
      ? hexWithCopy(run.txHash, {
          label: `${run.epoch === null ? `day ${run.day}` : `epoch ${run.epoch}`}'s transaction hash`,
          testid: 'order-run-tx',
        })
      : null,
    run.error ? h('span', { class: 'order-error', text: run.error }) : null,
    run.retryAfter && run.status !== 'succeeded'
      ? h('span', { class: 'muted', text: `retried after ${when(run.retryAfter)}` })
      : null,
  );
}
