import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Abi, type Address, getAddress, type Hex, parseAbi } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { SOLC_VERSION } from '../../common/contracts/build.ts';
import { minedReceipt } from '../../common/mined-receipt.ts';
import { fundFromFaucet } from '../../devnet/faucet.ts';
import type { DevnetManifest } from '../../devnet/manifest.ts';
import { devnetClients, fundedAccount } from '../../devnet/testing/clients.ts';
import { SEXTANT_AUDITOR } from '../../skills/project-keys.ts';
import { loadSkillCatalog } from '../../skills/registry/catalog.ts';
import { attestRelease, publishPackage } from '../../skills/registry/publish-package.ts';
import { freshRegistry, TEST_AUTHOR } from '../../skills/testing/registry.ts';
import type { AgentDeps } from '../agent.ts';
import { testAgent } from './agent.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The two-faced fixture contracts (agent-core/testing/fixtures), each in a file of its own name. */
type TwoFacedContract =
  | 'TwoFacedSwap'
  | 'TwoFacedSweeper'
  | 'TwoFacedVault'
  | 'TwoFacedLiar'
  | 'TwoFacedBorrower'
  | 'TwoFacedRepayer'
  /** Not two-faced: a router with the arbitrary-`from` flaw, whose standing allowance a sweeper spends. */
  | 'LeakyPuller'
  /** A token that robs, once mined, whoever it is aimed at: an intermediate hop of a swap route. */
  | 'HopToken'
  /** Code a payee's address delegates to (EIP-7702) after the preview: paid ETH, it pulls through a LeakyPuller. */
  | 'PullOnReceive'
  /** Not two-faced: an honest desk that keeps deposits and lets an operator the owner names take them. */
  | 'OperatorDesk';
const FIXTURES = join(here, '..', '..', 'skills', 'testing', 'fixtures');
/** The address the fixture package holds until a test writes the deployed one over it. */
const PLACEHOLDER = '0x000000000000000000000000000000000000dEaD';

/** What compileTwoFacedSwap has compiled in this process, by contract. */
const compiled = new Map<TwoFacedContract, { abi: Abi; bytecode: Hex }>();

/**
 * A two-faced fixture contract (TwoFacedSwap by default) compiled here, as common/contracts/build.ts compiles Sextant's own contracts (the same
 * pinned solc, optimizer and EVM version), so the test runs the source it shows. About a second, once
 * per contract and process.
 */
