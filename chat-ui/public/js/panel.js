// @ts-check
// The side panel: the account (balances, positions, total value, kept live), the policy limits, the model in use, the skills, the
// settled emission epochs and what the user's addresses can claim from them.

import { api } from './api.js';
import { $, h, hexWithCopy, icon, replaceChildren } from './dom.js';
import { renderEmissionsReport, renderNoEpochs } from './emissions-chart.js';
import { claimsOf, renderClaims } from './emissions-claims.js';
import { formatAmount, formatBps, formatUsd, shortHex } from './format.js';
import { asProblem, showError, tokenAvatar } from './plan-card.js';

const DEFAULT_MODEL = 'qwen2.5:7b-instruct';
/** How often a visible page reads the account again on its own. */
const ACCOUNT_EVERY_MS = 30_000;

const SKILL_STATUS = /** @type {Record<string, { label: string, tone: string, help: string }>} */ ({
  audited: { label: 'Audited', tone: 'good', help: 'A trusted auditor attested this exact code.' },
  unaudited: { label: 'Unaudited', tone: 'warn', help: 'No trusted auditor has attested this code: it will not run.' },
  tampered: { label: 'Tampered', tone: 'bad', help: 'The code differs from what was published: it will not run.' },
  'failed-audit': { label: 'Failed audit', tone: 'bad', help: 'An auditor found problems: it will not run.' },
  'not-published': { label: 'Not published', tone: 'neutral', help: 'Not in the registry.' },
});

export function createPanel() {
  const emissions = createEmissions();
  const accountBody = $('#account-body');
  const refreshButton = /** @type {HTMLButtonElement} */ ($('#refresh-balances'));
  refreshButton.append(icon('refresh'));
  refreshButton.addEventListener('click', () => loadAccount());
  // Live: the account is read again when the page comes back into view or gets the focus (an action
  // taken in the CLI, over MCP or in another tab), and every 30 s while it is visible; app.js also
  // reloads it when an execution this page follows settles.
  let lastLoad = 0;
  const refreshIfStale = () => {
    if (document.visibilityState === 'visible' && Date.now() - lastLoad > 1000) loadAccount();
  };
  window.addEventListener('focus', refreshIfStale);
  document.addEventListener('visibilitychange', refreshIfStale);
  window.setInterval(refreshIfStale, ACCOUNT_EVERY_MS);

  let accountLoads = 0;
  async function loadAccount() {
    const load = ++accountLoads;
    lastLoad = Date.now();
    refreshButton.classList.add('spinning');
    refreshButton.disabled = true;
    try {
      const account = await api.account();
      if (load === accountLoads) {
        renderAccount(accountBody, account);
        emissions.setAccount(account);
      }
    } catch (error) {
      const problem = asProblem(error);
      if (load === accountLoads && problem.kind !== 'locked') showError(accountBody, problem.message, problem.hint);
    } finally {
      if (load === accountLoads) {
        refreshButton.classList.remove('spinning');
        refreshButton.disabled = false;
      }
    }
  }

  const policy = createPolicyForm();

  const modelBody = $('#model-body');
  /** @param {import('./api-types.js').LlmStatus | undefined} llm */
  function setLlm(llm) {
    if (llm) renderModel(modelBody, llm);
  }

  const skillsBody = $('#skills-body');
  const skillsSummary = $('#skills-summary');
  async function loadSkills() {
    try {
      const { skills } = await api.skills();
      renderSkills(skillsBody, skillsSummary, Array.isArray(skills) ? skills : []);
    } catch (error) {
      const problem = asProblem(error);
      if (problem.kind !== 'locked') showError(skillsBody, problem.message, problem.hint);
    }
  }

  return { loadAccount, loadPolicy: policy.load, setLlm, loadSkills, loadEmissions: emissions.load };
}

/**
 * The emissions card: the settled epochs (newest first, a select for the others), the chosen one's
 * chart, and what the user's addresses can claim (once both the epochs and the account are known).
 */
