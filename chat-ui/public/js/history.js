// @ts-check
// The conversation history: the user's conversations (the page's and those an agent started over MCP),
// newest first, with the ones whose plan awaits confirmation marked. Choosing one reopens it.

import { api } from './api.js';
import { $, h, replaceChildren } from './dom.js';
import { asProblem, showError } from './plan-card.js';

/** @typedef {import('./api-types.js').ConversationSummary} ConversationSummary */

/**
 * @param {{ onOpen: (id: string) => void }} hooks onOpen: the user chose a conversation
 */
export function createHistory(hooks) {
  const list = $('#history-list');
  const count = $('#history-count');
  /** @type {string | undefined} */
  let active;
  /** @type {ConversationSummary[]} */
  let shown = [];
  let loads = 0;

  async function load() {
    const load = ++loads;
    try {
      const { conversations } = await api.conversations();
      if (load !== loads) return;
      shown = Array.isArray(conversations) ? conversations : [];
      render();
    } catch (error) {
      const problem = asProblem(error);
      if (load === loads && problem.kind !== 'locked') showError(list, problem.message, problem.hint);
    }
  }

  function render() {
    const waiting = shown.filter((c) => c.awaitingConfirmation).length;
    count.textContent = waiting > 0 ? `${waiting} to confirm` : '';
    if (shown.length === 0) {
      replaceChildren(list, h('p', { class: 'muted small history-empty', text: 'Your conversations appear here.' }));
      return;
    }
    replaceChildren(
      list,
      h(
        'ul',
        { class: 'history-items' },
        shown.map((conversation) =>
          h(
            'li',
            null,
            h(
              'button',
              {
                class: 'history-item',
                attrs: {
                  type: 'button',
                  'aria-current': conversation.id === active ? 'true' : null,
                },
                dataset: {
                  testid: 'history-item',
                  conversationId: conversation.id,
                  awaiting: conversation.awaitingConfirmation ? 'true' : 'false',
                },
                title: conversation.title,
                on: { click: () => hooks.onOpen(conversation.id) },
              },
              h('span', { class: 'history-title', text: conversation.title || 'Untitled' }),
              h(
                'span',
                { class: 'history-meta' },
                h('time', {
                  class: 'muted',
                  text: whenText(conversation.updatedAt),
                  attrs: { datetime: conversation.updatedAt },
                  title: new Date(conversation.updatedAt).toLocaleString(),
                }),
                conversation.awaitingConfirmation
                  ? h('span', {
                      class: 'badge badge-plan-proposed',
                      text: 'Awaits confirmation',
                      dataset: { testid: 'history-awaiting' },
                    })
                  : null,
              ),
            ),
          ),
        ),
      ),
    );
  }

  return {
    load,
    /**
     * Marks the open conversation (none for a new one).
     * @param {string | undefined} id
     */
    setActive(id) {
      active = id;
      for (const item of list.querySelectorAll('[data-testid="history-item"]')) {
        const button = /** @type {HTMLElement} */ (item);
        if (button.dataset.conversationId === id) button.setAttribute('aria-current', 'true');
        else button.removeAttribute('aria-current');
      }
    },
  };
}

/**
 * When a conversation last moved, for a list: a time today, a date before.
 * @param {string} iso
 */
function whenText(iso) {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const minutes = Math.round((Date.now() - at.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const today = new Date();
  if (at.toDateString() === today.toDateString()) {
    return at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  }
  return at.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}
