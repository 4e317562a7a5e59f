import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { type Address, formatUnits, parseUnits } from 'viem';
import { validate } from '../../common/http-edge.ts';
import { INTENT_ACTIONS } from '../../common/intent-actions.ts';
import { ClaimParamsSchema, notSettled, ReportParamsSchema, ReportQuerySchema } from '../../emissions/routes.ts';
import type {
  AccountResponse,
  ChatEvent,
  ClaimProof,
  ConversationListResponse,
  EpochListResponse,
  EpochReport,
  ExecutionEvent,
  ExecutionResponse,
  ExecutionView,
  FaucetResponse,
  HealthResponse,
  Intent,
  LlmStatus,
  OrderListResponse,
  PlanResponse,
  PlanView,
  Policy,
  PolicyResponse,
  SessionResponse,
  SkillListResponse,
  SkillView,
} from '../public/js/api-types.d.ts';
import { chatUiRoutes } from '../routes.ts';

/**
 * A stand-in for the server's /v1 API, speaking the contract the page is written against (see
 * chat-ui/README.md), with scripted answers chosen by the message's words. It lets the page be driven
 * through states the real server reaches only with effort: a locked session, a bundler that is down,
 * a revert on chain, a 5xx. The real server is the reference; this fake follows it.
 */

// The real server's answers, typed as the page reads them: chat-ui/public/js/api-types.d.ts, generated
// from the schemas the routes answer with (npm run page:types).
type Execution = ExecutionView;
type Plan = PlanView;
type ChatDone = Extract<ChatEvent, { event: 'done' }>['data'];

/** A balance change as the scripts write it; makePlan fills in the rest of the real shape. */
type Change = { token: Address; symbol: string; amount: string; baseUnits: string; usd: number | undefined };

export type FakeApiOptions = {
  /** Every /v1 call answers 401, as without a session cookie. */
  locked?: boolean;
  /** /health reports the bundler down; a confirm fails with the bundler's error. */
  bundlerDown?: boolean;
  /** Every /v1 call answers 500. */
  broken?: boolean;
  /** Ollama in use instead of the embedded parser. */
  ollama?: boolean;
  /** Milliseconds between streamed events (default 30). */
  pace?: number;
  /** How long a plan stays confirmable (default 5 minutes). */
  planTtlMs?: number;
  /** No emission epoch is settled yet (by default epochs 11 and 12 are). */
  noEpochs?: boolean;
};

const TOKENS = {
  ETH: '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE',
  WETH: '0x4200000000000000000000000000000000000006',
  USDC: '0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238',
  DAI: '0x6B175474E89094C44Da98b954EedeAC495271d0F',
  aDAI: '0x018008bfb33d285247A21d44E50697654f754e63',
} as const;
const ROUTER = '0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45';
const GUARD = '0x5e7a0000000000000000000000000000000b0a4d';
/** USDC on the devnet's second chain (another address, as on a real L2). */
const L2_USDC = '0x2c7D4B196Cb0C7B01d743Fbc6116a902379C7238';
const AAVE_POOL = '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2';
const AUTHOR = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';
export const FAKE_ACCOUNT = '0x4E83362442B8d1beC281594cEa3050c8EB01311C';
export const FAKE_TX_HASH = '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060';
export const FAKE_USER_OP_HASH = '0x9f7a1c2b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
export const NEW_RECIPIENT = '0x000000000000000000000000000000000000dEaD';

const step = (skillId: string, protocol: string, title: string, summary: string) => ({
  skillId,
  version: '1.0.0',
  protocol,
  title,
  summary,
});

