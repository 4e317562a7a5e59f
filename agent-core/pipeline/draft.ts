import type { PublicClient } from 'viem';
import { type Network, publicClientFor } from '../../common/network.ts';
import { lookupAddress } from '../address-book.ts';
import { questionFor, type RequiredField } from '../intents/requirements.ts';
import { buildPlan } from '../plan/build-plan.ts';
import type { PlanDraft } from '../plan/types.ts';
import type { OpenTurn } from './turn.ts';
import type { AgentDeps, Answer, MessageRequest } from './types.ts';
import type { Understood } from './understand.ts';

/** One read client per other network for the process, not one per step or per read. */
const otherClients = new WeakMap<Network, PublicClient>();

const FIELDS: readonly RequiredField[] = ['token', 'tokenIn', 'tokenOut', 'amount', 'recipient', 'spender'];

/** A plan with steps to simulate: what the planner drafted when it did not answer or ask. */
export type Drafted = Extract<PlanDraft, { kind: 'plan' }>;

/**
 * Stage 3, the draft: the intents to audited skills' steps, resolved against the chain and the
 * address book (plan/build-plan.ts). A question for a missing part (the parser's own wording first,
 * when it asked one and the missing part is not the action), a read-only answer, or a refusal goes
 * no further.
 */
export async function draftPlan(
  deps: AgentDeps,
  request: MessageRequest,
  turn: OpenTurn,
  understood: Understood,
): Promise<Drafted | { stop: Answer }> {
  const draft = await buildPlan(understood.intents, {
    chain: deps.env.chain,
    client: deps.env.publicClient,
    account: request.account,
    catalog: deps.catalog,
    lookupAddress: (label) => lookupAddress(deps.db, request.userId, label),
    otherChains: (deps.env.otherNetworks ?? []).map((network) => network.chain),
    clientOn: (chain) => {
      const network = deps.env.otherNetworks?.find((other) => other.chain.chainId === chain.chainId);
      if (!network) return undefined;
      const known = otherClients.get(network);
      if (known) return known;
      const client = publicClientFor(network);
      otherClients.set(network, client);
      return client;
    },
    ...(deps.rewards ? { rewards: deps.rewards } : {}),
  });
  switch (draft.kind) {
    case 'plan':
      return draft;
    case 'clarify': {
      const { parse } = understood;
      // The parser's wording, unless it asked about another part than the one the answer will fill
      // ("swap": it asks what to receive, the planner keeps the sold side pending; "DAI" must not be
      // read as the answer to a question that was not asked).
      const asked = draft.intents[draft.intentIndex];
      const otherPart =
        asked !== undefined &&
        FIELDS.some((field) => field !== draft.field && questionFor(asked, field) === parse.clarify);
      // A question about the whole message (nothing read to plan: "which chain do you mean by
      // 'there'?", "you said not to send…") is the parser's, whatever part the planner would ask for.
      const wholeMessage = draft.intents.length === 0 && parse.clarify !== undefined;
      const question =
        !turn.pending && parse.clarify && (wholeMessage || (draft.field !== 'action' && !otherPart))
          ? parse.clarify
          : draft.question;
      const pending = { intents: draft.intents, field: draft.field, intentIndex: draft.intentIndex, message: question };
      return { stop: { kind: 'clarify', text: question, pending } };
    }
    case 'unsupported':
      return { stop: { kind: 'unsupported', text: draft.reason } };
    case 'answer':
      return {
        stop: { kind: 'answer', text: draft.readings.map((r) => r.summary).join('\n'), readings: draft.readings },
      };
  }
}