function createEmissions() {
  const body = $('#emissions-body');
  const picker = $('#emissions-picker');
  const select = /** @type {HTMLSelectElement} */ ($('#emissions-epoch'));
  const claimsBox = $('#emissions-claims');
  let shown = 0;
  /** @type {import('./api-types.js').EpochListResponse['epochs'] | undefined} */
  let settledEpochs;
  /** @type {import('./emissions-claims.js').OwnAddress[]} */
  let addresses = [];
  let symbol = '';
  /** The addresses and the reward token balance the claims were read for: a claim moves the balance. */
  let claimsKey = '';
  let claimLoads = 0;

  async function loadClaims() {
    if (!settledEpochs || addresses.length === 0) return;
    const load = ++claimLoads;
    if (settledEpochs.length === 0) {
      claimsBox.hidden = true;
      return;
    }
    try {
      const claims = await claimsOf(addresses, settledEpochs);
      if (load === claimLoads) renderClaims(claimsBox, claims, symbol);
    } catch (error) {
      const problem = asProblem(error);
      if (load === claimLoads && problem.kind !== 'locked') {
        claimsBox.hidden = false;
        showError(claimsBox, problem.message, problem.hint);
      }
    }
  }

  /** @param {AccountResponse} account */
  function setAccount(account) {
    const reward = account.balances.find((balance) => balance.reward);
    symbol = reward?.symbol ?? 'reward tokens';
    addresses = [{ address: account.address, label: 'your account' }];
    if (account.owner.toLowerCase() !== account.address.toLowerCase())
      addresses.push({ address: account.owner, label: 'your owner key' });
    const key = `${addresses.map((a) => a.address).join()}:${reward?.raw ?? ''}`;
    if (key === claimsKey) return;
    claimsKey = key;
    loadClaims();
  }

  /** @param {number} epoch */
  async function show(epoch) {
    const load = ++shown;
    body.setAttribute('aria-busy', 'true');
    try {
      const report = await api.emissionsEpoch(epoch);
      if (load === shown) renderEmissionsReport(body, report);
    } catch (error) {
      const problem = asProblem(error);
      if (load === shown && problem.kind !== 'locked') showError(body, problem.message, problem.hint);
    } finally {
      if (load === shown) body.removeAttribute('aria-busy');
    }
  }

  async function load() {
    try {
      const { epochs } = await api.emissionsEpochs();
      const list = Array.isArray(epochs) ? epochs : [];
      const kept = list.find((e) => String(e.epoch) === select.value) ?? list[0];
      replaceChildren(
        select,
        list.map((e, i) =>
          h('option', { text: i === 0 ? `${e.epoch} (latest)` : `${e.epoch}`, attrs: { value: String(e.epoch) } }),
        ),
      );
      picker.hidden = list.length < 2;
      settledEpochs = list;
      loadClaims();
      if (!kept) {
        shown++;
        renderNoEpochs(body);
        return;
      }
      select.value = String(kept.epoch);
      await show(kept.epoch);
    } catch (error) {
      const problem = asProblem(error);
      if (problem.kind !== 'locked') showError(body, problem.message, problem.hint);
    }
  }

  select.addEventListener('change', () => show(Number(select.value)));
  return { load, setAccount };
}

/**
 * The account's parts as GET /v1/account sends them (api-types.d.ts, generated from the server's schemas).
 * @typedef {import('./api-types.js').AccountResponse} AccountResponse
 * @typedef {AccountResponse['balances'][number]} BalanceView
 * @typedef {AccountResponse['positions'][number]} PositionView
 */

/**
 * Which account the owner key drives, in words: a SimpleAccount at its own address, or the owner's
 * own address as the account (EIP-7702), delegated to Simple7702Account or MetaMask's DeleGator (or
 * about to be, by its next batch).
 * @param {AccountResponse} account
 */
