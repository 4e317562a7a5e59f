// @ts-check
// The server's JSON API (same origin; the session cookie rides along). Every failure becomes an
// ApiError whose `kind` says what the page should show.

import { readEventStream } from './sse.js';

/**
 * @typedef {'locked' | 'unreachable' | 'rate-limited' | 'too-large' | 'rejected'} ErrorKind
 */

export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{ kind: ErrorKind, status?: number, hint?: string, field?: string }} details
   */
  constructor(message, details) {
    super(message);
    this.name = 'ApiError';
    this.kind = details.kind;
    this.status = details.status ?? 0;
    this.hint = details.hint;
    this.field = details.field;
  }
}

/** @type {Set<(error: ApiError) => void>} */
const failureListeners = new Set();
/** @type {Set<() => void>} */
const successListeners = new Set();

/**
 * Hears about every locked or unreachable answer, wherever it came from (the banner and the locked
 * screen listen), and about every answer that arrived (which clears the "unreachable" banner).
 * @param {{ failure?: (error: ApiError) => void, success?: () => void }} listeners
 */
export function onConnection(listeners) {
  if (listeners.failure) failureListeners.add(listeners.failure);
  if (listeners.success) successListeners.add(listeners.success);
}

/** When the last locked or unreachable answer was reported (performance.now()). */
let lastFailureAt = Number.NEGATIVE_INFINITY;

/** @param {ApiError} error */
function report(error) {
  if (error.kind === 'locked' || error.kind === 'unreachable') {
    lastFailureAt = performance.now();
    for (const listener of failureListeners) listener(error);
  }
  return error;
}

/**
 * An answer arrived. Only a request sent after the last failure proves the server is back: one sent
 * before it (a health check racing a failing request) says nothing about now.
 * @param {number} startedAt
 */
function reportSuccess(startedAt) {
  if (startedAt > lastFailureAt) for (const listener of successListeners) listener();
}

/**
 * @param {string} path
 * @param {RequestInit} init
 * @returns {Promise<Response>} a 2xx response; anything else throws an ApiError
 */
async function send(path, init) {
  let response;
  const startedAt = performance.now();
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw report(
      new ApiError('The Sextant server is unreachable.', {
        kind: 'unreachable',
        hint: 'Check that sextant start is still running, then retry.',
      }),
    );
  }
  if (response.ok) {
    reportSuccess(startedAt);
    return response;
  }
  /** @type {{ error?: unknown, hint?: unknown, field?: unknown }} */
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const message = typeof body.error === 'string' ? body.error : undefined;
  const hint = typeof body.hint === 'string' ? body.hint : undefined;
  const field = typeof body.field === 'string' ? body.field : undefined;
  if (response.status === 401) {
    throw report(new ApiError(message ?? 'This page is locked.', { kind: 'locked', status: 401 }));
  }
  if (response.status >= 500) {
    throw report(
      new ApiError('The Sextant server is unreachable or failed to answer.', {
        kind: 'unreachable',
        status: response.status,
        hint: message && message !== 'internal error' ? message : 'The terminal where sextant start runs says more.',
      }),
    );
  }
  // The server answered: whatever it refused, it is reachable.
  reportSuccess(startedAt);
  if (response.status === 429) {
    throw new ApiError(message ?? 'Too many requests.', {
      kind: 'rate-limited',
      status: 429,
      hint: hint ?? 'Wait a moment, then try again.',
    });
  }
  if (response.status === 413) {
    throw new ApiError(message ?? 'That is too large to send.', {
      kind: 'too-large',
      status: 413,
      hint: hint ?? 'Shorten the message and try again.',
    });
  }
  throw new ApiError(message ?? `The server refused the request (HTTP ${response.status}).`, {
    kind: 'rejected',
    status: response.status,
    ...(hint ? { hint } : {}),
    ...(field ? { field } : {}),
  });
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown, signal?: AbortSignal }} [options]
 * @returns {Promise<any>} the parsed JSON body
 */
