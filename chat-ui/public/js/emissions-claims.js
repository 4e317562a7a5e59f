// @ts-check
// "Yours to claim" in the emissions card: what the signed-in user's addresses (the smart account, and
// the owner key's address, which a referrer link or a provider may name too) can claim from each settled
// epoch, from GET /v1/emissions/epochs/:epoch/claims/:address. Amounts are shown exactly as the API
// gives them; an epoch that pays an address nothing answers 404 and is left out.

import { api } from './api.js';
import { h, replaceChildren } from './dom.js';
import { shortHex } from './format.js';
import { asProblem } from './plan-card.js';

/**
 * @typedef {import('./api-types.js').ClaimProof} ClaimProof
 * @typedef {import('./api-types.js').EpochListResponse['epochs'][number]} EpochSummary
 * @typedef {{ address: string, label: string }} OwnAddress
 */

/** The newest epochs looked at: the card stays small, and older rewards are in `sextant emissions proof`. */
const EPOCHS_LOOKED_AT = 10;

/**
 * The claims of `addresses` in the newest settled epochs that pay anything, newest first.
 * @param {OwnAddress[]} addresses
 * @param {EpochSummary[]} epochs
 * @returns {Promise<{ claim: ClaimProof, label: string }[]>}
 */
export async function claimsOf(addresses, epochs) {
  const paying = epochs.filter((e) => e.status !== 'nothing-to-pay').slice(0, EPOCHS_LOOKED_AT);
  const lookups = paying.flatMap((e) =>
    addresses.map(async ({ address, label }) => {
      try {
        return { claim: /** @type {ClaimProof} */ (await api.emissionsClaim(e.epoch, address)), label };
      } catch (error) {
        // 404: the epoch pays this address nothing.
        if (asProblem(error).status === 404) return undefined;
        throw error;
      }
    }),
  );
  return (await Promise.all(lookups)).filter((found) => found !== undefined);
}

/**
 * Renders the claims into `container`: one row per epoch and address, with where it stands.
 * @param {HTMLElement} container
 * @param {{ claim: ClaimProof, label: string }[]} claims
 * @param {string} symbol the reward token's symbol
 */
export function renderClaims(container, claims, symbol) {
  container.hidden = false;
  const title = h('h3', { class: 'emissions-title', text: 'Yours to claim' });
  if (claims.length === 0) {
    replaceChildren(
      container,
      title,
      h('p', {
        class: 'muted small',
        text: 'The settled epochs pay your addresses nothing yet.',
        dataset: { testid: 'emissions-no-claims' },
      }),
    );
    return;
  }
  replaceChildren(
    container,
    title,
    h(
      'ul',
      { class: 'emissions-claims' },
      claims.map(({ claim, label }) =>
        h(
          'li',
          {
            class: 'emissions-claim',
            dataset: { testid: 'emissions-claim', epoch: String(claim.epoch), address: claim.account },
            title: claim.account,
          },
          h('span', { class: 'muted small', text: `Epoch ${claim.epoch} · ${label} ${shortHex(claim.account)}` }),
          h(
            'span',
            null,
            h('strong', { text: claim.amount, dataset: { testid: 'emissions-claim-amount' } }),
            ` ${symbol}`,
          ),
          h('span', {
            class: 'muted small',
            text: standing(claim, label),
            dataset: { testid: 'emissions-claim-status' },
          }),
        ),
      ),
    ),
  );
}

/**
 * Where a claim stands, and how to claim it.
 * @param {ClaimProof} claim
 * @param {string} label
 */
function standing(claim, label) {
  if (claim.claimed === true) return 'claimed';
  if (claim.status !== 'distributed') return 'settled; claimable once the epoch is distributed';
  const how =
    label === 'your account' ? 'say “claim my rewards”' : `run sextant emissions claim --for ${claim.account}`;
  return claim.claimed === false ? `to claim: ${how}` : `distributed: ${how}`;
}