function accountModeLine(account) {
  const implementation =
    account.eip7702Implementation === 'delegator' ? 'MetaMask’s EIP-7702 DeleGator' : 'Simple7702Account';
  const text =
    account.accountMode === 'eip7702'
      ? account.implementation
        ? `Your own address (EIP-7702), delegated to ${implementation} ${shortHex(account.implementation)}`
        : `Your own address (EIP-7702): its next ${account.eip7702Implementation === 'delegator' ? 'transaction' : 'operation'} delegates it to ${implementation}`
      : `SimpleAccount (EntryPoint v0.8), owned by your key ${shortHex(account.owner)}`;
  const title =
    account.accountMode === 'eip7702'
      ? 'Your funds stay on the address your key controls; batches run from it. `sextant account downgrade` undoes it.'
      : 'A contract account of its own address. `sextant account upgrade` makes your key’s own address the account instead (EIP-7702).';
  return h('p', {
    class: 'muted small account-mode',
    text,
    title,
    dataset: { testid: 'account-mode', mode: account.accountMode },
  });
}

/**
 * The account as GET /v1/account answers it: address, total value (wallet + positions − debt), the
 * wallet's balances (the reward token among them), Aave V3 supply and debt with the health factor,
 * the deposit pool's shares, and the ETH the EntryPoint holds for the account's gas.
 * @param {HTMLElement} container
 * @param {AccountResponse} account
 */
function renderAccount(container, account) {
  const balances = Array.isArray(account.balances) ? account.balances : [];
  const positions = Array.isArray(account.positions) ? account.positions : [];
  const walletUsd = balances.reduce((sum, b) => sum + (typeof b.usd === 'number' ? b.usd : 0), 0);
  const totals = account.totals ?? { walletUsd, positionsUsd: 0, debtUsd: 0, totalUsd: walletUsd };
  const aavePositions = positions.filter((p) => p.protocol === 'aave-v3');
  const poolPositions = positions.filter((p) => p.protocol === 'sextant');
  const gasDeposits = positions.filter((p) => p.protocol === 'erc-4337');
  const aave = account.aave;
  replaceChildren(
    container,
    h(
      'div',
      { class: 'account-address' },
      h('span', { class: 'label', text: 'Smart account' }),
      hexWithCopy(account.address, { label: 'account address', testid: 'account-address' }),
      account.deployed
        ? null
        : h('span', {
            class: 'badge badge-neutral',
            text: 'not deployed yet',
            title: 'The account is created on chain by its first operation.',
            dataset: { testid: 'account-undeployed' },
          }),
    ),
    accountModeLine(account),
    h(
      'div',
      { class: 'account-total' },
      h('span', { class: 'label', text: 'Total value' }),
      h('span', { class: 'total', text: formatUsd(totals.totalUsd), dataset: { testid: 'account-total' } }),
      positions.length > 0
        ? h('span', {
            class: 'account-breakdown',
            text: `wallet ${formatUsd(totals.walletUsd)} + positions ${formatUsd(totals.positionsUsd)}${totals.debtUsd > 0 ? ` \u2212 debt ${formatUsd(totals.debtUsd)}` : ''}`,
            dataset: { testid: 'account-breakdown' },
          })
        : null,
    ),
    balances.length === 0
      ? h('p', { class: 'muted small', text: 'No balances yet.' })
      : h(
          'ul',
          { class: 'balances', attrs: { 'aria-label': 'Balances' } },
          balances.map((balance) => {
            const zero = /^0*(\.0*)?$/.test(String(balance.amount));
            return h(
              'li',
              {
                class: `balance${zero ? ' balance-zero' : ''}`,
                dataset: {
                  testid: 'balance-row',
                  symbol: balance.symbol,
                  ...(balance.reward ? { reward: 'true' } : {}),
                },
              },
              tokenAvatar(balance.symbol),
              h(
                'span',
                { class: 'balance-name' },
                h('span', { class: 'balance-symbol', text: balance.symbol, title: balance.address ?? 'native asset' }),
                balance.reward ? h('span', { class: 'balance-note', text: 'reward token' }) : null,
              ),
              balanceValues(balance.amount, balance.usd, false),
            );
          }),
        ),
    aavePositions.length > 0
      ? h(
          'div',
          { class: 'positions', dataset: { testid: 'aave-positions' } },
          h(
            'div',
            { class: 'positions-head' },
            h('span', { class: 'label', text: 'Aave V3' }),
            aave ? healthBadge(aave.healthFactor) : null,
          ),
          aave
            ? h('p', {
                class: 'muted small',
                text: `Can borrow ${formatUsd(aave.availableBorrowsUsd)} more`,
                dataset: { testid: 'aave-available' },
              })
            : null,
          h('ul', { class: 'balances', attrs: { 'aria-label': 'Aave V3 positions' } }, aavePositions.map(positionRow)),
        )
      : null,
    poolPositions.length > 0
      ? h(
          'div',
          { class: 'positions', dataset: { testid: 'other-positions' } },
          h('div', { class: 'positions-head' }, h('span', { class: 'label', text: 'Deposit pool' })),
          h('ul', { class: 'balances', attrs: { 'aria-label': 'Deposit pool' } }, poolPositions.map(positionRow)),
        )
      : null,
    gasDeposits.length > 0
      ? h(
          'div',
          { class: 'positions', dataset: { testid: 'gas-deposits' } },
          h(
            'div',
            { class: 'positions-head' },
            h('span', {
              class: 'label',
              text: 'Gas deposit',
              title:
                'ETH the EntryPoint holds for your account: what earlier operations did not use of the gas they prefunded. Operations through that EntryPoint pay their gas from it first.',
            }),
          ),
          h('ul', { class: 'balances', attrs: { 'aria-label': 'Gas deposit' } }, gasDeposits.map(positionRow)),
        )
      : null,
  );
}

