import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/server.ts';
import { testAccess } from '../app/testing/access.ts';
import { manifestToChain } from '../devnet/manifest.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { buildSkillCalls } from '../skills/build.ts';
import { SEXTANT_AUDITOR } from '../skills/project-keys.ts';
import { loadSkillCatalog } from '../skills/registry/catalog.ts';
import { contentAddressedDir } from '../skills/registry/load-package.ts';
import { codeHashOf, readPackageSource } from '../skills/registry/package-source.ts';
import { attestRelease } from '../skills/registry/publish-package.ts';
import { publishRelease } from '../skills/registry/releases.ts';
import { signRelease } from '../skills/registry/typed-data.ts';
import { skillManifest } from '../skills/sdk/manifest.ts';
import { executeBuilds, fundedTestUser } from '../skills/testing/devnet.ts';
import { freshRegistry, TEST_AUTHOR, TIP_JAR_DIR } from '../skills/testing/registry.ts';
import { testEnvironment } from '../smart-accounts/testing/environment.ts';
import type { Intent } from './intents/schema.ts';
import { buildPlan, type PlannerContext } from './plan/build-plan.ts';

const manifest = testDevnet();
const signedIn = testAccess();
const WRAP = { action: 'wrap', protocol: 'tip-jar', amount: '0.5' } as Intent;
/** Set by the edited code below, if it ever runs. */
const RAN = '__sextantEditedSkillRan';
const EDITED_CODE = `(globalThis as Record<string, unknown>).${RAN} = true;\n`;

/**
 * A registry with tip-jar/wrap published (only that skill of the fixture package, so it alone serves
 * "wrap on tip-jar") and passed by an auditor the catalog trusts, beside the built-ins.
 */
async function registryWithTipJar() {
  const registry = await freshRegistry();
  const auditor = privateKeyToAccount(generatePrivateKey());
  const files = readPackageSource(TIP_JAR_DIR);
  const { tipJarWrap } = await import('../skills/testing/fixtures/tip-jar/index.ts');
  const codeHash = codeHashOf(files);
  await publishRelease(registry.db, {
    manifest: skillManifest(tipJarWrap),
    files,
    signature: await signRelease(TEST_AUTHOR, { id: 'tip-jar/wrap', version: '1.0.0', codeHash }),
  });
  await attestRelease(registry.db, auditor, {
    id: 'tip-jar/wrap',
    verdict: 'pass',
    reportUri: 'https://audits.example/t',
  });
  const trustedAuditors = [SEXTANT_AUDITOR, auditor.address];
  const workingCopy = join(registry.packagesDir, 'tip-jar__wrap@1.0.0', 'index.ts');
  return { ...registry, trustedAuditors, codeHash, workingCopy };
}

function explain(draft: Awaited<ReturnType<typeof buildPlan>>): string {
  return draft.kind === 'unsupported' ? draft.reason : draft.kind === 'clarify' ? draft.question : draft.kind;
}

function serverOver(registry: Awaited<ReturnType<typeof registryWithTipJar>>, catalog: unknown) {
  const app = createApp({
    access: signedIn.access,
    chain: { slug: 'devnet', name: 'Sextant devnet', chainId: 31337 },
    rpcUrl: 'http://127.0.0.1:1',
    bundlerUrl: undefined,
    llm: async () => ({ provider: 'embedded', model: 'embedded', reachable: false, host: '' }),
    skills: {
      db: registry.db,
      packagesDir: registry.packagesDir,
      trustedAuditors: registry.trustedAuditors,
      catalog: catalog as never,
    },
  });
  return async (id: string) => {
    const response = await app.fetch(
      new Request('http://127.0.0.1/v1/skills', { headers: { host: '127.0.0.1', ...signedIn.headers } }),
    );
    const { skills } = (await response.json()) as { skills: { id: string; status: string; detail: string }[] };
    return skills.find((skill) => skill.id === id);
  };
}

