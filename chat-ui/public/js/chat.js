// @ts-check
// The conversation: messages in, the assistant's reply streamed out (progress, intents, words, plan).
// The open conversation is kept in the address (#conversation=…): a reload reopens it from the server,
// with a plan that awaits confirmation ready to confirm. On the devnet the empty page offers test funds.

import { api } from './api.js';
import { $, h, icon, replaceChildren } from './dom.js';
import { formatAmount } from './format.js';
import { createHistory } from './history.js';
import { asProblem, FINAL_STATUSES, planCard, renderExecution, showError } from './plan-card.js';

export const SUGGESTED_PROMPTS = [
  'swap 100 USDC for ETH',
  'supply 500 DAI to Aave',
  'wrap 1 ETH',
  'swap half my ETH to USDC and supply it to Aave',
];

const STAGES = /** @type {Record<string, string>} */ ({
  parsing: 'Reading your request…',
  planning: 'Planning with audited skills…',
  simulating: 'Simulating on chain…',
});

const KIND_LABELS = /** @type {Record<string, string>} */ ({
  clarify: 'A question',
  unsupported: 'Not supported',
  refused: 'Refused',
  'not-offered': 'Not offered',
});

/** The key of the open conversation's id in the address's fragment. */
const HASH_KEY = 'conversation';

/** The conversation the address names (#conversation=conv_…), if any. */
function conversationInAddress() {
  const id = new URLSearchParams(location.hash.slice(1)).get(HASH_KEY);
  return id && id.length <= 100 ? id : undefined;
}

/**
 * Keeps the open conversation in the address (replacing, not adding, a history entry), so a reload
 * or a bookmark reopens it; a new conversation clears it.
 * @param {string | undefined} id
 */
function rememberInAddress(id) {
  const url = new URL(location.href);
  url.hash = id ? `${HASH_KEY}=${encodeURIComponent(id)}` : '';
  if (url.href !== location.href) window.history.replaceState(null, '', url.href);
}

/**
 * @param {{ referrer?: string, onSettled: (execution: import('./plan-card.js').Execution) => void,
 *   onAccountChanged?: () => void, onAnswered?: () => void }} hooks
 *   referrer: the address of the front end that linked here (`?ref=`), sent with every message;
 *   onSettled: an execution reached a final status (balances and health should refresh);
 *   onAccountChanged: the account was funded from the faucet (balances should refresh);
 *   onAnswered: a turn ended in an answer (it may have proposed a standing order: the Orders card reloads)
 */
