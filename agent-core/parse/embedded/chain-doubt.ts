import type { Intent } from '../../intents/schema.ts';

/**
 * Chains the words point at but the reading did not name: "to bob on devnet - l2", "on devnet/l2",
 * "on l2", "on sextant l2", "on devnet two", "on the second devnet", "from devnet-l2 to bob on
 * devnet". Read as they stand, each pays on the chain the session runs on (devnet, or none named)
 * while the user pointed elsewhere. So the message is asked about, never read past.
 *
 * "l2" (or "layer 2") counts as read when a chain the reading names is one: "arbitrum l2", "base l2",
 * "devnet l2" (devnet-l2). It is in doubt when the reading names only a chain that is none (the
 * devnet, Ethereum and its testnets) or no chain at all.
 */
// Not inside a name: "l2.eth", "bob.l2".
const LAYER_TWO = /(?:^|[^a-z0-9.])(?:l2|layer[\s-]?2|layer[\s-]?two)(?![a-z0-9]|\.[a-z])/iu;
const ANOTHER_DEVNET =
  /\bdevnet[\s\-_/.]*(?:2|two|ii|b)\b|\b(?:second|2nd|other|another)\s+(?:sextant\s+)?devnet\b|\bdevnet[\s\-_/.]*(?:l|layer)[\s\-_/.]*2\b/iu;
const NOT_LAYER_TWO = new Set(['devnet', 'ethereum', 'sepolia', 'holesky']);

/** The chain the session runs on, in words: after a bridge, it points away from where the funds go. */
const HERE = /\b(?:here|this chain|(?:the\s+)?home chain|back home|at home)\b/iu;
/**
 * "there" as a place ("supply it to aave there"), not as in "is there", "there is", "hi there":
 * without a chain named in the message, nothing says which chain it is.
 */
const THERE =
  /(?<!\b(?:is|are|was|were|be|been|get|got|out|hi|hello|hey|hiya|thanks|thank you)[\s,]+)\bthere\b(?!\s*(?:is|are|was|were|'s|’s|be|been)\b)/iu;

export function chainDoubt(text: string, intents: readonly Intent[]): string | undefined {
  if (intents.length === 0) return undefined;
  // A step after a bridge: "bridge 100 USDC from here to devnet-l2" has none, and "here" is its origin.
  const at = intents.findIndex((intent) => intent.action === 'bridge' && intent.toChain);
  const bridge = at >= 0 && at < intents.length - 1 ? intents[at] : undefined;
  if (bridge && HERE.test(text)) {
    // "bridge 20 USDC to devnet-l2 and send 5 USDC to bob here": "here" would be read past, and the
    // step would follow the bridge to where the funds arrive.
    return `Where should the steps after the bridge happen: on ${bridge.toChain}, where the bridged funds arrive, or on the chain you are on now? Ask again with the chain named: "… there" for ${bridge.toChain}, or "… on devnet".`;
  }
  const anyChain = intents.some((intent) => intent.chain || intent.toChain);
  // "send 5 USDC there" with no payee: "there" is the address an earlier turn named, not a chain.
  const thereIsAParty = intents.some(
    (intent) => (intent.action === 'transfer' && !intent.recipient) || (intent.action === 'approve' && !intent.spender),
  );
  if (!anyChain && !thereIsAParty && THERE.test(text)) {
    // "supply 50 USDC to aave there", after a bridge in an earlier message: nothing in this one says where.
    return 'Which chain do you mean by "there"? Ask again with the chain named ("… on devnet-l2"); `sextant chains` lists them.';
  }
  const named = intents.flatMap((intent) => [intent.chain, intent.toChain]).filter((c): c is string => Boolean(c));
  const aLayerTwo = named.some((slug) => !NOT_LAYER_TWO.has(slug));
  const devnetL2 = named.includes('devnet-l2');
  if ((LAYER_TWO.test(text) && !aLayerTwo) || (ANOTHER_DEVNET.test(text) && !devnetL2)) {
    return 'Your message points at another chain than the one I read. Which chain do you mean? The devnet\'s second chain is "devnet-l2"; `sextant chains` lists them all.';
  }
  return undefined;
}
