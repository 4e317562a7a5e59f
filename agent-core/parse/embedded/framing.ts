/**
 * Framing: the words around a request that ask for help, manners or care rather than for an action
 * ("Can you guide me through swapping 50 LINK for DAI? Please provide the necessary steps.", "I want
 * to ensure a smooth transfer of …", "using the bridge feature, …", "double check then send …",
 * "please confirm before executing"). Read as requests, their verbs become intents ("provide" a
 * supply, "check" a balance) and their words parties ("ensure" a recipient). They are taken out
 * before the message is read; only words go, never a number, token, address or name the request
 * needs, so what the parser reports still comes from the user's own words.
 */

/** Each frame, with words one of which it must contain (a cheap test before the pattern runs). */
const FRAMES: readonly [cues: readonly string[], pattern: RegExp][] = [
  // "Please provide the necessary steps.", "give me detailed instructions for this"
  [
    ['steps', 'instructions', 'details', 'information', 'info', 'guidance', 'process', 'walkthrough', 'guide'],
    /\b(?:please\s+)?(?:provide|give|show|list|share|outline|tell)\s+(?:me\s+|us\s+)?(?:with\s+)?(?:the\s+|all\s+the\s+)?(?:necessary|required|needed|exact|detailed|clear|relevant|step[- ]by[- ]step\s+)?\s*(?:steps|instructions|details|information|info|guidance|process|walkthrough|guide)\b(?:\s+(?:for|on|about|of)\s+(?:this|that|it|doing\s+(?:this|that|so)|the\s+(?:process|transaction|operation)))?/giu,
  ],
  // "Can you guide me through", "walk me through", "help me with", "assist me in"
  [
    ['guide', 'walk', 'take', 'help', 'assist', 'support'],
    /\b(?:(?:can|could|would|will)\s+you\s+(?:please\s+|kindly\s+)?)?(?:guide|walk|take|help|assist|support)\s+me\s+(?:through|with|in|on)\b/giu,
  ],
  [
    ['help', 'assist'],
    /\b(?:can|could|would|will)\s+you\s+(?:please\s+|kindly\s+)?(?:help|assist)\s+me\s+(?:to\s+)?(?=\w)/giu,
  ],
  // "show me how to", "tell me how I can", "explain how to", "how do I", "how can I", "what are the steps to"
  [['how'], /\b(?:show|tell|teach|explain\s+to)\s+me\s+how\s+(?:to|i\s+can|i\s+could|do\s+i)\b/giu],
  [['how'], /\bexplain\s+how\s+(?:to|i\s+can|do\s+i)\b/giu],
  [['steps', 'process', 'way'], /\bwhat\s+(?:are|is)\s+the\s+(?:steps|process|way)\s+(?:to|for)\b/giu],
  [['how'], /\bhow\s+(?:do|can|could|would|should|might)\s+i\s+(?:go\s+about\s+)?(?=\w)/giu],
  // "I'm new to crypto, …", "I am a beginner here."
  [
    ["i'm", 'i am'],
    /\bi(?:'m|\s+am)\s+(?:new|a\s+beginner|a\s+newbie|not\s+(?:very\s+)?experienced)\b(?:\s+here\b|\s+(?:to|at|in|with)\s+(?:crypto(?:currency)?|defi|web3|blockchain|trading|this(?:\s+(?:app|platform|stuff))?|it|all\s+this|the\s+(?:app|platform|space|crypto\s+space)))?(?:\s+here\b)?[,.;!?]?/giu,
  ],
  // "I want to ensure a smooth transfer of …", "make sure the swap of …"
  [
    ['ensure', 'make sure'],
    /\b(?:ensure|make\s+sure)\s+(?:that\s+)?(?:there\s+is\s+)?(?:a|an|the|my)\s+(?:(?:smooth|safe|secure|successful|quick|proper|seamless|correct|timely)\s+)+(?=\w)/giu,
  ],
  // "ensure you confirm first", "please confirm before executing", "double check it", "double check then"
  [
    ['ensure', 'make sure'],
    /\b(?:ensure|make\s+sure)\s+(?:that\s+)?you\s+(?:confirm|double[- ]?check|check|verify)(?:\s+(?:with\s+me|it|this|that))?(?:\s+(?:first|beforehand))?\b/giu,
  ],
  [
    ['confirm', 'check', 'verify'],
    /\b(?:please\s+)?(?:confirm|double[- ]?check|verify)\s+(?:with\s+me\s+)?(?:it\s+)?(?:first\s+)?(?:before|prior\s+to)\s+(?:executing|execution|proceeding|you\s+(?:execute|proceed|do\s+it|send\s+it))(?:\s+(?:it|this|that|the\s+transaction))?\b/giu,
  ],
  [['double'], /\bdouble[- ]?che?c?k(?:\s+(?:it|this|that))?(?:\s+(?:first|then|and))?\b/giu],
  // "using the bridge feature", "with the swap function", "via your transfer tool"
  [
    ['feature', 'function', 'option', 'tool', 'service', 'capability'],
    /\b(?:by\s+)?(?:using|use|with|via|through)\s+(?:the|your)\s+(?:built[- ]in\s+)?(?:bridge|bridging|swap|swapping|transfer|send|staking|lending|exchange)\s+(?:feature|function|functionality|option|tool|service|capability)\b/giu,
  ],
  // "Kindly provide the total supply of SHIB", "give me the price of ETH": asking for a figure.
  [
    ['provide', 'give', 'tell', 'show', 'share', 'fetch', 'get'],
    /\b(?:provide|give|tell|show|share|fetch|get)\s+(?:me\s+)?(?:with\s+)?(?=(?:the\s+|my\s+)?(?:current\s+|latest\s+)?(?:total\s+supply|circulating\s+supply|price|balance)\b)/giu,
  ],
  // "with gas price 50 gwei", "max fee 30 gwei": a setting of the transaction, not its amount.
  [
    ['gas', 'fee'],
    /\b(?:with\s+|at\s+|using\s+)?(?:a\s+)?(?:gas\s+(?:price|limit|fee)|max(?:imum)?\s+(?:priority\s+)?fee|priority\s+fee)\s+(?:of\s+)?\d+(?:\.\d+)?\s*(?:gwei|wei)\b/giu,
  ],
  // "for invoice #2023-007", "order no. 55": a reference, not an amount.
  [
    ['invoice', 'order', 'ref', 'ticket', 'receipt'],
    /\b(?:for\s+)?(?:invoice|order|ref|reference|ticket|receipt)\s*(?:#|no\.|number|num\.)\s*[\w-]*\d[\w-]*/giu,
  ],
];

/** Every frame's cue at once: most messages have none, and are left as they are at once. */
const ANY_CUE = new RegExp(
  [...new Set(FRAMES.flatMap(([cues]) => cues))].map((cue) => cue.replace(/'/g, "['’‘]")).join('|'),
  'i',
);

/** The message without its framing (see above); unchanged when it has none. */
export function withoutFraming(text: string): string {
  if (!ANY_CUE.test(text)) return text;
  const lower = text.toLowerCase().replace(/[’‘]/g, "'");
  let result = text;
  for (const [cues, pattern] of FRAMES) {
    if (cues.some((cue) => lower.includes(cue))) result = result.replace(pattern, ' ');
  }
  return result;
}