export function createChat(hooks) {
  const messages = $('#messages');
  const emptyState = $('#empty-state');
  const form = /** @type {HTMLFormElement} */ ($('#composer'));
  const input = /** @type {HTMLTextAreaElement} */ ($('#message-input'));
  const sendButton = /** @type {HTMLButtonElement} */ ($('#send-button'));
  sendButton.prepend(icon('send'));

  /** @type {string | undefined} */
  let conversationId;
  let busy = false;
  /** @type {AbortController | undefined} */
  let controller;
  /** Counts conversations opened, so a slow answer for one the user has left is dropped. */
  let opened = 0;

  const conversations = createHistory({ onOpen: (id) => open(id) });
  /** An execution ended: the panel refreshes, and the list no longer shows its plan as waiting. */
  const cardHooks = {
    /** @param {import('./plan-card.js').Execution} execution */
    onSettled: (execution) => {
      hooks.onSettled(execution);
      conversations.load();
    },
  };
  const firstRun = createFirstRun(hooks);

  const suggestions = $('#suggestions');
  replaceChildren(
    suggestions,
    SUGGESTED_PROMPTS.map((prompt) =>
      h(
        'li',
        null,
        h(
          'button',
          {
            class: 'suggestion',
            attrs: { type: 'button' },
            dataset: { testid: 'suggested-prompt' },
            on: { click: () => send(prompt) },
          },
          icon('spark'),
          h('span', { text: prompt }),
        ),
      ),
    ),
  );

  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  };
  const refreshSend = () => {
    sendButton.disabled = busy || input.value.trim().length === 0;
    sendButton.setAttribute('aria-busy', busy ? 'true' : 'false');
  };
  input.addEventListener('input', () => {
    autosize();
    refreshSend();
  });
  input.addEventListener('keydown', (event) => {
    // Enter sends; Shift+Enter is a new line; an IME composition's Enter belongs to the IME.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(input.value);
  });
  refreshSend();

  /** Keeps the newest content in view when the reader is already at the bottom. */
  const nearBottom = () => messages.scrollHeight - messages.scrollTop - messages.clientHeight < 120;
  /** @param {boolean} stick */
  const scrollDown = (stick) => {
    if (stick) messages.scrollTop = messages.scrollHeight;
  };

  /** @param {string} raw */
  async function send(raw) {
    const message = raw.trim();
    if (busy || message.length === 0) return;
    busy = true;
    input.value = '';
    autosize();
    refreshSend();
    emptyState.hidden = true;
    clearNotice();

    const userBubble = h(
      'div',
      { class: 'message message-user', dataset: { testid: 'user-message' } },
      h('p', { class: 'bubble', text: message }),
    );
    const reply = assistantBubble();
    messages.append(userBubble, reply.element);
    reply.element.scrollIntoView({ block: 'nearest' });
    scrollDown(true);

    controller = new AbortController();
    let finished = false;
    try {
      await api.chat(
        {
          message,
          ...(conversationId ? { conversationId } : {}),
          ...(hooks.referrer ? { referrer: hooks.referrer } : {}),
        },
        (...event) => {
          const [name, data] = event;
          const stick = nearBottom();
          if (name === 'done' || name === 'error') finished = true;
          reply.handle(...event);
          if (name === 'done' && typeof data?.conversationId === 'string') {
            conversationId = data.conversationId;
            rememberInAddress(conversationId);
            conversations.setActive(conversationId);
            conversations.load();
          }
          scrollDown(stick);
        },
        controller.signal,
      );
      if (!finished) reply.fail('The answer was cut off before it finished.', 'Send the message again.');
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'AbortError')) {
        const problem = asProblem(error);
        reply.fail(problem.message, problem.hint);
      }
    } finally {
      reply.end();
      busy = false;
      controller = undefined;
      refreshSend();
    }
  }

  /** One assistant reply, filled as events arrive; its slots keep a fixed order. */
  function assistantBubble() {
    const status = h(
      'p',
      { class: 'reply-status', dataset: { testid: 'reply-status' } },
      h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
      h('span', { text: 'Sending…' }),
    );
    const kindLabel = h('p', { class: 'reply-kind', attrs: { hidden: true } });
    const intents = h('div', { class: 'intents', attrs: { hidden: true } });
    const textNode = document.createTextNode('');
    const text = h(
      'p',
      { class: 'reply-text', dataset: { testid: 'assistant-text' }, attrs: { hidden: true } },
      textNode,
    );
    const plan = h('div', { class: 'reply-plan' });
    const error = h('div', { class: 'reply-error' });
    const element = h(
      'div',
      { class: 'message message-assistant', dataset: { testid: 'assistant-message' }, attrs: { 'aria-busy': 'true' } },
      h(
        'div',
        { class: 'avatar', attrs: { 'aria-hidden': 'true' } },
        h('img', { attrs: { src: '/assets/favicon.svg', alt: '' } }),
      ),
      h('div', { class: 'bubble' }, status, kindLabel, intents, text, plan, error),
    );
    /** @type {import('./api-types.js').PlanView | undefined} */
    let shownPlan;

    /**
     * The reply's kind, once known: its label, and for a question, that the next message answers it.
     * @param {string} kind
     * @param {boolean} awaitsAnswer whether this question is the conversation's last word
     */
    function finish(kind, awaitsAnswer) {
      element.dataset.kind = kind;
      // An answer laid out as a table ("what's my balance?") keeps its columns: monospace, no wrapping.
      if (/^\| .* \|$/m.test(textNode.data)) text.classList.add('reply-table');
      if (KIND_LABELS[kind]) {
        kindLabel.hidden = false;
        replaceChildren(kindLabel, icon(kind === 'clarify' ? 'question' : 'alert'), KIND_LABELS[kind]);
      }
      // A refused or not-offered plan says why in its card; the same sentence twice is noise.
      const reason = shownPlan?.refusal ?? shownPlan?.preview?.problem;
      if (reason && textNode.data.trim() === String(reason).trim()) text.hidden = true;
      if (kind === 'clarify' && awaitsAnswer) {
        text.after(h('p', { class: 'muted small', text: 'Answer below: the conversation continues.' }));
      }
    }

    const reply = {
      element,
      /**
       * A stored turn, as the server keeps it: the words, the plan as it is now (a proposed one with
       * its countdown and Confirm), and the execution of a confirmed one, followed if still running.
       * @param {import('./api-types.js').ConversationTurn} turn
       * @param {boolean} last whether it is the conversation's latest turn
       */
      restore(turn, last) {
        if (turn.text) reply.handle('text', { delta: turn.text });
        if (turn.plan) reply.handle('plan', { plan: turn.plan });
        if (turn.plan && turn.execution) showExecution(turn.execution);
        finish(turn.kind ?? 'answer', last);
        reply.end();
      },
      /**
       * One event of the reply's stream (or of a stored turn, replayed). A typed arrow rather than a
       * method: TypeScript 7 narrows `data` by `name` only when the type is cast onto the function.
       */
      handle: /** @type {(...event: import('./api.js').ChatEventArgs) => void} */ (
        (name, data) => {
          if (name === 'status') {
            replaceChildren(
              status,
              h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
              h('span', { text: STAGES[data?.stage] ?? 'Working…' }),
            );
          } else if (name === 'intents') {
            renderIntents(intents, data?.parse);
          } else if (name === 'text') {
            if (typeof data?.delta === 'string') {
              textNode.appendData(data.delta);
              text.hidden = false;
            }
          } else if (name === 'plan' && data?.plan) {
            shownPlan = data.plan;
            replaceChildren(plan, planCard(data.plan, cardHooks));
          } else if (name === 'done') {
            finish(typeof data?.kind === 'string' ? data.kind : 'answer', true);
            if (data?.kind === 'answer') hooks.onAnswered?.();
            if (element.dataset.kind === 'clarify') input.focus();
          } else if (name === 'error') {
            showError(error, typeof data?.error === 'string' ? data.error : 'Something went wrong.', data?.hint);
          }
        }
      ),
      /**
       * @param {string} message
       * @param {string} [hint]
       */
      fail(message, hint) {
        showError(error, message, hint);
      },
      end() {
        status.remove();
        element.setAttribute('aria-busy', 'false');
        if (textNode.data.length === 0 && !shownPlan && error.childElementCount === 0 && intents.hidden) {
          text.hidden = false;
          textNode.data = 'No answer.';
        }
      },
    };

    /**
     * A confirmed plan's execution under its card; one still on its way is followed to its end.
     * @param {import('./plan-card.js').Execution} execution
     */
    function showExecution(execution) {
      const progress = h('section', {
        class: 'execution',
        dataset: { testid: 'execution-status', status: execution.status },
        attrs: { 'aria-label': 'Execution', 'aria-live': 'polite' },
      });
      plan.append(progress);
      renderExecution(progress, execution);
      if (FINAL_STATUSES.has(execution.status)) return;
      api
        .executionEvents(execution.id, (name, data) => {
          if (name !== 'status' || !data?.execution || !progress.isConnected) return;
          renderExecution(progress, data.execution);
          if (FINAL_STATUSES.has(data.execution.status)) cardHooks.onSettled(data.execution);
        })
        .catch(() => {
          // The card shows the last status it heard; reopening the conversation reads it again.
        });
    }

    return reply;
  }

  /** A message of the user's, as sent. @param {string} text */
  function userBubble(text) {
    return h(
      'div',
      { class: 'message message-user', dataset: { testid: 'user-message' } },
      h('p', { class: 'bubble', text }),
    );
  }

  /** Everything but the empty state. */
  function clearMessages() {
    for (const child of [...messages.children]) if (child !== emptyState) child.remove();
  }

  /** Why a conversation could not be opened, above the empty state until the next message. */
  const notice = h('div', { class: 'conversation-notice', dataset: { testid: 'conversation-notice' } });
  function clearNotice() {
    notice.remove();
    replaceChildren(notice);
  }

  /**
   * Opens one of the user's conversations from the server: its turns in order, each plan in its state
   * now. One that is not there (or not the user's) leaves a new conversation and says so.
   * @param {string} id
   */
  async function open(id) {
    const ticket = ++opened;
    controller?.abort();
    clearMessages();
    clearNotice();
    emptyState.hidden = true;
    conversationId = id;
    rememberInAddress(id);
    conversations.setActive(id);
    const loading = h(
      'p',
      { class: 'reply-status', dataset: { testid: 'conversation-loading' } },
      h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
      h('span', { text: 'Opening the conversation…' }),
    );
    messages.append(loading);
    try {
      const { conversation } = await api.conversation(id);
      if (ticket !== opened) return;
      loading.remove();
      const turns = Array.isArray(conversation?.turns) ? conversation.turns : [];
      turns.forEach((turn, index) => {
        if (turn.role === 'user') {
          messages.append(userBubble(String(turn.text ?? '')));
          return;
        }
        const reply = assistantBubble();
        messages.append(reply.element);
        reply.restore(turn, index === turns.length - 1);
      });
      messages.scrollTop = messages.scrollHeight;
    } catch (error) {
      if (ticket !== opened) return;
      loading.remove();
      const problem = asProblem(error);
      if (problem.kind === 'locked') return;
      conversationId = undefined;
      rememberInAddress(undefined);
      conversations.setActive(undefined);
      emptyState.hidden = false;
      showError(notice, problem.message, problem.hint);
      messages.prepend(notice);
    }
  }

  // Reopen what the address names (a reload), and follow the address if it is changed by hand.
  const named = conversationInAddress();
  if (named) open(named);
  window.addEventListener('hashchange', () => {
    const id = conversationInAddress();
    if (id && id !== conversationId) open(id);
  });
  conversations.load();
  // An agent may have built a plan over MCP while the page was in the background.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') conversations.load();
  });

  return {
    /** Forgets the conversation: the next message starts a new one. */
    reset() {
      opened++;
      controller?.abort();
      conversationId = undefined;
      rememberInAddress(undefined);
      conversations.setActive(undefined);
      clearMessages();
      clearNotice();
      emptyState.hidden = false;
      input.value = '';
      autosize();
      busy = false;
      refreshSend();
      input.focus();
    },
    /** @param {boolean} enabled */
    setEnabled(enabled) {
      input.disabled = !enabled;
      if (!enabled) sendButton.disabled = true;
      else refreshSend();
    },
    send,
    open,
    /**
     * The chain the server runs on: the devnet's empty page offers test funds.
     * @param {{ slug: string, name: string } | undefined} chain
     */
    setChain: (chain) => firstRun.setChain(chain),
  };
}

