// @ts-check
// Sextant's chat page: wires the conversation, the side panel, the health banner and the locked state.

import { api, onConnection } from './js/api.js';
import { createChat } from './js/chat.js';
import { $, h, icon, replaceChildren } from './js/dom.js';
import { createOrders } from './js/orders.js';
import { createPanel } from './js/panel.js';
import { rememberReferrer } from './js/referrer.js';

const HEALTH_EVERY_MS = 30_000;

// The server sets the session cookie when the page is opened as /?token=…; the token has no business
// staying in the address bar or the history.
if (new URLSearchParams(location.search).has('token')) {
  const url = new URL(location.href);
  url.searchParams.delete('token');
  history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
}

const banners = $('#banners');

/**
 * Shows (or replaces) one banner by key.
 * @param {string} key
 * @param {{ tone: 'warn' | 'bad', title: string, text: import('./js/dom.js').Child[], action?: { label: string, run: () => void } }} banner
 */
function setBanner(key, banner) {
  const existing = banners.querySelector(`[data-kind="${key}"]`);
  const element = h(
    'div',
    { class: `banner banner-${banner.tone}`, dataset: { testid: 'banner', kind: key }, attrs: { role: 'alert' } },
    icon('alert'),
    h('p', null, h('strong', { text: banner.title }), ' ', ...banner.text),
    banner.action
      ? h(
          'button',
          { class: 'button button-small', attrs: { type: 'button' }, on: { click: banner.action.run } },
          banner.action.label,
        )
      : null,
  );
  if (existing) existing.replaceWith(element);
  else banners.append(element);
}

/** @param {string} key */
function clearBanner(key) {
  banners.querySelector(`[data-kind="${key}"]`)?.remove();
}

const panel = createPanel();
const orders = createOrders();
const chat = createChat({
  referrer: rememberReferrer(location.search),
  onSettled: () => {
    panel.loadAccount();
    orders.load();
    checkHealth();
  },
  onAccountChanged: () => panel.loadAccount(),
  onAnswered: () => orders.load(),
});

let locked = false;
function showLocked() {
  if (locked) return;
  locked = true;
  $('#layout').hidden = true;
  $('#new-chat').hidden = true;
  $('.topbar-status').hidden = true;
  banners.replaceChildren();
  const lockIcon = $('#locked-icon');
  replaceChildren(lockIcon, icon('lock'));
  $('#locked').hidden = false;
  chat.setEnabled(false);
  $('#locked-retry').focus();
}
$('#locked-retry').addEventListener('click', () => location.reload());

onConnection({
  failure: (error) => {
    if (error.kind === 'locked') showLocked();
    else if (error.kind === 'unreachable') {
      setBanner('server', {
        tone: 'bad',
        title: 'The Sextant server is unreachable.',
        text: ['Check that ', h('code', { text: 'sextant start' }), ' is still running in your terminal.'],
        action: { label: 'Retry', run: () => loadEverything() },
      });
      setHealth('down', 'Server unreachable');
    }
  },
  success: () => clearBanner('server'),
});

/**
 * @param {'ok' | 'degraded' | 'down' | 'unknown'} status
 * @param {string} text
 * @param {string} [title]
 */
function setHealth(status, text, title) {
  const health = $('#health');
  health.dataset.status = status;
  $('.health-text', health).textContent = text;
  health.title = title ?? '';
}

async function checkHealth() {
  let health;
  try {
    health = await api.health();
  } catch {
    return;
  }
  if (health?.bundler && health.bundler.reachable === false) {
    setBanner('bundler', {
      tone: 'warn',
      title: 'The bundler is down.',
      text: [
        `Plans can still be previewed, but nothing can be executed until it answers again${health.bundler.error ? ` (${health.bundler.error})` : ''}.`,
      ],
    });
  } else clearBanner('bundler');
  if (health?.chain && health.chain.reachable === false) {
    setBanner('chain', {
      tone: 'bad',
      title: 'The chain is not answering.',
      text: [`Balances and previews are unavailable${health.chain.error ? ` (${health.chain.error})` : ''}.`],
    });
  } else clearBanner('chain');
  const parts = [
    health?.chain ? `chain ${health.chain.reachable ? 'up' : 'down'}` : '',
    health?.bundler ? `bundler ${health.bundler.reachable ? 'up' : 'down'}` : '',
    typeof health?.chain?.blockNumber === 'number' ? `block ${health.chain.blockNumber}` : '',
  ].filter(Boolean);
  setHealth(
    health?.status === 'ok' ? 'ok' : 'degraded',
    health?.status === 'ok' ? 'All systems up' : 'Degraded',
    parts.join(' · '),
  );
  if (health?.llm) panel.setLlm(health.llm);
}

async function loadEverything() {
  try {
    const session = await api.session();
    const chainPill = $('#chain-pill');
    if (session?.chain) {
      chainPill.textContent = `${session.chain.name} · ${session.chain.chainId}`;
      chainPill.hidden = false;
    }
    chat.setChain(session?.chain);
    panel.setLlm(session?.llm);
  } catch {
    // locked and unreachable are shown by the connection listeners; the rest load on their own
  }
  if (locked) return;
  await Promise.all([
    panel.loadAccount(),
    orders.load(),
    panel.loadPolicy(),
    panel.loadSkills(),
    panel.loadEmissions(),
    checkHealth(),
  ]);
}

$('#new-chat').prepend(icon('plus'));
$('#new-chat').addEventListener('click', () => chat.reset());

loadEverything();
window.setInterval(() => {
  if (!locked && document.visibilityState === 'visible') checkHealth();
}, HEALTH_EVERY_MS);