/**
 * @param {string} amount
 * @param {number | null} usd
 * @param {boolean} owed a debt: shown with a minus
 */
function balanceValues(amount, usd, owed) {
  return h(
    'span',
    { class: 'balance-values' },
    h('span', { class: 'balance-amount', text: formatAmount(amount), dataset: { testid: 'balance-amount' } }),
    h('span', {
      class: 'balance-usd',
      text: formatUsd(typeof usd === 'number' && owed ? -usd : usd),
      title: typeof usd === 'number' ? '' : 'No price for this token: not counted in the total',
      dataset: { testid: 'balance-usd' },
    }),
  );
}

/** @param {PositionView} position */
function positionRow(position) {
  const note =
    position.kind === 'supplied'
      ? `supplied · ${position.tokenSymbol}${position.collateral ? ' · collateral' : ''}`
      : position.kind === 'borrowed'
        ? 'borrowed: you owe it'
        : position.kind === 'gas-deposit'
          ? `held by the ${position.tokenSymbol} for gas`
          : `${formatAmount(position.shares ?? '')} ${position.tokenSymbol}`;
  return h(
    'li',
    {
      class: `balance position position-${position.kind}`,
      dataset: { testid: 'position-row', kind: position.kind, symbol: position.symbol, protocol: position.protocol },
    },
    tokenAvatar(position.symbol),
    h(
      'span',
      { class: 'balance-name' },
      h('span', { class: 'balance-symbol', text: position.symbol, title: position.token }),
      h('span', { class: 'balance-note', text: note }),
    ),
    balanceValues(position.amount, position.usd, position.kind === 'borrowed'),
  );
}

/**
 * The health factor as a badge: liquidation comes at 1.
 * @param {number | null} value
 */
function healthBadge(value) {
  const tone = value === null || value >= 2 ? 'good' : value >= 1.2 ? 'warn' : 'bad';
  return h('span', {
    class: `badge badge-${tone}`,
    text: value === null ? 'no debt' : `health ${value.toFixed(2)}`,
    title: 'Health factor: the position can be liquidated below 1.',
    dataset: { testid: 'health-factor' },
  });
}

