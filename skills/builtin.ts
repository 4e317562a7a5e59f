import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hex } from 'viem';
import * as aaveV3 from './aave-v3/index.ts';
import * as across from './across/index.ts';
import * as erc20 from './erc20/index.ts';
import * as native from './native/index.ts';
import type { Skill } from './sdk/define-skill.ts';
import type { FromIntent } from './sdk/intent-input.ts';
import * as uniswapV3 from './uniswap-v3/index.ts';
import * as weth from './weth/index.ts';

const SKILLS_DIR = dirname(fileURLToPath(import.meta.url));

/** A built-in package: a protocol folder whose source the code hash covers, and the skills it exports. */
export type BuiltinPackage = { folder: string; dir: string; skills: Skill[] };

/**
 * How a built-in signed before skills declared `fromIntent` takes an intent, where its fields' names
 * alone do not say it: erc20/approve 1.0.0 takes its allowance in base units. Kept here, beside the
 * signatures, because editing the signed folder would void them; its next signed version declares
 * this in its own defineSkill, and the entry goes.
 */
const SIGNED_BEFORE_FROM_INTENT: Record<string, FromIntent> = {
  'erc20/approve@1.0.0': (intent) => ({
    token: intent.token,
    spender: intent.spender,
    amount: intent.amountInBaseUnits,
  }),
};

function withFromIntent(skill: Skill): Skill {
  const fromIntent = SIGNED_BEFORE_FROM_INTENT[`${skill.id}@${skill.version}`];
  return fromIntent && !skill.fromIntent ? { ...skill, fromIntent } : skill;
}

function builtin(folder: string, exports: Record<string, Skill>): BuiltinPackage {
  return { folder, dir: join(SKILLS_DIR, folder), skills: Object.values(exports).map(withFromIntent) };
}

/** The skills that ship with Sextant, one package per protocol folder. */
export const BUILTIN_PACKAGES: readonly BuiltinPackage[] = [
  builtin('native', native),
  builtin('erc20', erc20),
  builtin('weth', weth),
  builtin('uniswap-v3', uniswapV3),
  builtin('aave-v3', aaveV3),
  builtin('across', across),
];

/**
 * The shipped signatures of the built-in skills (skills/builtin-releases.json): each release signed
 * by SEXTANT_AUTHOR and attested by SEXTANT_AUDITOR, over the code hash of its folder. They go through
 * the same checks as anyone's: edit a built-in skill and it is refused as tampered until a new version
 * is signed (`npm run skills:sign-builtins`, with the maintainers' keys).
 */
export type BuiltinSignatures = {
  releases: { id: string; version: string; codeHash: Hex; signature: Hex }[];
  attestations: {
    skillId: string;
    version: string;
    codeHash: Hex;
    verdict: 'pass';
    reportUri: string;
    signature: Hex;
  }[];
};

export const BUILTIN_SIGNATURES_PATH = join(SKILLS_DIR, 'builtin-releases.json');

export function readBuiltinSignatures(): BuiltinSignatures {
  try {
    return JSON.parse(readFileSync(BUILTIN_SIGNATURES_PATH, 'utf8')) as BuiltinSignatures;
  } catch {
    return { releases: [], attestations: [] };
  }
}

/**
 * The ids of the skills Sextant ships. No published or remote skill may take one (the catalog skips
 * them), so a step with one of these ids runs Sextant's own code.
 */
export const BUILTIN_SKILL_IDS: ReadonlySet<string> = new Set(
  BUILTIN_PACKAGES.flatMap((pkg) => pkg.skills.map((skill) => skill.id)),
);
