import { type Address, isAddressEqual } from 'viem';
import type { Db } from '../../common/database.ts';
import { listAddresses } from '../address-book.ts';
import type { Preview } from '../plan/preview.ts';
import { pastRecipients } from '../plan/store.ts';
import type { PlanStep } from '../plan/types.ts';
import { checkPolicy, policyFacts } from '../policy/check-policy.ts';
import { getPolicy, type Policy } from '../policy/policy.ts';
import { spentToday } from '../policy/spent-today.ts';
import type { ValueLedger } from '../policy/value-flow.ts';

/** The policy's word on a simulated plan. */
export type Judgement = {
  /** Payees and spenders the user must confirm explicitly. */
  newRecipients: Address[];
  /** Why the plan is not offered (its simulation failed, or the policy refuses it); undefined if it is. */
  refusal: string | undefined;
};

/**
 * Stage 6, the policy: the simulated plan's ledger, its steps and the day's spend so far held to the
 * user's policy, and the third parties it pays or lets spend that need an explicit yes.
 */
export function judge(db: Db, userId: string, steps: PlanStep[], preview: Preview): Judgement {
  const policy = getPolicy(db, userId);
  const newRecipients = recipientsToConfirm(db, userId, policy, preview.ledger);
  // A third party paid (or let spend) on the other chain of a plan that continues there always needs
  // an explicit yes: an address paid before on one chain may be a contract nobody controls on the other.
  for (const address of preview.destination?.preview.ledger.recipients ?? []) {
    if (!newRecipients.some((known) => isAddressEqual(known, address))) newRecipients.push(address);
  }
  if (!preview.ok) return { newRecipients, refusal: preview.problem };
  const verdict = checkPolicy(policy, policyFacts(steps, preview.ledger, spentToday(db, userId)));
  return { newRecipients, refusal: verdict.ok ? undefined : `${verdict.message} (policy: ${verdict.rule})` };
}

/**
 * The third parties a plan pays or lets spend that need the user's explicit yes: payees never paid
 * before (when the policy asks for that), and always a spender that is not a skill's declared
 * contract and was never confirmed before: an allowance is a standing right to take the funds.
 */
export function recipientsToConfirm(db: Db, userId: string, policy: Policy, ledger: ValueLedger): Address[] {
  const past = pastRecipients(db, userId);
  const contacts = new Set(listAddresses(db, userId).map((entry) => entry.address.toLowerCase()));
  const spenders = new Set(ledger.flows.filter((f) => f.kind === 'allowance' && f.to).map((f) => f.to?.toLowerCase()));
  return ledger.recipients.filter((address) => {
    const key = address.toLowerCase();
    // A spender gets a standing right to the funds: only an earlier confirmation of it counts, not
    // a contact entry, and whatever the policy's setting for payees.
    // Nor a payment to the same address: paying bob is not letting bob take.
    if (spenders.has(key)) return !past.spenders.has(key);
    return policy.confirmNewRecipients && !past.payees.has(key) && !contacts.has(key);
  });
}
