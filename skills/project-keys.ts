import type { Address } from 'viem';

/**
 * The Sextant project's own identities. The built-in skills name SEXTANT_AUTHOR as their author and
 * ship attestations signed by SEXTANT_AUDITOR, which is the default trusted auditor set
 * (SKILL_AUDITORS). Their private keys are held by the maintainers, never in this repository.
 */
export const SEXTANT_AUTHOR: Address = '0x3579dB751EeC61136a34DA0009A06624f72F01b2';
export const SEXTANT_AUDITOR: Address = '0x0FBE88D9404A60c621595a7DC7Aa19C9Fc37847B';

/** Where the built-in skills run: the devnet and every network in the chain registry. */
export const ALL_CHAINS = ['devnet', 'ethereum', 'base', 'base-sepolia', 'optimism', 'arbitrum'];