/** The policy form: shows the limits, sends only what changed, and puts a refusal next to its field. */
function createPolicyForm() {
  const form = /** @type {HTMLFormElement} */ ($('#policy-form'));
  const fields = {
    maxPlanUsd: /** @type {HTMLInputElement} */ ($('#policy-max-plan-usd')),
    maxDailyUsd: /** @type {HTMLInputElement} */ ($('#policy-max-daily-usd')),
    maxSlippageBps: /** @type {HTMLInputElement} */ ($('#policy-max-slippage-bps')),
    confirmNewRecipients: /** @type {HTMLInputElement} */ ($('#policy-confirm-new-recipients')),
  };
  const saveButton = /** @type {HTMLButtonElement} */ ($('#policy-save'));
  const status = $('#policy-status');
  const slippageHelp = $('#policy-slippage-help');
  /** @type {import('./api-types.js').Policy | undefined} */
  let current;

  const showSlippage = () => {
    const bps = Number(fields.maxSlippageBps.value);
    slippageHelp.textContent = fields.maxSlippageBps.value === '' || !Number.isFinite(bps) ? '' : `= ${formatBps(bps)}`;
  };
  fields.maxSlippageBps.addEventListener('input', showSlippage);

  /** @param {string} field @param {string} message */
  const setFieldError = (field, message) => {
    const input = /** @type {HTMLInputElement | undefined} */ (/** @type {any} */ (fields)[field]);
    input?.setAttribute('aria-invalid', message ? 'true' : 'false');
    const slot = form.querySelector(`[data-error-for="${field}"]`);
    if (slot) slot.textContent = message;
  };
  const clearErrors = () => {
    for (const name of Object.keys(fields)) setFieldError(name, '');
  };
  /** @param {string} text @param {'good' | 'bad' | ''} tone */
  const setStatus = (text, tone) => {
    status.textContent = text;
    status.dataset.tone = tone;
  };

  /** @param {NonNullable<typeof current>} policy */
  const fill = (policy) => {
    current = { ...policy };
    fields.maxPlanUsd.value = String(policy.maxPlanUsd);
    fields.maxDailyUsd.value = String(policy.maxDailyUsd);
    fields.maxSlippageBps.value = String(policy.maxSlippageBps);
    fields.confirmNewRecipients.checked = Boolean(policy.confirmNewRecipients);
    showSlippage();
  };

  async function load() {
    try {
      const { policy } = await api.policy();
      if (policy) fill(policy);
      saveButton.disabled = false;
    } catch (error) {
      const problem = asProblem(error);
      if (problem.kind !== 'locked') setStatus(problem.message, 'bad');
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (saveButton.disabled) return;
    clearErrors();
    /** @type {Record<string, number | boolean>} */
    const changes = {};
    let invalid = false;
    for (const name of /** @type {const} */ (['maxPlanUsd', 'maxDailyUsd', 'maxSlippageBps'])) {
      const raw = fields[name].value.trim();
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) {
        setFieldError(name, 'Enter a number.');
        invalid = true;
        continue;
      }
      if (!current || value !== current[name]) changes[name] = value;
    }
    if (!current || fields.confirmNewRecipients.checked !== current.confirmNewRecipients) {
      changes.confirmNewRecipients = fields.confirmNewRecipients.checked;
    }
    if (invalid) {
      setStatus('Fix the highlighted field.', 'bad');
      return;
    }
    if (Object.keys(changes).length === 0) {
      setStatus('Nothing changed.', '');
      return;
    }
    saveButton.disabled = true;
    setStatus('Saving…', '');
    try {
      const { policy } = await api.savePolicy(changes);
      fill(policy);
      setStatus('Saved.', 'good');
    } catch (error) {
      const problem = asProblem(error);
      const field = error && typeof error === 'object' && 'field' in error ? String(error.field ?? '') : '';
      if (field && field in fields) {
        setFieldError(field, problem.message);
        /** @type {any} */ (fields)[field].focus();
      }
      setStatus(field ? 'Not saved: see the field above.' : `Not saved: ${problem.message}`, 'bad');
    } finally {
      saveButton.disabled = false;
    }
  });

  saveButton.disabled = true;
  return { load };
}

