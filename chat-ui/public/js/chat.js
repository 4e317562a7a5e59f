// The conversation: messages in, the assistant's reply streamed out (progress, intents, words, plan).

import { api } from './api.js';
import { $, h, icon, replaceChildren } from './dom.js';
import { formatAmount } from './format.js';
import { asProblem, planCard, showError } from './plan-card.js';

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

/**
 * @param {{ referrer?: string, onSettled: (execution: import('./plan-card.js').Execution) => void }} hooks
 *   referrer: the address of the front end that linked here (`?ref=`), sent with every message;
 *   onSettled: an execution reached a final status (balances and health should refresh)
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
        (name, data) => {
          const stick = nearBottom();
          if (name === 'done' || name === 'error') finished = true;
          reply.handle(name, data);
          if (name === 'done' && typeof data?.conversationId === 'string') conversationId = data.conversationId;
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
    /** @type {any} */
    let shownPlan;

    return {
      element,
      /**
       * @param {string} name
       * @param {any} data
       */
      handle(name, data) {
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
          replaceChildren(plan, planCard(data.plan, { onSettled: hooks.onSettled }));
        } else if (name === 'done') {
          const kind = typeof data?.kind === 'string' ? data.kind : 'answer';
          element.dataset.kind = kind;
          if (KIND_LABELS[kind]) {
            kindLabel.hidden = false;
            replaceChildren(kindLabel, icon(kind === 'clarify' ? 'question' : 'alert'), KIND_LABELS[kind]);
          }
          // A refused or not-offered plan says why in its card; the same sentence twice is noise.
          const reason = shownPlan?.refusal ?? shownPlan?.preview?.problem;
          if (reason && textNode.data.trim() === String(reason).trim()) text.hidden = true;
          if (kind === 'clarify') {
            text.after(h('p', { class: 'muted small', text: 'Answer below: the conversation continues.' }));
            input.focus();
          }
        } else if (name === 'error') {
          showError(error, typeof data?.error === 'string' ? data.error : 'Something went wrong.', data?.hint);
        }
      },
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
  }

  return {
    /** Forgets the conversation: the next message starts a new one. */
    reset() {
      controller?.abort();
      conversationId = undefined;
      for (const child of [...messages.children]) if (child !== emptyState) child.remove();
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
  };
}

/**
 * The intents understood, as chips: "swap 100 USDC → ETH", "supply 500 DAI · aave".
 * @param {HTMLElement} container
 * @param {{ intents?: Record<string, any>[], parser?: string } | undefined} parse
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
 * @param {Record<string, any>} intent
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