export function fakeApi(options: FakeApiOptions = {}): Hono {
  const pace = options.pace ?? 30;
  const plans = new Map<string, Plan>();
  const executions = new Map<string, Execution>();
  const planOutcome = new Map<string, 'succeeded' | 'reverted'>();
  const pendingClarify = new Set<string>();
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}-${++counter}`;
  let policy: Policy = { maxPlanUsd: 10_000, maxDailyUsd: 25_000, maxSlippageBps: 100, confirmNewRecipients: true };
  const balances: AccountResponse['balances'] = [
    { symbol: 'ETH', address: null, decimals: 18, raw: '10000000000000000000', amount: '10', usd: 30_000 },
    { symbol: 'WETH', address: TOKENS.WETH, decimals: 18, raw: '0', amount: '0', usd: 0 },
    { symbol: 'USDC', address: TOKENS.USDC, decimals: 6, raw: '25000000000', amount: '25000', usd: 25_000 },
    { symbol: 'DAI', address: TOKENS.DAI, decimals: 18, raw: '1200500000000000000000', amount: '1200.5', usd: 1200.5 },
  ];

  const makePlan = (
    fields: Partial<Omit<Plan, 'preview'>> &
      Pick<Plan, 'steps'> & { changes: Change[]; preview?: Partial<Plan['preview']> },
  ): Plan => {
    const out = fields.changes.filter((c) => c.amount.startsWith('-')).reduce((s, c) => s + Math.abs(c.usd ?? 0), 0);
    const plan: Plan = {
      id: nextId('plan'),
      status: 'proposed',
      steps: fields.steps,
      preview: {
        ok: true,
        problem: undefined,
        changes: fields.changes.map((change) => ({
          ...change,
          kind: 'wallet' as const,
          asset: undefined,
          description: `${change.amount.startsWith('-') ? '' : '+'}${change.amount} ${change.symbol}`,
        })),
        approvals: [],
        gas: { units: '187332', fee: '0.000412', feeUsd: 1.236, sponsored: false },
        ledger: { flows: [], totalUsd: out, unpriced: [], unlistedTokens: [], recipients: [], healthFactor: undefined },
        valueOutUsd: out,
        ...fields.preview,
      },
      valueUsd: out,
      newRecipients: fields.newRecipients ?? [],
      unlistedTokens: [],
      refusal: fields.refusal,
      expiresAt: new Date(Date.now() + (options.planTtlMs ?? 5 * 60_000)).toISOString(),
      executionId: undefined,
      ...(fields.status ? { status: fields.status } : {}),
    };
    plans.set(plan.id, plan);
    return plan;
  };

  /** The events of one reply; a reply that ends in an error (kind 'error') sends no `done`. */
  type Script = { events: ChatEvent[]; kind: ChatDone['kind'] | 'error'; planId?: string };
  const script = (message: string, conversationId: string): Script => {
    const text = message.toLowerCase();
    const words = (sentence: string) =>
      sentence.split(/(?<= )/).map((delta): ChatEvent => ({ event: 'text', data: { delta } }));
    const parse = (intents: Intent[]): ChatEvent => ({
      event: 'intents',
      data: { parse: { intents, parser: options.ollama ? 'ollama:qwen2.5:7b-instruct' : 'embedded' } },
    });
    const stages: ChatEvent[] = [
      { event: 'status', data: { stage: 'parsing' } },
      { event: 'status', data: { stage: 'planning' } },
      { event: 'status', data: { stage: 'simulating' } },
    ];
    const planned = (plan: Plan, intents: Intent[], sentence: string, kind: Script['kind'] = 'plan'): Script => ({
      events: [...stages, parse(intents), ...words(sentence), { event: 'plan', data: { plan } }],
      kind,
      planId: plan.id,
    });

    if (pendingClarify.has(conversationId) && /^\d/.test(text)) {
      pendingClarify.delete(conversationId);
      const plan = makePlan({
        steps: [step('uniswap-v3/swap', 'uniswap-v3', 'Swap USDC for ETH', `Swap ${text} USDC for at least some ETH`)],
        changes: [{ token: TOKENS.USDC, symbol: 'USDC', amount: `-${text}`, baseUnits: '0', usd: -Number(text) }],
      });
      return planned(plan, [{ action: 'swap', amount: text, tokenIn: 'USDC', tokenOut: 'ETH' }], 'Here is the plan.');
    }
    if (text === 'swap usdc') {
      pendingClarify.add(conversationId);
      return {
        events: [
          { event: 'status', data: { stage: 'parsing' } },
          parse([{ action: 'swap', tokenIn: 'USDC' }]),
          ...words('How much USDC?'),
        ],
        kind: 'clarify',
      };
    }
    if (text.includes('boom')) {
      return {
        events: [
          { event: 'status', data: { stage: 'parsing' } },
          { event: 'error', data: { error: 'The planner crashed.', hint: 'Try again in a moment.' } },
        ],
        kind: 'error',
      };
    }
    if (text.includes('bridge')) {
      // A plan that continues on the other chain, as the planner makes it: the bridge here, the supply
      // there once the fill lands, each leg previewed (and guarded) on its own chain.
      const plan = makePlan({
        steps: [
          step(
            'across/bridge',
            'across',
            'Bridge with Across',
            'Bridge 100 USDC to Sextant devnet L2: at least 99.9 USDC arrives',
          ),
          {
            ...step('aave-v3/supply', 'aave-v3', 'Supply USDC to Aave', 'Supply 99.9 USDC to Aave V3'),
            chainId: 31338,
          },
        ],
        changes: [{ token: TOKENS.USDC, symbol: 'USDC', amount: '-100', baseUnits: '-100000000', usd: -100 }],
      });
      plan.preview.guard = { address: GUARD, checks: ['USDC: at most 100 leaves'] };
      plan.preview.destination = {
        chainId: 31338,
        chain: 'Sextant devnet L2',
        arrives: [{ token: L2_USDC, symbol: 'USDC', amount: '99.9', deadline: Math.floor(Date.now() / 1000) + 3600 }],
        preview: {
          ...plan.preview,
          changes: [
            {
              token: L2_USDC,
              symbol: 'USDC',
              amount: '-99.9',
              baseUnits: '-99900000',
              usd: -99.9,
              kind: 'wallet',
              asset: undefined,
              description: '-99.9 USDC',
            },
          ],
          gas: { units: '201544', fee: '0.000398', feeUsd: 1.19, sponsored: false },
          ledger: { ...plan.preview.ledger, totalUsd: 0 },
          valueOutUsd: 0,
          guard: { address: GUARD, checks: ['USDC: at most 99.9 leaves'] },
        },
      };
      return planned(
        plan,
        [
          { action: 'bridge', token: 'USDC', amount: '100', toChain: 'devnet-l2' },
          { action: 'supply', token: 'USDC', protocol: 'aave', chain: 'devnet-l2' },
        ],
        'Here is the plan:\n1. Bridge 100 USDC to Sextant devnet L2\nThen on Sextant devnet L2, once at least 99.9 USDC has arrived there:\n2. Supply 99.9 USDC to Aave V3\nConfirm to execute it.',
      );
    }
    if (text.includes('price')) {
      return {
        events: [...stages.slice(0, 2), parse([{ action: 'price', token: 'ETH' }]), ...words('1 ETH = 3,000 USDC')],
        kind: 'answer',
      };
    }
    if (text.includes('too much') || text.includes('50000')) {
      const refusal = 'The plan moves $50,000.00, above your limit of $10,000.00 per plan (policy: maxPlanUsd)';
      const plan = makePlan({
        status: 'refused',
        refusal,
        steps: [step('uniswap-v3/swap', 'uniswap-v3', 'Swap USDC for ETH', 'Swap 50,000 USDC for at least 16.5 ETH')],
        changes: [
          { token: TOKENS.USDC, symbol: 'USDC', amount: '-50000', baseUnits: '-50000000000', usd: -50_000 },
          { token: TOKENS.ETH, symbol: 'ETH', amount: '16.61', baseUnits: '16610000000000000000', usd: 49_830 },
        ],
      });
      return planned(plan, [{ action: 'swap', amount: '50000', tokenIn: 'USDC', tokenOut: 'ETH' }], refusal, 'refused');
    }
    if (text.includes('impossible')) {
      const problem =
        'The bundle would fail: call 1 of 1 (to 0x6B17…1d0F) failed: ERC20: transfer amount exceeds balance';
      const plan = makePlan({
        status: 'refused',
        refusal: problem,
        steps: [step('erc20/transfer', 'erc20', 'Send DAI', 'Send 99,999 DAI to 0x1234…5678')],
        changes: [],
        preview: {
          ok: false,
          problem,
          changes: [],
          approvals: [],
          gas: { units: '0', fee: '0', feeUsd: 0, sponsored: false },
          valueOutUsd: 0,
        },
      });
      return planned(
        plan,
        [{ action: 'transfer', amount: '99999', token: 'DAI', recipient: '0x1234' }],
        problem,
        'not-offered',
      );
    }
    if (text.includes('send')) {
      const plan = makePlan({
        newRecipients: [NEW_RECIPIENT],
        steps: [step('erc20/transfer', 'erc20', 'Send USDC', `Send 50 USDC to ${NEW_RECIPIENT}`)],
        changes: [{ token: TOKENS.USDC, symbol: 'USDC', amount: '-50', baseUnits: '-50000000', usd: -50 }],
      });
      return planned(
        plan,
        [{ action: 'transfer', amount: '50', token: 'USDC', recipient: NEW_RECIPIENT }],
        `Here is the plan:\n1. Send 50 USDC to ${NEW_RECIPIENT}\nConfirm to execute it. ${NEW_RECIPIENT} is a new recipient: confirm explicitly.`,
      );
    }
    if (text.includes('odd')) {
      const symbol = '<img src=x onerror="document.body.dataset.pwned=1">';
      const plan = makePlan({
        steps: [step('uniswap-v3/swap', 'uniswap-v3', '<b>Swap</b>', '<script>document.body.dataset.pwned=1</script>')],
        changes: [
          { token: TOKENS.USDC, symbol: 'USDC', amount: '-10', baseUnits: '-10000000', usd: -10 },
          { token: TOKENS.WETH, symbol, amount: '0.0033', baseUnits: '3300000000000000', usd: 9.9 },
        ],
      });
      return planned(
        plan,
        [{ action: 'swap', amount: '10', tokenIn: 'USDC', tokenOut: symbol }],
        '<i>Here</i> is the plan.',
      );
    }
    if (text.includes('half') && text.includes('aave')) {
      const plan = makePlan({
        steps: [
          step(
            'uniswap-v3/swap',
            'uniswap-v3',
            'Swap ETH for USDC',
            'Swap 5 ETH for at least 14,850 USDC (1% slippage)',
          ),
          step('aave-v3/supply', 'aave-v3', 'Supply USDC to Aave', 'Supply 14,987.31 USDC to Aave V3'),
        ],
        changes: [
          { token: TOKENS.ETH, symbol: 'ETH', amount: '-5.000412', baseUnits: '-5000412000000000000', usd: -15_001.24 },
          {
            token: '0x98C23E9d8f34FEFb1B7BD6a91B7FF122F4e16F5c',
            symbol: 'aUSDC',
            amount: '14987.312345',
            baseUnits: '14987312345',
            usd: 14_987.31,
          },
        ],
      });
      plan.preview.approvals = [
        { token: TOKENS.USDC, symbol: 'USDC', spender: AAVE_POOL, amount: '14987.312345', remaining: '0' },
      ];
      return planned(
        plan,
        [
          { action: 'swap', amount: '50%', tokenIn: 'ETH', tokenOut: 'USDC' },
          { action: 'supply', amount: 'all', token: 'USDC', protocol: 'aave' },
        ],
        'Here is the plan:\n1. Swap 5 ETH for at least 14,850 USDC\n2. Supply the USDC to Aave V3\nConfirm to execute it.',
      );
    }
    if (text.includes('supply')) {
      const plan = makePlan({
        steps: [
          step('aave-v3/supply', 'aave-v3', 'Supply DAI to Aave', 'Supply 500 DAI to Aave V3 (health factor stays ∞)'),
        ],
        changes: [
          { token: TOKENS.DAI, symbol: 'DAI', amount: '-500', baseUnits: '-500000000000000000000', usd: -500 },
          { token: TOKENS.aDAI, symbol: 'aDAI', amount: '500', baseUnits: '500000000000000000000', usd: 500 },
        ],
      });
      plan.preview.approvals = [
        { token: TOKENS.DAI, symbol: 'DAI', spender: AAVE_POOL, amount: '500', remaining: '0' },
      ];
      return planned(
        plan,
        [{ action: 'supply', amount: '500', token: 'DAI', protocol: 'aave' }],
        'Here is the plan:\n1. Supply 500 DAI to Aave V3\nConfirm to execute it.',
      );
    }
    if (text.includes('wrap')) {
      const plan = makePlan({
        steps: [step('weth/wrap', 'weth', 'Wrap ETH', 'Wrap 1 ETH into WETH')],
        changes: [
          { token: TOKENS.ETH, symbol: 'ETH', amount: '-1.000412', baseUnits: '-1000412000000000000', usd: -3001.24 },
          { token: TOKENS.WETH, symbol: 'WETH', amount: '1', baseUnits: '1000000000000000000', usd: 3000 },
        ],
      });
      if (text.includes('revert')) planOutcome.set(plan.id, 'reverted');
      return planned(
        plan,
        [{ action: 'wrap', amount: '1', token: 'ETH' }],
        'Here is the plan:\n1. Wrap 1 ETH into WETH\nConfirm to execute it.',
      );
    }
    if (text.includes('swap')) {
      const plan = makePlan({
        steps: [
          {
            ...step(
              'uniswap-v3/swap',
              'uniswap-v3',
              'Swap USDC for ETH',
              'Swap 100 USDC for at least 0.03300 ETH (1% slippage) on the 0.05% pool',
            ),
            quote: { summary: '100 USDC ≈ 0.033312 ETH', values: {} },
          },
        ],
        changes: [
          { token: TOKENS.USDC, symbol: 'USDC', amount: '-100', baseUnits: '-100000000', usd: -100 },
          {
            token: TOKENS.ETH,
            symbol: 'ETH',
            amount: '0.032900123456789012',
            baseUnits: '32900123456789012',
            usd: 98.7,
          },
        ],
      });
      plan.preview.approvals = [{ token: TOKENS.USDC, symbol: 'USDC', spender: ROUTER, amount: '100', remaining: '0' }];
      return planned(
        plan,
        [{ action: 'swap', amount: '100', tokenIn: 'USDC', tokenOut: 'ETH' }],
        'Here is the plan:\n1. Swap 100 USDC for at least 0.03300 ETH\nConfirm to execute it.',
      );
    }
    return {
      events: [
        ...stages.slice(0, 1),
        parse([]),
        ...words('I can swap, wrap, send, supply to and borrow from Aave. What would you like to do?'),
      ],
      kind: 'answer',
    };
  };

  const settle = (execution: Execution, planId: string) => {
    const outcome = planOutcome.get(planId) ?? 'succeeded';
    execution.status = outcome;
    execution.txHash = FAKE_TX_HASH;
    execution.gasUsed = '187332';
    execution.feePaid = '411930000000000';
    if (outcome === 'reverted') execution.error = 'call 1 of 1 (to 0x4200…0006) failed: Too little received';
    else {
      const eth = balances.find((b) => b.symbol === 'ETH');
      if (eth) {
        eth.amount = '9';
        eth.usd = 27_000;
      }
    }
  };

  const app = new Hono();
  app.route('/', chatUiRoutes());

  app.get('/health', (c) => {
    const health: HealthResponse = {
      status: options.bundlerDown ? 'degraded' : 'ok',
      chain: { slug: 'devnet', name: 'Sextant devnet', chainId: 31337, blockNumber: 412, reachable: true },
      bundler: options.bundlerDown
        ? { url: 'http://127.0.0.1:4337', reachable: false, entryPoints: [], error: 'connection refused' }
        : {
            url: 'http://127.0.0.1:4337',
            reachable: true,
            entryPoints: ['0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108'],
          },
      llm: llm(),
    };
    return c.json(health);
  });
  const llm = (): LlmStatus =>
    options.ollama
      ? { provider: 'ollama', model: 'qwen2.5:7b-instruct', reachable: true, host: 'http://127.0.0.1:11434' }
      : {
          provider: 'embedded',
          model: 'embedded',
          reachable: false,
          host: 'http://127.0.0.1:11434',
          detail:
            'Ollama is not reachable at http://127.0.0.1:11434 (fetch failed); the embedded parser serves. Install Ollama and run `ollama pull qwen2.5:7b-instruct` to use the model.',
        };

  app.use('/v1/*', async (c, next) => {
    if (options.locked) return c.json({ error: 'Open the URL `sextant start` printed to unlock this page.' }, 401);
    if (options.broken) return c.json({ error: 'internal error' }, 500);
    return next();
  });

  app.get('/v1/session', (c) => {
    const session: SessionResponse = {
      user: 'default',
      chain: { slug: 'devnet', name: 'Sextant devnet', chainId: 31337 },
      llm: llm(),
    };
    return c.json(session);
  });
  app.get('/v1/account', (c) => {
    const walletUsd = balances.reduce((sum, b) => sum + (b.usd ?? 0), 0);
    const account: AccountResponse = {
      user: 'default',
      address: FAKE_ACCOUNT,
      deployed: true,
      owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      accountMode: 'simple-account',
      eip7702Implementation: null,
      implementation: null,
      chain: { slug: 'devnet', name: 'Sextant devnet', chainId: 31337 },
      balances,
      positions: [],
      aave: null,
      totals: { walletUsd, positionsUsd: 0, debtUsd: 0, totalUsd: walletUsd, unpriced: [] },
    };
    return c.json(account);
  });
  app.get('/v1/policy', (c) => c.json({ policy } satisfies PolicyResponse));
  app.put('/v1/policy', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return c.json({ error: 'body: expected an object' }, 400);
    for (const [field, value] of Object.entries(body)) {
      if (field === 'confirmNewRecipients') {
        if (typeof value !== 'boolean') return c.json({ error: `${field}: expected a boolean`, field }, 400);
      } else if (field === 'maxSlippageBps') {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 300)
          return c.json({ error: `${field}: at most 300 (3%)`, field }, 400);
      } else if (field === 'maxPlanUsd' || field === 'maxDailyUsd') {
        if (typeof value !== 'number' || value <= 0) return c.json({ error: `${field}: must be positive`, field }, 400);
      } else return c.json({ error: `${field}: unknown setting`, field }, 400);
    }
    policy = { ...policy, ...body } as Policy;
    return c.json({ policy } satisfies PolicyResponse);
  });
  app.get('/v1/skills', (c) =>
    c.json({
      skills: [
        skill('uniswap-v3/swap', 'Swap on Uniswap V3', 'uniswap-v3', 'audited'),
        skill('aave-v3/supply', 'Supply to Aave V3', 'aave-v3', 'audited'),
        skill('weth/wrap', 'Wrap ETH', 'weth', 'audited'),
        skill('tip-jar/wrap', 'Tip jar', 'tip-jar', 'unaudited', 'published', 'no attestation by a trusted auditor'),
        skill(
          'shady/drain',
          'Totally safe <b>skill</b>',
          'shady',
          'tampered',
          'published',
          'the code hash differs from the published release',
        ),
      ],
    } satisfies SkillListResponse),
  );

  app.get('/v1/emissions/epochs', (c) =>
    c.json({
      epochs: options.noEpochs
        ? []
        : FAKE_EPOCH_REPORTS.map((r) => ({
            epoch: r.epoch,
            status: r.status,
            total: r.total,
            claims: r.claims,
            settledAt: r.settledAt,
          })),
    } satisfies EpochListResponse),
  );
  // The real route's own checks, so the page meets the same 400s and 404s.
  app.get(
    '/v1/emissions/epochs/:epoch',
    validate('param', ReportParamsSchema),
    validate('query', ReportQuerySchema),
    (c) => {
      const { epoch } = c.req.valid('param');
      const { top } = c.req.valid('query');
      const found = options.noEpochs ? undefined : FAKE_EPOCH_REPORTS.find((r) => r.epoch === epoch);
      if (!found) return c.json(notSettled(epoch), 404);
      const { settledAt: _, ...report } = found;
      return c.json({
        ...report,
        buckets: report.buckets.map((b) => ({ ...b, payouts: b.payouts.slice(0, top) })),
      } satisfies EpochReport);
    },
  );

  // An address's claim is what the epoch's payouts give it, summed over the buckets (the index and
  // proof are placeholders: nothing here is claimed on chain); 404 as the real route when none.
  app.get('/v1/emissions/epochs/:epoch/claims/:address', validate('param', ClaimParamsSchema), (c) => {
    const { epoch, address } = c.req.valid('param');
    const found = options.noEpochs ? undefined : FAKE_EPOCH_REPORTS.find((r) => r.epoch === epoch);
    if (!found) return c.json(notSettled(epoch), 404);
    const account = address.toLowerCase() as Address;
    const wei = found.buckets
      .flatMap((b) => b.payouts)
      .filter((p) => p.contributor.toLowerCase() === account)
      .reduce((sum, p) => sum + parseUnits(p.amount, 18), 0n);
    if (wei === 0n || !found.root) {
      return c.json(
        { error: `Epoch ${epoch} pays ${address} nothing: it has no claim in it.`, code: 'nothing-to-claim' },
        404,
      );
    }
    return c.json({
      epoch,
      status: found.status,
      account,
      index: 0,
      amount: formatUnits(wei, 18),
      amountWei: wei.toString(),
      proof: [found.root as `0x${string}`],
      root: found.root as `0x${string}`,
      chainId: found.chainId,
      rewardToken: found.rewardToken,
      distributor: found.distributor,
      claimed: found.status === 'distributed' ? false : null,
    } satisfies ClaimProof);
  });

  app.post('/v1/chat', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as
      | { message?: unknown; conversationId?: unknown }
      | undefined;
    if (!body || typeof body.message !== 'string' || body.message.trim() === '')
      return c.json({ error: 'message: expected a non-empty string', field: 'message' }, 400);
    if (body.message.length > 2000) return c.json({ error: 'message: at most 2000 characters', field: 'message' }, 400);
    const conversationId = typeof body.conversationId === 'string' ? body.conversationId : nextId('conv');
    const { events, kind, planId } = script(body.message, conversationId);
    return streamSSE(c, async (stream) => {
      for (const { event, data } of events) {
        await stream.writeSSE({ event, data: JSON.stringify(data) });
        await stream.sleep(pace);
      }
      if (kind !== 'error') {
        const done: ChatDone = { kind, conversationId, planId: planId ?? null };
        await stream.writeSSE({ event: 'done', data: JSON.stringify(done) });
      }
    });
  });

  app.post('/v1/plans/:id/confirm', async (c) => {
    const plan = plans.get(c.req.param('id'));
    if (!plan) return c.json({ error: `There is no plan ${c.req.param('id')}.` }, 404);
    const body = ((await c.req.json().catch(() => ({}))) ?? {}) as { allowNewRecipients?: unknown };
    const confirmed = plan.executionId ? executions.get(plan.executionId) : undefined;
    if (confirmed) return c.json({ execution: confirmed } satisfies ExecutionResponse);
    if (plan.status !== 'proposed')
      return c.json(
        { error: `This plan is ${plan.status}; it cannot be confirmed.`, hint: 'Ask again for a new plan.' },
        409,
      );
    if (Date.parse(plan.expiresAt) < Date.now()) {
      plan.status = 'expired';
      return c.json(
        { error: 'This plan has expired: prices have moved since its preview.', hint: 'Ask again for a fresh plan.' },
        409,
      );
    }
    if (plan.newRecipients.length > 0 && body.allowNewRecipients !== true)
      return c.json(
        {
          error: `${plan.newRecipients.join(', ')} has never been paid from this account.`,
          hint: 'Check the address, then confirm with the new recipient explicitly allowed.',
        },
        400,
      );
    plan.status = 'confirmed';
    const now = new Date().toISOString();
    const execution: Execution = {
      id: nextId('exec'),
      planId: plan.id,
      status: 'submitted',
      sent: 'yes',
      userOpHash: FAKE_USER_OP_HASH,
      txHash: null,
      error: null,
      gasUsed: null,
      feePaid: null,
      createdAt: now,
      updatedAt: now,
    };
    plan.executionId = execution.id;
    executions.set(execution.id, execution);
    if (options.bundlerDown) {
      execution.status = 'failed';
      execution.userOpHash = null;
      execution.error = 'The bundler at http://127.0.0.1:4337 did not answer (connection refused). Nothing was sent.';
      return c.json({ execution } satisfies ExecutionResponse);
    }
    await new Promise((resolve) => setTimeout(resolve, pace * 5));
    return c.json({ execution } satisfies ExecutionResponse);
  });

  // A plan as it stands: a confirmed two-leg plan's leg waits for the fill on the first reads, then
  // has run there (as the server's pass runs it once the bridge is filled).
  const legReads = new Map<string, number>();
  app.get('/v1/plans/:id', (c) => {
    const plan = plans.get(c.req.param('id'));
    if (!plan) return c.json({ error: 'There is no such plan.' }, 404);
    const destination = plan.preview.destination;
    if (!destination || !plan.executionId) return c.json({ plan } satisfies PlanResponse);
    const reads = (legReads.get(plan.id) ?? 0) + 1;
    legReads.set(plan.id, reads);
    const leg: NonNullable<Plan['leg']> =
      reads < 2
        ? { chainId: destination.chainId, status: 'waiting' }
        : {
            chainId: destination.chainId,
            status: 'executed',
            executionId: `${plan.executionId}-leg`,
            executionStatus: 'succeeded',
            txHash: FAKE_TX_HASH,
          };
    return c.json({ plan: { ...plan, leg } } satisfies PlanResponse);
  });

  app.post('/v1/plans/:id/cancel', (c) => {
    const plan = plans.get(c.req.param('id'));
    if (!plan) return c.json({ error: `There is no plan ${c.req.param('id')}.` }, 404);
    if (plan.status !== 'proposed' && plan.status !== 'cancelled')
      return c.json({ error: `This plan is ${plan.status}; only a proposed plan can be cancelled.` }, 409);
    plan.status = 'cancelled';
    return c.json({ plan } satisfies PlanResponse);
  });

  const findExecution = (id: string) => {
    const execution = executions.get(id);
    const planId = [...plans.values()].find((p) => p.executionId === id)?.id;
    return execution && planId ? { execution, planId } : undefined;
  };
  app.get('/v1/executions/:id', (c) => {
    const found = findExecution(c.req.param('id'));
    if (!found) return c.json({ error: 'There is no such execution.' }, 404);
    return c.json({ execution: found.execution } satisfies ExecutionResponse);
  });
  app.get('/v1/executions/:id/events', (c) => {
    const found = findExecution(c.req.param('id'));
    if (!found) return c.json({ error: 'There is no such execution.' }, 404);
    return streamSSE(c, async (stream) => {
      const send = ({ event, data }: ExecutionEvent) => stream.writeSSE({ event, data: JSON.stringify(data) });
      await send({ event: 'status', data: { execution: found.execution } });
      if (found.execution.status === 'submitted') {
        await stream.sleep(pace * 10);
        settle(found.execution, found.planId);
        await send({ event: 'status', data: { execution: found.execution } });
      }
      await send({ event: 'done', data: { status: found.execution.status } });
    });
  });

  // The fake keeps no history (the real one is tested on the devnet, chat-ui/history.e2e.test.ts).
  app.get('/v1/conversations', (c) => c.json({ conversations: [] } satisfies ConversationListResponse));
  // No standing orders: the Orders card's own tests run against the real server (chat-ui/orders.e2e.test.ts).
  app.get('/v1/orders', (c) => c.json({ orders: [] } satisfies OrderListResponse));
  app.get('/v1/conversations/:id', (c) =>
    c.json({ error: 'There is no such conversation.', hint: 'Start a new one, or pick one from the list.' }, 404),
  );
  app.post('/v1/faucet', (c) =>
    c.json({
      account: FAKE_ACCOUNT,
      given: [
        { symbol: 'ETH', amount: '10' },
        { symbol: 'USDC', amount: '10000' },
      ],
    } satisfies FaucetResponse),
  );

  return app;
}

function skill(
  id: string,
  title: string,
  protocol: string,
  status: SkillView['status'],
  origin: SkillView['origin'] = 'builtin',
  detail = 'attested by the Sextant auditor',
): SkillView {
  const action = id.split('/')[1];
  return {
    id,
    version: '1.0.0',
    title,
    description: `${title}: builds the calls for one ${protocol} action, within the contracts its manifest declares.`,
    protocol,
    author: AUTHOR,
    kind: 'action',
    // The action its id names; a skill whose id names none (shady/drain) claims to transfer.
    actions: [INTENT_ACTIONS.find((known) => known === action) ?? 'transfer'],
    chains: ['devnet'],
    hasQuote: false,
    input: {},
    contracts: {},
    origin,
    status,
    detail,
    codeHash: '0x1b5e4c5d3d0b6f0f7a4ce8e1d1c1d4cf5f5c7e0e8d6c9a2b7e4f1a3c5d7e9f0a',
    auditors: status === 'audited' ? [AUTHOR] : [],
  };
}

type FakeBucket = EpochReport['buckets'][number];
type FakePayout = FakeBucket['payouts'][number];

/** A bucket as the report gives it, with every payout (the route keeps the top N). */
function bucket(
  bucket: FakeBucket['bucket'],
  emitted: string,
  carriedIn: string,
  paid: string,
  carriedOut: string,
  payouts: FakePayout[],
): FakeBucket {
  return { bucket, emitted, carriedIn, paid, carriedOut, contributors: payouts.length, payouts };
}
const payout = (contributor: Address, amount: string): FakePayout => ({ contributor, amount });

const CONTRIBUTORS = {
  depositor: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  depositor2: '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
  depositor3: '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65',
  author: '0x8ba1f109551bd432803012645ac136ddd64dba72',
  author2: '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc',
  node: '0x976ea74026e726554db657fa54763abd0c3a0aa9',
  referrer: '0x5c0ff1c1a1b2c3d4e5f60718293a4b5c6d7e8f90',
  referrer2: '0x14dc79964da2c08b23698b3d3cc7ca32193d9955',
} as const;
export const FAKE_DISTRIBUTOR = '0x5FC8d32690cc91D4c39d9d3abcBD16989F875707';

/**
 * Two settled epochs, newest first, as emissions/epoch.ts settles them on the default schedule (the
 * figures were computed by it): in 12, capital has seven depositors (more than the top 5 shown) and
 * rounding leaves a few wei; nobody earned from the protection fund, so all of it, with what epoch 11
 * carried in, carries over.
 */
export const FAKE_EPOCH_REPORTS: (EpochReport & { settledAt: string })[] = [
  {
    epoch: 12,
    from: '2026-01-13T00:00:00.000Z',
    to: '2026-01-14T00:00:00.000Z',
    status: 'distributed',
    total: '13795.557181044479999997',
    claims: 12,
    root: '0x7d1c0b9e6f3a2c4b5d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d',
    digest: '4f9a1e2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7',
    chainId: 31337,
    rewardToken: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    distributor: FAKE_DISTRIBUTOR,
    settledAt: '2026-01-14T00:05:12.000Z',
    buckets: [
      bucket('capital', '3448.88929526112', '0', '3448.889295261119999997', '0.000000000000000003', [
        payout(CONTRIBUTORS.depositor, '2305.187154285098825551'),
        payout(CONTRIBUTORS.depositor2, '823.281126530392437696'),
        payout(CONTRIBUTORS.depositor3, '164.656225306078487539'),
        payout('0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f', '102.086859689768662274'),
        payout('0xa0ee7a142d267c1f36714e4a8f75612f20a79720', '39.517494073458837009'),
        payout('0xbcd4042de499d14e55001ccbb24a551f3b954096', '13.172498024486279003'),
        payout('0x71be63f3384f5fb98995898a86b02fb2426c5788', '0.987937351836470925'),
      ]),
      bucket('code', '3448.88929526112', '0', '3448.88929526112', '0', [
        payout(CONTRIBUTORS.author, '2586.66697144584'),
        payout(CONTRIBUTORS.author2, '862.22232381528'),
      ]),
      bucket('compute', '3448.88929526112', '0', '3448.88929526112', '0', [
        payout(CONTRIBUTORS.node, '3448.88929526112'),
      ]),
      bucket('community', '3448.88929526112', '0.000000000000000001', '3448.88929526112', '0.000000000000000001', [
        payout(CONTRIBUTORS.referrer, '2682.46945186976'),
        payout(CONTRIBUTORS.referrer2, '766.41984339136'),
      ]),
      bucket('protection', '574.81488254352', '574.91364233156', '0', '1149.72852487508', []),
    ],
  },
  {
    epoch: 11,
    from: '2026-01-12T00:00:00.000Z',
    to: '2026-01-13T00:00:00.000Z',
    status: 'settled',
    total: '13797.927415957439999999',
    claims: 8,
    root: '0x2b8e4f1a9c3d5e7f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7',
    digest: '9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f',
    chainId: null,
    rewardToken: null,
    distributor: null,
    settledAt: '2026-01-13T00:04:57.000Z',
    buckets: [
      bucket('capital', '3449.48185398936', '0', '3449.48185398936', '0', [
        payout(CONTRIBUTORS.depositor, '2414.637297792552'),
        payout(CONTRIBUTORS.depositor2, '862.37046349734'),
        payout(CONTRIBUTORS.depositor3, '172.474092699468'),
      ]),
      bucket('code', '3449.48185398936', '0', '3449.48185398936', '0', [
        payout(CONTRIBUTORS.author, '2587.11139049202'),
        payout(CONTRIBUTORS.author2, '862.37046349734'),
      ]),
      bucket('compute', '3449.48185398936', '0', '3449.48185398936', '0', [
        payout(CONTRIBUTORS.node, '3449.48185398936'),
      ]),
      bucket('community', '3449.48185398936', '0', '3449.481853989359999999', '0.000000000000000001', [
        payout(CONTRIBUTORS.referrer, '2682.930330880613333333'),
        payout(CONTRIBUTORS.referrer2, '766.551523108746666666'),
      ]),
      bucket('protection', '574.91364233156', '0', '0', '574.91364233156', []),
    ],
  },
];