/**
 * @param {HTMLElement} container
 * @param {import('./api-types.js').LlmStatus} llm
 */
function renderModel(container, llm) {
  container.dataset.provider = llm.provider;
  if (llm.provider === 'ollama') {
    replaceChildren(
      container,
      h(
        'div',
        { class: 'model-line' },
        h('span', { class: 'badge badge-good', text: 'Ollama' }),
        h('code', { class: 'mono', text: llm.model, dataset: { testid: 'llm-model' } }),
      ),
      h('p', { class: 'muted small', text: `Local model at ${llm.host}` }),
    );
    return;
  }
  const model = /ollama pull ([^\s`]+)/.exec(llm.detail ?? '')?.[1] ?? DEFAULT_MODEL;
  replaceChildren(
    container,
    h(
      'div',
      { class: 'model-line' },
      h('span', { class: 'badge badge-neutral', text: 'Embedded parser', dataset: { testid: 'llm-model' } }),
      h('span', { class: 'muted small', text: 'deterministic, offline' }),
    ),
    h(
      'p',
      { class: 'model-hint', dataset: { testid: 'llm-hint' } },
      `Install Ollama and pull ${model} to use a local model.`,
    ),
    h('pre', { class: 'command' }, h('code', { text: `ollama pull ${model}` })),
    llm.detail
      ? h(
          'details',
          { class: 'model-detail' },
          h('summary', { text: 'Why the embedded parser?' }),
          h('p', { class: 'muted small', text: llm.detail }),
        )
      : null,
  );
}

/**
 * @param {HTMLElement} container
 * @param {HTMLElement} summary
 * @param {import('./api-types.js').SkillView[]} skills
 */
function renderSkills(container, summary, skills) {
  const audited = skills.filter((s) => s.status === 'audited').length;
  summary.textContent = `${audited} of ${skills.length} audited`;
  if (skills.length === 0) {
    replaceChildren(container, h('p', { class: 'muted small', text: 'No skills are installed.' }));
    return;
  }
  replaceChildren(
    container,
    h(
      'ul',
      { class: 'skills' },
      skills.map((skill) => {
        const status = SKILL_STATUS[skill.status] ?? { label: String(skill.status), tone: 'neutral', help: '' };
        const author = String(skill.author ?? '');
        return h(
          'li',
          { class: 'skill', dataset: { testid: 'skill-row', skillId: String(skill.id), status: String(skill.status) } },
          h(
            'div',
            { class: 'skill-line' },
            h('span', { class: 'skill-title', text: String(skill.title ?? skill.id) }),
            h('span', {
              class: `badge badge-${status.tone}`,
              text: status.label,
              title: skill.detail ? String(skill.detail) : status.help,
              dataset: { testid: 'skill-status' },
            }),
          ),
          h(
            'p',
            { class: 'skill-meta' },
            h('code', { class: 'mono', text: `${skill.id}@${skill.version}` }),
            h('span', { class: 'pill pill-protocol', text: String(skill.protocol ?? '') }),
            author ? h('span', { class: 'muted', text: 'by ' }) : null,
            author ? h('code', { class: 'mono muted', text: shortHex(author), title: author }) : null,
            skill.origin === 'published' ? h('span', { class: 'muted', text: '· published' }) : null,
          ),
          skill.description ? h('p', { class: 'skill-description', text: String(skill.description) }) : null,
          skill.status !== 'audited' && skill.detail
            ? h('p', { class: 'skill-detail', text: String(skill.detail) })
            : null,
        );
      }),
    ),
  );
}
