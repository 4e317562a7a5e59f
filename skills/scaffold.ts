import type { Address } from 'viem';
import type { SourceFile } from './registry/package-source.ts';

/**
 * The files `sextant skills new` writes: a package that passes the package rule and publishes as it
 * is, so an author starts from something that works and changes it step by step (try after each).
 *
 * The example stakes WETH in the devnet's deposit pool (an ERC-4626 vault): an action no built-in
 * skill serves, so "stake 0.5 WETH" reaches it without naming a protocol, and it shows every part a
 * skill has (an input, declared contracts, a read on chain, an exact approval, bounds).
 */
export function scaffoldFiles(options: { id: string; author: Address }): SourceFile[] {
  const [protocol = ''] = options.id.split('/');
  return [
    { path: 'index.ts', content: indexTs(options.id, protocol, options.author) },
    { path: 'index.test.mjs', content: testMjs(options.id) },
    { path: 'README.md', content: readme(options.id) },
  ];
}

function indexTs(id: string, protocol: string, author: Address): string {
  return `// A Sextant skill package: index.ts exports its skills. It may import its own files, zod, viem and
// sextant/skills/sdk, nothing else (the code hash covers exactly the code that runs).
import { defineSkill, HumanAmount, SkillError, TokenName, toBaseUnits } from 'sextant/skills/sdk';
import { encodeFunctionData, parseAbi } from 'viem';
import { z } from 'zod';

const POOL_ABI = parseAbi([
  'function deposit(uint256 assets, address receiver) returns (uint256 shares)',
  'function previewDeposit(uint256 assets) view returns (uint256 shares)',
]);

export const stake = defineSkill({
  id: '${id}', // protocol/action, lower case
  version: '1.0.0', // a published version never changes: bump it for every change you publish
  title: 'Stake WETH in the deposit pool',
  description: 'Deposits WETH into the deposit pool (an ERC-4626 vault) and receives its shares.',
  protocol: '${protocol}',
  author: '${author}', // the key that signs your releases; paid from the code bucket when the skill is used
  actions: ['stake'], // the canonical intent actions it serves (common/intent-actions.ts)
  chains: ['devnet'],
  input: z.object({ token: TokenName, amount: HumanAmount }),
  // Everything build() may call, checked on every build: one undeclared call refuses the whole plan.
  contracts: { devnet: [{ contract: 'emissions.depositPool', functions: ['deposit(uint256,address)'] }] },
  async build(input, ctx) {
    const weth = await ctx.token('WETH');
    const token = await ctx.token(input.token);
    if (token.address.toLowerCase() !== weth.address.toLowerCase()) {
      throw new SkillError(\`The deposit pool takes WETH only, not \${token.symbol}.\`);
    }
    const amount = toBaseUnits(input.amount, weth);
    const pool = ctx.contract('emissions.depositPool');
    const shares = await ctx.client.readContract({
      address: pool,
      abi: POOL_ABI,
      functionName: 'previewDeposit',
      args: [amount],
    });
    return {
      calls: [
        {
          to: pool,
          value: 0n,
          data: encodeFunctionData({ abi: POOL_ABI, functionName: 'deposit', args: [amount, ctx.account] }),
        },
      ],
      // What the account gives at most and receives at least: simulation holds the real deltas to these.
      bounds: { gives: [{ token: weth.address, amount }], receives: [{ token: pool, amount: shares }] },
      // The planner inserts this approval before the calls, exact, through erc20/approve.
      approvals: [{ token: weth.address, spender: pool, amount }],
      summary: \`Stake \${input.amount} WETH in the deposit pool\`,
    };
  },
});
`;
}

function testMjs(id: string): string {
  return `// Runs the skill on the devnet: plans and simulates a request with this package, unpublished, through
// \`sextant skills try\`, and checks the simulated preview. Not part of the package (tests are not
// hashed or published). Needs the devnet running (\`sextant devnet\`) and a funded account
// (\`sextant faucet\`). Run it with: node --test
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

test('${id} stakes 0.5 WETH: the preview gives 0.5 WETH and receives the pool shares', () => {
  const out = execFileSync('sextant', ['skills', 'try', here, 'stake 0.5 WETH', '--json', '--llm', 'embedded'], {
    encoding: 'utf8',
  });
  const result = JSON.parse(out);
  assert.equal(result.kind, 'plan', result.text);
  assert.equal(result.executed, false);
  assert.ok(
    result.plan.steps.some((step) => step.skillId === '${id}'),
    'the plan uses this package',
  );
  const weth = result.plan.preview.changes.find((change) => change.symbol === 'WETH');
  assert.equal(weth?.amount, '-0.5');
});
`;
}

function readme(id: string): string {
  return `# ${id}

A Sextant skill package. \`index.ts\` exports the skill; \`index.test.mjs\` tries it on the devnet.

\`\`\`sh
sextant skills try . "stake 0.5 WETH"        # plan and simulate it, unpublished, on the devnet
node --test                                  # the same, as a test
sextant skills publish . --key author.key    # sign and publish it; then an auditor attests it
\`\`\`

The package may import its own files, \`zod\`, \`viem\` and \`sextant/skills/sdk\`, nothing else. The
whole path, from a new key to the agent using the skill: Sextant's \`docs/skills.md\`.
`;
}