/**
 * The empty page's first-run offer on the devnet: a "Get test funds" button that funds the account
 * from the faucet (POST /v1/faucet), so the first request does not fail for want of funds.
 * @param {{ onAccountChanged?: () => void }} hooks
 */
function createFirstRun(hooks) {
  const section = $('#first-run');
  const lead = $('#first-run-lead');
  const button = /** @type {HTMLButtonElement} */ ($('#get-test-funds'));
  const status = $('#first-run-status');
  button.prepend(icon('spark'));

  button.addEventListener('click', async () => {
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    replaceChildren(status, h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), 'Minting test funds…');
    try {
      const { given } = await api.faucet();
      const list = (Array.isArray(given) ? given : []).map((g) => `${formatAmount(g.amount)} ${g.symbol}`).join(', ');
      status.dataset.tone = 'good';
      replaceChildren(status, icon('check'), `Added ${list} to your account. Try a request below.`);
      lead.textContent = 'Your account holds test funds. Need more? Press the button again.';
      hooks.onAccountChanged?.();
    } catch (error) {
      const problem = asProblem(error);
      status.dataset.tone = '';
      if (problem.kind !== 'locked') showError(status, problem.message, problem.hint);
    } finally {
      button.disabled = false;
      button.setAttribute('aria-busy', 'false');
    }
  });

  return {
    /** @param {{ slug: string, name: string } | undefined} chain */
    async setChain(chain) {
      section.hidden = chain?.slug !== 'devnet';
      if (section.hidden) return;
      // An empty account is said so: its first request would fail for want of funds.
      try {
        const account = await api.account();
        const balances = Array.isArray(account?.balances) ? account.balances : [];
        const empty = balances.every((b) => /^0*(\.0*)?$/.test(String(b.amount)));
        if (empty) lead.textContent = 'Your account is empty. On the devnet, test ETH and tokens are free:';
      } catch {
        // the panel shows why the account could not be read
      }
    },
  };
}