describe('a package changed on disk while the server runs', () => {
  it('is refused by the next plan and listed as tampered at once; restoring its files restores it', async () => {
    const registry = await registryWithTipJar();
    // One catalog, as app/runtime.ts shares it between the planner and /v1/skills.
    const catalog = await loadSkillCatalog(registry.db, {
      packagesDir: registry.packagesDir,
      trustedAuditors: registry.trustedAuditors,
    });
    const listed = serverOver(registry, catalog);
    const env = testEnvironment(manifest);
    const user = await fundedTestUser(env, manifest);
    const planner: PlannerContext = {
      chain: manifestToChain(manifest),
      client: env.publicClient,
      account: user.account,
      catalog,
      lookupAddress: () => undefined,
    };

    const before = await buildPlan([WRAP], planner);
    expect(before.kind, explain(before)).toBe('plan');
    if (before.kind !== 'plan') return;
    expect(before.steps[0]).toMatchObject({ skillId: 'tip-jar/wrap', skillVersion: '1.0.0' });
    expect((await listed('tip-jar/wrap'))?.status).toBe('audited');

    // One byte of the copy on disk changes: no reload, no restart.
    const original = readFileSync(registry.workingCopy, 'utf8');
    const oneByte = original.replace('Wrap ETH (tip jar)', 'Wrap ETH (tip jaR)');
    expect(oneByte.length).toBe(original.length);
    writeFileSync(registry.workingCopy, oneByte);

    const refused = await buildPlan([WRAP], planner);
    expect(refused.kind).toBe('unsupported');
    if (refused.kind !== 'unsupported') return;
    expect(refused.reason).toMatch(
      /^tip-jar\/wrap may not run \(tampered\): .*source has changed since it was published/,
    );
    expect(refused.reason).toMatch(
      /Restore its files as they were published .* or publish the change as a new version/,
    );
    expect(await listed('tip-jar/wrap')).toMatchObject({
      status: 'tampered',
      detail: expect.stringMatching(/hash to/),
    });
    // The plan built before the change is refused at confirm, through the same check.
    await expect(catalog.verify('tip-jar/wrap', '1.0.0')).rejects.toMatchObject({
      name: 'SkillRefusedError',
      reason: 'tampered',
    });
    expect(() => catalog.require('tip-jar/wrap')).toThrow(expect.objectContaining({ reason: 'tampered' }));

    writeFileSync(registry.workingCopy, original);
    const after = await buildPlan([WRAP], planner);
    expect(after.kind, explain(after)).toBe('plan');
    expect((await listed('tip-jar/wrap'))?.status).toBe('audited');
    const verified = await catalog.verify('tip-jar/wrap', '1.0.0');
    // What runs after the restore is the very code imported before the change, and it still works.
    expect(verified.skill).toBe(catalog.require('tip-jar/wrap'));
    const build = await buildSkillCalls(catalog.require('tip-jar/wrap'), { amount: '0.5' }, user.ctx);
    const { record } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
  });

  it('never runs changed code: not the edited copy, not a planted copy at the import path, not a cached one', async () => {
    delete (globalThis as Record<string, unknown>)[RAN];
    const registry = await registryWithTipJar();
    const options = { packagesDir: registry.packagesDir, trustedAuditors: registry.trustedAuditors };
    // Someone writes their own code where the runtime imports from, before it ever loads the package.
    const importDir = contentAddressedDir(registry.packagesDir, registry.codeHash);
    mkdirSync(importDir, { recursive: true });
    const honest = readFileSync(join(TIP_JAR_DIR, 'index.ts'), 'utf8');
    writeFileSync(join(importDir, 'index.ts'), EDITED_CODE + honest.replaceAll('Wrap ', 'Stolen '));

    const catalog = await loadSkillCatalog(registry.db, options);
    const env = testEnvironment(manifest);
    const user = await fundedTestUser(env, manifest);
    const wrap = catalog.require('tip-jar/wrap');
    expect((await buildSkillCalls(wrap, { amount: '0.5' }, user.ctx)).summary).toBe('Wrap 0.5 ETH');
    expect(globalThis).not.toHaveProperty(RAN);
    // The planted copy was moved aside, not loaded, and the import path holds exactly the attested source.
    expect(readdirSync(join(registry.packagesDir, 'by-hash')).some((name) => name.includes('.changed-'))).toBe(true);
    expect(codeHashOf(readPackageSource(importDir))).toBe(registry.codeHash);

    // The same code edited at the path it was imported from: Node would hand back its cached module
    // for that URL, and the catalog never imports a URL twice, so a reload changes nothing either.
    writeFileSync(join(importDir, 'index.ts'), EDITED_CODE + honest);
    await catalog.refresh();
    const reloaded = await loadSkillCatalog(registry.db, options);
    expect(reloaded.require('tip-jar/wrap')).toBe(wrap);
    writeFileSync(join(importDir, 'index.ts'), honest);

    // The working copy edited with code that would run on import: refused, never imported, on a
    // refresh (as after a publish) and on a new catalog alike; restored, the attested code runs again.
    writeFileSync(registry.workingCopy, EDITED_CODE + honest);
    await catalog.refresh();
    expect(catalog.get('tip-jar/wrap')?.status).toBe('tampered');
    expect((await loadSkillCatalog(registry.db, options)).get('tip-jar/wrap')?.status).toBe('tampered');
    expect(globalThis).not.toHaveProperty(RAN);
    writeFileSync(registry.workingCopy, honest);
    expect(catalog.require('tip-jar/wrap')).toBe(wrap);
    expect(globalThis).not.toHaveProperty(RAN);
  });

  it('refuses to import a copy holding any file its hash does not cover', async () => {
    const registry = await registryWithTipJar();
    const importDir = contentAddressedDir(registry.packagesDir, registry.codeHash);
    mkdirSync(importDir, { recursive: true });
    writeFileSync(join(importDir, 'index.ts'), readFileSync(join(TIP_JAR_DIR, 'index.ts'), 'utf8'));
    // Exact source, plus a file outside what is hashed (a dotfile): the copy is not used as it is.
    writeFileSync(join(importDir, '.extra.ts'), EDITED_CODE);
    const catalog = await loadSkillCatalog(registry.db, {
      packagesDir: registry.packagesDir,
      trustedAuditors: registry.trustedAuditors,
    });
    expect(catalog.get('tip-jar/wrap')?.status).toBe('audited');
    expect(existsSync(join(importDir, '.extra.ts'))).toBe(false);
  });

  it('verifies the version a plan was built with, after a newer one is published', async () => {
    const registry = await registryWithTipJar();
    const catalog = await loadSkillCatalog(registry.db, {
      packagesDir: registry.packagesDir,
      trustedAuditors: registry.trustedAuditors,
    });
    const { tipJarWrap } = await import('../skills/testing/fixtures/tip-jar/index.ts');
    const files = readPackageSource(TIP_JAR_DIR).map((file) => ({
      ...file,
      content: file.content.replaceAll("version: '1.0.0'", "version: '1.1.0'"),
    }));
    const codeHash = codeHashOf(files);
    await publishRelease(registry.db, {
      manifest: { ...skillManifest(tipJarWrap), version: '1.1.0' },
      files,
      signature: await signRelease(TEST_AUTHOR, { id: 'tip-jar/wrap', version: '1.1.0', codeHash }),
    });
    await catalog.refresh();
    expect(catalog.get('tip-jar/wrap')).toMatchObject({ manifest: { version: '1.1.0' }, status: 'unaudited' });
    // A plan built with 1.0.0 is judged by 1.0.0: still attested, still unchanged on disk.
    expect((await catalog.verify('tip-jar/wrap', '1.0.0')).status).toBe('audited');
    await expect(catalog.verify('tip-jar/wrap', '1.1.0')).rejects.toMatchObject({ reason: 'unaudited' });
    writeFileSync(registry.workingCopy, `${readFileSync(registry.workingCopy, 'utf8')}\n`);
    await expect(catalog.verify('tip-jar/wrap', '1.0.0')).rejects.toMatchObject({ reason: 'tampered' });
    await expect(catalog.verify('tip-jar/wrap', '0.9.0')).rejects.toMatchObject({ reason: 'not-published' });
  });
});