export async function requestJson(path, options = {}) {
  const init = /** @type {RequestInit} */ ({
    method: options.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const response = await send(path, init);
  try {
    return await response.json();
  } catch {
    throw new ApiError('The server sent an answer the page cannot read.', {
      kind: 'rejected',
      status: response.status,
    });
  }
}

/**
 * A request whose answer is a stream of server-sent events; `onEvent` hears each one.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, signal?: AbortSignal }} options
 * @param {(name: string, data: any) => void} onEvent
 */
export async function requestEvents(path, options, onEvent) {
  const init = /** @type {RequestInit} */ ({
    method: options.method ?? 'GET',
    headers: {
      accept: 'text/event-stream',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const response = await send(path, init);
  try {
    await readEventStream(response, onEvent);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw report(
      new ApiError('The connection to the server broke off.', {
        kind: 'unreachable',
        hint: 'Check that sextant start is still running, then retry.',
      }),
    );
  }
}

/**
 * The API's answers as the server's zod schemas say them: api-types.d.ts is generated from them
 * (`npm run page:types`, app/page-types.ts).
 * @typedef {import('./api-types.js').SessionResponse} SessionResponse
 * @typedef {import('./api-types.js').HealthResponse} HealthResponse
 * @typedef {import('./api-types.js').AccountResponse} AccountResponse
 * @typedef {import('./api-types.js').PolicyResponse} PolicyResponse
 * @typedef {import('./api-types.js').SkillListResponse} SkillListResponse
 * @typedef {import('./api-types.js').EpochListResponse} EpochListResponse
 * @typedef {import('./api-types.js').EpochReport} EpochReport
 * @typedef {import('./api-types.js').ClaimProof} ClaimProof
 * @typedef {import('./api-types.js').ConversationListResponse} ConversationListResponse
 * @typedef {import('./api-types.js').ConversationResponse} ConversationResponse
 * @typedef {import('./api-types.js').FaucetResponse} FaucetResponse
 * @typedef {import('./api-types.js').PlanResponse} PlanResponse
 * @typedef {import('./api-types.js').ExecutionResponse} ExecutionResponse
 * @typedef {import('./api-types.js').OrderListResponse} OrderListResponse
 * @typedef {import('./api-types.js').OrderResponse} OrderResponse
 */

/**
 * A stream's event as its handler hears it, name then data: testing the name tells which data it is.
 * @template {{ event: string, data: unknown }} Event
 * @typedef {Event extends unknown ? [name: Event['event'], data: Event['data']] : never} EventArgs
 */
/** @typedef {EventArgs<import('./api-types.js').ChatEvent>} ChatEventArgs */
/** @typedef {EventArgs<import('./api-types.js').ExecutionEvent>} ExecutionEventArgs */

const path = {
  /** @param {string} id */
  plan: (id) => `/v1/plans/${encodeURIComponent(id)}`,
  /** @param {string} id */
  execution: (id) => `/v1/executions/${encodeURIComponent(id)}`,
  /** @param {string} id */
  conversation: (id) => `/v1/conversations/${encodeURIComponent(id)}`,
  /** @param {string} id */
  order: (id) => `/v1/orders/${encodeURIComponent(id)}`,
};

export const api = {
  /** @returns {Promise<SessionResponse>} */
  session: () => requestJson('/v1/session'),
  /** @returns {Promise<HealthResponse>} */
  health: () => requestJson('/health'),
  /** @returns {Promise<AccountResponse>} */
  account: () => requestJson('/v1/account'),
  /** @returns {Promise<PolicyResponse>} */
  policy: () => requestJson('/v1/policy'),
  /**
   * @param {Record<string, number | boolean>} changes
   * @returns {Promise<PolicyResponse>}
   */
  savePolicy: (changes) => requestJson('/v1/policy', { method: 'PUT', body: changes }),
  /** @returns {Promise<SkillListResponse>} */
  skills: () => requestJson('/v1/skills'),
  /** @returns {Promise<EpochListResponse>} */
  emissionsEpochs: () => requestJson('/v1/emissions/epochs'),
  /**
   * The user's conversations, most recently active first (GET /v1/conversations).
   * @returns {Promise<ConversationListResponse>}
   */
  conversations: () => requestJson('/v1/conversations'),
  /**
   * One conversation with its turns, each plan as the chat sent it (GET /v1/conversations/:id).
   * @param {string} id
   * @param {AbortSignal} [signal]
   * @returns {Promise<ConversationResponse>}
   */
  conversation: (id, signal) => requestJson(path.conversation(id), { ...(signal ? { signal } : {}) }),
  /**
   * Devnet only: funds the user's account with test ETH and tokens (POST /v1/faucet).
   * @returns {Promise<FaucetResponse>}
   */
  faucet: () => requestJson('/v1/faucet', { method: 'POST', body: {} }),
  /**
   * @param {number} epoch
   * @param {number} [top] contributors per bucket
   * @returns {Promise<EpochReport>}
   */
  emissionsEpoch: (epoch, top = 5) => requestJson(`/v1/emissions/epochs/${encodeURIComponent(epoch)}?top=${top}`),
  /**
   * What an address can claim from a settled epoch; a 404 when the epoch pays it nothing.
   * @param {number} epoch
   * @param {string} address
   * @returns {Promise<ClaimProof>}
   */
  emissionsClaim: (epoch, address) =>
    requestJson(`/v1/emissions/epochs/${encodeURIComponent(epoch)}/claims/${encodeURIComponent(address)}`),
  /**
   * @param {{ message: string, conversationId?: string, referrer?: string }} body
   * @param {(...event: ChatEventArgs) => void} onEvent
   * @param {AbortSignal} [signal]
   */
  chat: (body, onEvent, signal) =>
    requestEvents(
      '/v1/chat',
      { method: 'POST', body, ...(signal ? { signal } : {}) },
      /** @type {(name: string, data: any) => void} */ (onEvent),
    ),
  /**
   * @param {string} planId
   * @param {{ allowNewRecipients?: boolean, allowUnlistedTokens?: boolean }} body
   * @returns {Promise<ExecutionResponse>}
   */
  confirm: (planId, body) => requestJson(`${path.plan(planId)}/confirm`, { method: 'POST', body }),
  /**
   * @param {string} planId
   * @returns {Promise<PlanResponse>}
   */
  cancel: (planId) => requestJson(`${path.plan(planId)}/cancel`, { method: 'POST', body: {} }),
  /**
   * A plan as it stands now (GET /v1/plans/:id): for a plan that continues on another chain, its leg there.
   * @param {string} planId
   * @returns {Promise<PlanResponse>}
   */
  plan: (planId) => requestJson(path.plan(planId)),
  /**
   * The user's standing orders, newest first, each with its runs (GET /v1/orders).
   * @returns {Promise<OrderListResponse>}
   */
  orders: () => requestJson('/v1/orders'),
  /**
   * Grants a proposed order: the owner key signs, the user's address sends the grant (a 423 when the key is locked).
   * @param {string} id
   * @returns {Promise<OrderResponse>}
   */
  confirmOrder: (id) => requestJson(`${path.order(id)}/confirm`, { method: 'POST', body: {} }),
  /**
   * @param {string} id
   * @returns {Promise<OrderResponse>}
   */
  pauseOrder: (id) => requestJson(`${path.order(id)}/pause`, { method: 'POST', body: {} }),
  /**
   * @param {string} id
   * @returns {Promise<OrderResponse>}
   */
  resumeOrder: (id) => requestJson(`${path.order(id)}/resume`, { method: 'POST', body: {} }),
  /**
   * Cancels an order: a granted one is revoked on chain first, from the user's address (a 423 when the key is locked).
   * @param {string} id
   * @returns {Promise<OrderResponse>}
   */
  cancelOrder: (id) => requestJson(`${path.order(id)}/cancel`, { method: 'POST', body: {} }),
  /**
   * @param {string} id
   * @returns {Promise<ExecutionResponse>}
   */
  execution: (id) => requestJson(path.execution(id)),
  /**
   * @param {string} id
   * @param {(...event: ExecutionEventArgs) => void} onEvent
   * @param {AbortSignal} [signal]
   */
  executionEvents: (id, onEvent, signal) =>
    requestEvents(
      `${path.execution(id)}/events`,
      { ...(signal ? { signal } : {}) },
      /** @type {(name: string, data: any) => void} */ (onEvent),
    ),
};