/**
 * The intents understood, as chips: "swap 100 USDC → ETH", "supply 500 DAI · aave".
 * @param {HTMLElement} container
 * @param {import('./api-types.js').ParseResult | undefined} parse
 */
function renderIntents(container, parse) {
  const intents = Array.isArray(parse?.intents) ? parse.intents : [];
  if (intents.length === 0) {
    container.hidden = true;
    return;
  }
  container.hidden = false;
  const parser = String(parse?.parser ?? '');
  replaceChildren(
    container,
    h('span', { class: 'intents-label', text: 'Understood' }),
    h(
      'ul',
      { class: 'chips', attrs: { 'aria-label': 'Intents understood' } },
      intents.map((intent) =>
        h(
          'li',
          { class: 'chip', dataset: { testid: 'intent-chip', action: String(intent.action ?? '') } },
          h('strong', { text: String(intent.action ?? '?').replaceAll('_', ' ') }),
          describeIntent(intent),
        ),
      ),
    ),
    parser
      ? h('span', {
          class: 'intents-parser',
          text: parser === 'embedded' ? 'embedded parser' : parser.replace(/^ollama:/, 'Ollama · '),
        })
      : null,
  );
}

/**
 * The rest of an intent after its action, in words.
 * @param {import('./api-types.js').Intent} intent
 * @returns {string}
 */
