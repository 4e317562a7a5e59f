// @ts-check
// The owner key's passphrase, asked in the page when the server has none: the server answers a
// confirmation with 423 {code: 'passphrase-required'} instead of waiting on its terminal, and this
// dialog sends the passphrase over the signed-in session (POST /v1/session/unlock), shows a wrong one
// in place, and confirms again once the key is open. The page keeps the passphrase nowhere: it is in
// the input until sent, and the dialog leaves the page when it closes.

import { ApiError, requestJson } from './api.js';
import { h } from './dom.js';

/** @param {unknown} error */
function isPassphraseRequired(error) {
  return error instanceof ApiError && error.status === 423;
}

/**
 * Runs `confirm`; while the server says the owner key is locked, asks for the passphrase, unlocks it
 * and runs `confirm` again. Closing the dialog throws an ApiError: nothing was confirmed or sent.
 * @template T
 * @param {() => Promise<T>} confirm
 * @returns {Promise<T>}
 */
export async function withPassphrase(confirm) {
  for (;;) {
    try {
      return await confirm();
    } catch (error) {
      if (!isPassphraseRequired(error)) throw error;
    }
    if (!(await askPassphrase())) {
      throw new ApiError('Not confirmed: signing needs your passphrase.', {
        kind: 'rejected',
        status: 423,
        hint: 'Nothing was sent. Confirm again when you have it, or start the server with SEXTANT_PASSPHRASE set.',
      });
    }
  }
}

/**
 * A modal dialog that unlocks the owner key. Resolves true once the server has opened it, false when
 * the person closes the dialog (Cancel, Escape).
 * @returns {Promise<boolean>}
 */
export function askPassphrase() {
  const input = h('input', {
    class: 'passphrase-input',
    attrs: {
      id: 'passphrase-input',
      type: 'password',
      name: 'passphrase',
      autocomplete: 'current-password',
      required: true,
      'aria-describedby': 'passphrase-error',
    },
    dataset: { testid: 'passphrase-input' },
  });
  const error = h('p', {
    class: 'field-error',
    attrs: { id: 'passphrase-error', role: 'alert' },
    dataset: { testid: 'passphrase-error' },
  });
  const submit = h(
    'button',
    { class: 'button button-primary', attrs: { type: 'submit' }, dataset: { testid: 'passphrase-submit' } },
    'Unlock and confirm',
  );
  const cancel = h(
    'button',
    { class: 'button', attrs: { type: 'button' }, dataset: { testid: 'passphrase-cancel' } },
    'Cancel',
  );
  const form = h(
    'form',
    { class: 'passphrase-form', attrs: { novalidate: true } },
    h('h2', { class: 'passphrase-title', text: 'Unlock your owner key', attrs: { id: 'passphrase-title' } }),
    h('p', {
      class: 'passphrase-lead',
      text: 'The server was started without SEXTANT_PASSPHRASE, so it needs the passphrase to sign this plan. It keeps the key in memory only, and asks again once the key has gone unused for a while.',
    }),
    h('div', { class: 'field' }, h('label', { text: 'Passphrase', attrs: { for: 'passphrase-input' } }), input),
    error,
    h('div', { class: 'passphrase-actions' }, submit, cancel),
  );
  const dialog = h(
    'dialog',
    {
      class: 'passphrase-dialog',
      attrs: { 'aria-labelledby': 'passphrase-title' },
      dataset: { testid: 'passphrase-dialog' },
    },
    form,
  );
  document.body.append(dialog);

  return new Promise((resolve) => {
    let unlocked = false;
    let sending = false;
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(unlocked);
    });
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (sending) return;
      const passphrase = input.value;
      if (!passphrase) {
        showProblem('Type your passphrase.');
        return;
      }
      sending = true;
      submit.disabled = true;
      submit.textContent = 'Unlocking…';
      error.textContent = '';
      input.removeAttribute('aria-invalid');
      try {
        await requestJson('/v1/session/unlock', { method: 'POST', body: { passphrase } });
        unlocked = true;
        input.value = '';
        dialog.close();
      } catch (problem) {
        const known = problem instanceof ApiError;
        showProblem(
          known ? problem.message : 'The passphrase could not be sent.',
          known && problem.status === 403 ? problem.hint : undefined,
        );
        input.select();
      } finally {
        sending = false;
        submit.disabled = false;
        submit.textContent = 'Unlock and confirm';
      }
    });

    /**
     * @param {string} message
     * @param {string} [hint]
     */
    function showProblem(message, hint) {
      error.textContent = hint ? `${message} ${hint}` : message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }

    dialog.showModal();
    input.focus();
  });
}