export function compileTwoFacedSwap(name: TwoFacedContract = 'TwoFacedSwap'): { abi: Abi; bytecode: Hex } {
  // Compiled once per process: a test file deploys several, and files in one worker share modules.
  const known = compiled.get(name);
  if (known) return known;
  const solc = createRequire(import.meta.url)('solc') as { version(): string; compile(input: string): string };
  if (!solc.version().startsWith(`${SOLC_VERSION}+`))
    throw new Error(`solc ${solc.version()} is installed; the fixtures are built with ${SOLC_VERSION}. Run npm ci.`);
  const input = {
    language: 'Solidity',
    sources: { [`${name}.sol`]: { content: readFileSync(join(here, 'fixtures', `${name}.sol`), 'utf8') } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      metadata: { bytecodeHash: 'none' },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  const contract = output.contracts?.[`${name}.sol`]?.[name];
  if (errors.length > 0 || !contract)
    throw new Error(`solc failed on ${name}.sol:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const built = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` as Hex };
  compiled.set(name, built);
  return built;
}

/** A fresh TwoFacedSwap (or `name`) on the devnet, its inventory the faucet's amounts of every listed token. */
export async function deployTwoFacedSwap(
  manifest: DevnetManifest,
  name: TwoFacedContract = 'TwoFacedSwap',
): Promise<Address> {
  const { abi, bytecode } = compileTwoFacedSwap(name);
  const { walletClient, account } = await fundedAccount(manifest);
  const { publicClient } = devnetClients(manifest);
  const hash = await walletClient.deployContract({ abi, bytecode, account, chain: walletClient.chain });
  const address = (await minedReceipt(publicClient, hash)).contractAddress;
  if (!address) throw new Error(`${name} was not deployed.`);
  await fundFromFaucet(publicClient, manifest.rpcUrl, manifest.tokens, address);
  return getAddress(address);
}

/**
 * An agent whose catalog holds, beside the built-ins, the two-faced package's matcha/swap calling
 * `swap` at `address`: that copy of the package published by the test author and passed by an auditor
 * the catalog trusts, so the planner takes it for "… on matcha" like any audited third-party skill.
 */
export async function agentWithTwoFacedSkill(
  manifest: DevnetManifest,
  address: Address,
  /** The fixture package under skills/testing/fixtures, and the id of its one skill. */
  fixture: {
    dir:
      | 'two-faced'
      | 'guard-resnapshot'
      | 'guard-via-account'
      | 'credit-via-delegation-manager'
      | 'hop-route'
      | 'two-faced-vault'
      | 'two-faced-borrower'
      | 'two-faced-repay'
      | 'operator-desk';
    id: string;
  } = {
    dir: 'two-faced',
    id: 'matcha/swap',
  },
  /**
   * `replace`: further placeholders of the package and the addresses written over them; `base`: the
   * agent (database, users) to give the catalog to, instead of a new one.
   */
  options: { replace?: Record<Address, Address>; base?: AgentDeps } = {},
): Promise<AgentDeps> {
  const copy = join(mkdtempSync(join(tmpdir(), 'sextant-two-faced-')), fixture.dir);
  cpSync(join(FIXTURES, fixture.dir), copy, { recursive: true });
  const index = join(copy, 'index.ts');
  const source = readFileSync(index, 'utf8');
  if (!source.includes(`'${PLACEHOLDER}'`)) throw new Error(`The two-faced fixture no longer holds ${PLACEHOLDER}.`);
  let replaced = source.replace(`'${PLACEHOLDER}'`, `'${address}'`);
  for (const [placeholder, value] of Object.entries(options.replace ?? {})) {
    if (!replaced.includes(`'${placeholder}'`)) throw new Error(`The ${fixture.dir} fixture holds no ${placeholder}.`);
    replaced = replaced.replace(`'${placeholder}'`, `'${value}'`);
  }
  writeFileSync(index, replaced);

  const registry = await freshRegistry();
  await publishPackage(registry.db, copy, TEST_AUTHOR, registry.packagesDir);
  const auditor = privateKeyToAccount(generatePrivateKey());
  await attestRelease(registry.db, auditor, {
    id: fixture.id,
    verdict: 'pass',
    reportUri: 'https://audits.example/two-faced',
  });
  const catalog = await loadSkillCatalog(registry.db, {
    packagesDir: registry.packagesDir,
    trustedAuditors: [SEXTANT_AUDITOR, auditor.address],
  });
  return { ...(options.base ?? (await testAgent(manifest))), catalog };
}

/**
 * A TwoFacedSweeper aimed through a fresh LeakyPuller at `token`: once mined, the sweeper has the
 * puller move as much of `token` as the victim once allowed the puller (the hostile cases' old
 * allowance to a router with the arbitrary-`from` flaw).
 */
export async function sweeperThroughPuller(
  manifest: DevnetManifest,
  token: Address,
): Promise<{ sweeper: Address; puller: Address }> {
  const [sweeper, puller] = await Promise.all([
    deployTwoFacedSwap(manifest, 'TwoFacedSweeper'),
    deployTwoFacedSwap(manifest, 'LeakyPuller'),
  ]);
  const { walletClient, account } = await fundedAccount(manifest);
  const { publicClient } = devnetClients(manifest);
  await minedReceipt(
    publicClient,
    await walletClient.writeContract({
      address: sweeper,
      abi: parseAbi(['function aimThrough(address token, address puller)']),
      functionName: 'aimThrough',
      args: [token, puller],
      account,
      chain: walletClient.chain,
    }),
  );
  return { sweeper, puller };
}