export function describeIntent(intent) {
  /** @param {unknown} value */
  const text = (value) => (value === undefined || value === null || value === '' ? '' : String(value));
  const parts = [];
  const amount = /^\d+(\.\d+)?$/.test(text(intent.amount)) ? formatAmount(text(intent.amount)) : text(intent.amount);
  const asset = text(intent.tokenIn) || text(intent.token);
  if (amount || asset) parts.push([amount === 'all' ? 'all' : amount, asset].filter(Boolean).join(' '));
  if (text(intent.tokenOut))
    parts.push(`→ ${[text(intent.amountOut), text(intent.tokenOut)].filter(Boolean).join(' ')}`);
  if (text(intent.minAmountOut)) parts.push(`(at least ${formatAmount(text(intent.minAmountOut))})`);
  if (text(intent.recipient)) parts.push(`to ${text(intent.recipient)}`);
  if (text(intent.spender)) parts.push(`for ${text(intent.spender)}`);
  if (text(intent.account)) parts.push(`of ${text(intent.account)}`);
  if (text(intent.tokenId)) parts.push(`#${text(intent.tokenId)}`);
  if (text(intent.protocol)) parts.push(`· ${text(intent.protocol)}`);
  if (text(intent.toChain)) parts.push(`→ ${text(intent.toChain)}`);
  if (typeof intent.slippageBps === 'number') parts.push(`· ${intent.slippageBps / 100}% slippage`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}
