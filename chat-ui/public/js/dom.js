// @ts-check
// Building the page from data. Text from the server is always set as text (textContent, attributes),
// never parsed as HTML: a token symbol or a skill description is data, whatever it contains.

import { shortHex } from './format.js';

/**
 * @typedef {Node | string | number | null | undefined | false} Child
 * @typedef {{
 *   class?: string,
 *   text?: string,
 *   title?: string,
 *   dataset?: Record<string, string>,
 *   attrs?: Record<string, string | boolean | number | null | undefined>,
 *   on?: Record<string, EventListener>,
 * }} Props
 */

/**
 * Creates an element. Strings among the children become text nodes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  if (props) {
    if (props.class) element.className = props.class;
    if (props.text !== undefined) element.textContent = props.text;
    if (props.title) element.title = props.title;
    if (props.dataset) for (const [key, value] of Object.entries(props.dataset)) element.dataset[key] = value;
    if (props.attrs) {
      for (const [key, value] of Object.entries(props.attrs)) {
        if (value === false || value === null || value === undefined) continue;
        element.setAttribute(key, value === true ? '' : String(value));
      }
    }
    if (props.on) for (const [type, listener] of Object.entries(props.on)) element.addEventListener(type, listener);
  }
  append(element, children);
  return element;
}

/**
 * @param {Element} parent
 * @param {(Child | Child[])[]} children
 */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/**
 * Replaces an element's children.
 * @param {Element} element
 * @param {...(Child | Child[])} children
 */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/**
 * Finds an element the page must have; a missing one is a bug in index.html.
 * @template {HTMLElement} T
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T}
 */
export function $(selector, root = document) {
  const element = root.querySelector(selector);
  if (!element) throw new Error(`The page has no ${selector}`);
  return /** @type {T} */ (element);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * A small inline icon from the page's own set (no external files, no HTML strings).
 * @param {'copy' | 'check' | 'send' | 'refresh' | 'lock' | 'alert' | 'spark' | 'x' | 'arrow' | 'question' | 'plus'} name
 * @returns {SVGSVGElement}
 */
export function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  for (const d of ICONS[name]) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

/** @type {Record<string, string[]>} */
const ICONS = {
  copy: ['M9 9h10v10H9z', 'M5 15V5h10'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  send: ['M4 12l16-8-6 16-2.5-6.5z', 'M11.5 13.5L20 4'],
  refresh: ['M20 11a8 8 0 1 0-2.3 5.7', 'M20 5v6h-6'],
  lock: ['M6 11h12v9H6z', 'M8.5 11V8a3.5 3.5 0 0 1 7 0v3'],
  alert: ['M12 4l9 16H3z', 'M12 10v4', 'M12 17v.01'],
  spark: [
    'M12 3v4',
    'M12 17v4',
    'M3 12h4',
    'M17 12h4',
    'M6 6l2.5 2.5',
    'M15.5 15.5L18 18',
    'M18 6l-2.5 2.5',
    'M8.5 15.5L6 18',
  ],
  x: ['M6 6l12 12', 'M18 6L6 18'],
  arrow: ['M5 12h14', 'M13 6l6 6-6 6'],
  question: ['M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14', 'M12 17.5v.01'],
  plus: ['M12 5v14', 'M5 12h14'],
};

/**
 * Copies text to the clipboard; falls back to a hidden field where the Clipboard API is unavailable.
 * @param {string} text
 * @returns {Promise<boolean>} whether it worked
 */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the older way
  }
  const field = h('textarea', { class: 'visually-hidden', attrs: { readonly: true, 'aria-hidden': 'true' } });
  field.value = text;
  document.body.append(field);
  field.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  field.remove();
  return copied;
}

/**
 * A monospace, shortened address or hash with its full value in the title, and a copy button that says
 * when it worked.
 * @param {string} value
 * @param {{ label: string, testid?: string, short?: string }} options label names the value for screen readers
 * @returns {HTMLElement}
 */
export function hexWithCopy(value, options) {
  const feedback = h('span', { class: 'copy-feedback', attrs: { role: 'status', 'aria-live': 'polite' } });
  const button = h(
    'button',
    {
      class: 'icon-button copy-button',
      attrs: { type: 'button', 'aria-label': `Copy ${options.label}`, title: `Copy ${options.label}` },
      dataset: options.testid ? { testid: `copy-${options.testid}` } : {},
    },
    icon('copy'),
  );
  let timer = 0;
  button.addEventListener('click', async () => {
    const copied = await copyText(value);
    button.replaceChildren(icon(copied ? 'check' : 'copy'));
    button.classList.toggle('copied', copied);
    feedback.textContent = copied ? 'Copied' : 'Copy failed';
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      button.replaceChildren(icon('copy'));
      button.classList.remove('copied');
      feedback.textContent = '';
    }, 1800);
  });
  return h(
    'span',
    { class: 'hex' },
    h('code', {
      class: 'mono',
      text: options.short ?? shortHex(value),
      title: value,
      dataset: { ...(options.testid ? { testid: options.testid } : {}), full: value },
    }),
    button,
    feedback,
  );
}
