import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Hex, hexToBigInt, numberToHex, parseSignature, serializeSignature } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { manifestToChain } from '../../devnet/manifest.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { testEnvironment } from '../../smart-accounts/testing/environment.ts';
import { buildSkillCalls } from '../build.ts';
import { BUILTIN_PACKAGES } from '../builtin.ts';
import { SEXTANT_AUDITOR } from '../project-keys.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { executeBuilds, expectWithinBounds, fundedTestUser } from '../testing/devnet.ts';
import { copyOfTipJar, freshRegistry, TEST_AUTHOR, TIP_JAR_DIR } from '../testing/registry.ts';
import { attestationsFor, recordAttestation, SECP256K1_N } from './attestations.ts';
import { loadSkillCatalog, openSkillRegistry } from './catalog.ts';
import { assertImportsContained, codeHashOf, readPackageSource } from './package-source.ts';
import { attestRelease, publishPackage } from './publish-package.ts';
import { getRelease, publishRelease } from './releases.ts';
import { signAttestation, signRelease } from './typed-data.ts';

const manifest = testDevnet();

describe('the skill registry', () => {
  it('ships every signed built-in skill audited by the project auditor, through the ordinary loading rule', async () => {
    const { db, packagesDir } = await freshRegistry();
    const catalog = await loadSkillCatalog(db, { packagesDir });
    // across/bridge is written and awaits the maintainers' signature: refused until then, with what to do.
    const awaiting = ['across/bridge'];
    for (const id of awaiting) {
      expect(catalog.get(id)?.status).toBe('not-published');
      expect(() => catalog.require(id)).toThrow(expect.objectContaining({ reason: 'not-published' }));
      expect(getRelease(db, id)).toBeUndefined();
    }
    const builtinIds = BUILTIN_PACKAGES.flatMap((pkg) => pkg.skills.map((skill) => skill.id)).filter(
      (id) => !awaiting.includes(id),
    );
    expect(builtinIds.length).toBeGreaterThanOrEqual(7);
    for (const id of builtinIds) {
      const entry = catalog.get(id);
      expect(entry?.status, `${id}: ${entry?.detail}`).toBe('audited');
      expect(entry?.auditors).toEqual([SEXTANT_AUDITOR]);
      expect(getRelease(db, id)?.origin).toBe('builtin');
      expect(catalog.require(id).id).toBe(id);
    }
  });

  it('keeps each built-in attestation once across openings, and records one again that went missing', async () => {
    const { db, packagesDir } = await freshRegistry();
    const count = () => (db.prepare('SELECT COUNT(*) AS n FROM skill_attestations').get() as { n: number }).n;
    const kept = count();
    expect(kept).toBeGreaterThanOrEqual(7);
    await openSkillRegistry(db);
    expect(count()).toBe(kept);
    // An opening skips what it already keeps; one removed is recovered from its signature again.
    const [removed] = attestationsFor(db, 'erc20/transfer', '1.0.0');
    expect(removed?.auditor).toBe(SEXTANT_AUDITOR);
    db.prepare('DELETE FROM skill_attestations WHERE signature = ?').run(removed?.signature);
    expect(attestationsFor(db, 'erc20/transfer', '1.0.0')).toEqual([]);
    await openSkillRegistry(db);
    expect(count()).toBe(kept);
    expect(attestationsFor(db, 'erc20/transfer', '1.0.0').map((a) => [a.signature, a.auditor])).toEqual([
      [removed?.signature, SEXTANT_AUDITOR],
    ]);
    expect((await loadSkillCatalog(db, { packagesDir })).get('erc20/transfer')?.status).toBe('audited');
  });

  it('hostile: a built-in signature posted over a failing verdict neither replaces the kept attestation nor counts, before or after a reopening', async () => {
    const { db, packagesDir } = await freshRegistry();
    const [kept] = attestationsFor(db, 'erc20/transfer', '1.0.0');
    if (!kept) throw new Error('erc20/transfer has no built-in attestation');
    // The same signature bytes over other fields recover to some other address; the kept row stands.
    const posted = await recordAttestation(db, {
      skillId: kept.skillId,
      version: kept.version,
      codeHash: kept.codeHash,
      verdict: 'fail',
      reportUri: 'https://attacker.example/report',
      signature: kept.signature,
    });
    expect(posted.auditor).not.toBe(SEXTANT_AUDITOR);
    await openSkillRegistry(db);
    // Kept as what it is, a failing verdict by some other key, beside the auditor's own.
    expect(attestationsFor(db, 'erc20/transfer', '1.0.0').map((a) => [a.verdict, a.auditor])).toEqual([
      ['pass', SEXTANT_AUDITOR],
      ['fail', posted.auditor],
    ]);
    const catalog = await loadSkillCatalog(db, { packagesDir });
    expect(catalog.get('erc20/transfer')?.status).toBe('audited');
    expect(catalog.get('erc20/transfer')?.auditors).toEqual([SEXTANT_AUDITOR]);
  });

  it('hostile: one attestation posted in other encodings of its signature (case, v as 0/1, high s) is kept once, its auditor counted once', async () => {
    const { db, packagesDir } = await freshRegistry();
    const [kept] = attestationsFor(db, 'erc20/transfer', '1.0.0');
    if (!kept) throw new Error('erc20/transfer has no built-in attestation');
    const { r, s, yParity } = parseSignature(kept.signature);
    const highS = numberToHex(SECP256K1_N - hexToBigInt(s), { size: 32 });
    const encodings: Hex[] = [
      kept.signature.toUpperCase().replace('0X', '0x') as Hex,
      `${r}${s.slice(2)}${yParity ? '01' : '00'}` as Hex,
      serializeSignature({ r, s: highS, yParity: 1 - (yParity ?? 0) }),
    ];
    for (const signature of encodings) {
      const posted = await recordAttestation(db, { ...kept, signature });
      expect(posted).toEqual(kept);
    }
    expect(attestationsFor(db, 'erc20/transfer', '1.0.0')).toEqual([kept]);
    const catalog = await loadSkillCatalog(db, { packagesDir });
    expect(catalog.get('erc20/transfer')?.auditors).toEqual([SEXTANT_AUDITOR]);
  });

  it("hostile: a trusted auditor's failing verdict is not kept out by its own signature posted first over other fields", async () => {
    const { db, packagesDir } = await freshRegistry();
    const passing = privateKeyToAccount(generatePrivateKey());
    const failing = privateKeyToAccount(generatePrivateKey());
    await publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir);
    const options = { packagesDir, trustedAuditors: [passing.address, failing.address] };
    await attestRelease(db, passing, { id: 'tip-jar/wrap', verdict: 'pass', reportUri: 'https://audits.example/ok' });
    expect((await loadSkillCatalog(db, options)).get('tip-jar/wrap')?.status).toBe('audited');

    const release = getRelease(db, 'tip-jar/wrap');
    if (!release) throw new Error('tip-jar/wrap was not published');
    const verdict = {
      skillId: release.id,
      version: release.version,
      codeHash: release.codeHash,
      verdict: 'fail' as const,
      reportUri: 'https://audits.example/drains-the-account',
    };
    const signature = await signAttestation(failing, verdict);
    // Whoever sees the signature first posts its bytes over a passing verdict: some other key's row.
    const front = await recordAttestation(db, {
      ...verdict,
      verdict: 'pass',
      reportUri: 'https://x.example',
      signature,
    });
    expect(front.auditor).not.toBe(failing.address);
    // The auditor's own failing verdict is recorded all the same, and it counts.
    await recordAttestation(db, { ...verdict, signature });
    const catalog = await loadSkillCatalog(db, options);
    expect(catalog.get('tip-jar/wrap')?.status).toBe('failed-audit');
    expect(() => catalog.require('tip-jar/wrap')).toThrow(expect.objectContaining({ reason: 'failed-audit' }));
  });

  it('hashes each built-in package over exactly the code it runs: no import reaches outside it but the SDK', () => {
    for (const pkg of BUILTIN_PACKAGES) {
      expect(() => assertImportsContained(pkg.dir, readPackageSource(pkg.dir)), pkg.folder).not.toThrow();
    }
  });

  it('does not count attestations by keys outside the trusted set, built-ins included', async () => {
    const { db, packagesDir } = await freshRegistry();
    const someoneElse = privateKeyToAccount(generatePrivateKey()).address;
    const catalog = await loadSkillCatalog(db, { packagesDir, trustedAuditors: [someoneElse] });
    expect(catalog.get('erc20/transfer')?.status).toBe('unaudited');
    expect(() => catalog.require('erc20/transfer')).toThrow(expect.objectContaining({ reason: 'unaudited' }));
  });

  it('refuses an unaudited skill, counts only a trusted attestation, and then runs it', async () => {
    const { db, packagesDir } = await freshRegistry();
    const auditor = privateKeyToAccount(generatePrivateKey());
    const stranger = privateKeyToAccount(generatePrivateKey());
    const { releases } = await publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir);
    expect(releases.map((r) => r.id).sort()).toEqual(['tip-jar/skim', 'tip-jar/wrap']);
    expect(releases[0]?.codeHash).toBe(codeHashOf(readPackageSource(TIP_JAR_DIR)));

    const options = { packagesDir, trustedAuditors: [SEXTANT_AUDITOR, auditor.address] };
    let catalog = await loadSkillCatalog(db, options);
    expect(catalog.get('tip-jar/wrap')?.status).toBe('unaudited');
    expect(catalog.get('tip-jar/wrap')?.skill).toBeUndefined();
    expect(() => catalog.require('tip-jar/wrap')).toThrow(
      expect.objectContaining({ name: 'SkillRefusedError', reason: 'unaudited' }),
    );

    await attestRelease(db, stranger, { id: 'tip-jar/wrap', verdict: 'pass', reportUri: 'https://audits.example/1' });
    catalog = await loadSkillCatalog(db, options);
    expect(catalog.get('tip-jar/wrap')?.status).toBe('unaudited');
    expect(catalog.get('tip-jar/wrap')?.detail).toMatch(/1 by untrusted auditors not counted/);

    await attestRelease(db, auditor, { id: 'tip-jar/wrap', verdict: 'pass', reportUri: 'https://audits.example/2' });
    catalog = await loadSkillCatalog(db, options);
    expect(catalog.get('tip-jar/wrap')?.status).toBe('audited');
    expect(catalog.get('tip-jar/wrap')?.auditors).toEqual([auditor.address]);

    // The audited package is loaded from the registry's copy and builds calls that run on the devnet.
    const env = testEnvironment(manifest);
    const user = await fundedTestUser(env, manifest);
    const build = await buildSkillCalls(catalog.require('tip-jar/wrap'), { amount: '0.5' }, user.ctx);
    const { record, deltas } = await executeBuilds(env, user, [build]);
    expect(record.status, record.error ?? '').toBe('succeeded');
    expectWithinBounds(deltas, build.bounds);
  });

  it('refuses the whole build when a skill returns a call its manifest does not declare', async () => {
    const { db, packagesDir } = await freshRegistry();
    const auditor = privateKeyToAccount(generatePrivateKey());
    await publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir);
    // Even an audited skill is held to its manifest at every build.
    await attestRelease(db, auditor, { id: 'tip-jar/skim', verdict: 'pass', reportUri: 'https://audits.example/3' });
    const catalog = await loadSkillCatalog(db, { packagesDir, trustedAuditors: [auditor.address] });
    const env = testEnvironment(manifest);
    const user = await fundedTestUser(env, manifest);
    await expect(buildSkillCalls(catalog.require('tip-jar/skim'), { amount: '0.5' }, user.ctx)).rejects.toMatchObject({
      name: 'SkillRefusedError',
      reason: 'undeclared-call',
      message: expect.stringMatching(/call 2 of 2 goes to 0x[0-9a-fA-F]{40}, which it does not declare on devnet/),
    });
  });

  it('refuses a package whose source changed after its audit as tampered, distinct from unaudited', async () => {
    const { db, packagesDir } = await freshRegistry();
    const auditor = privateKeyToAccount(generatePrivateKey());
    await publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir);
    await attestRelease(db, auditor, { id: 'tip-jar/wrap', verdict: 'pass', reportUri: 'https://audits.example/4' });
    const options = { packagesDir, trustedAuditors: [auditor.address] };
    expect((await loadSkillCatalog(db, options)).get('tip-jar/wrap')?.status).toBe('audited');

    // Someone edits the copy the runtime loads from.
    appendFileSync(join(packagesDir, 'tip-jar__wrap@1.0.0', 'index.ts'), '\n// one more line\n');
    const catalog = await loadSkillCatalog(db, options);
    expect(catalog.get('tip-jar/wrap')?.status).toBe('tampered');
    expect(catalog.get('tip-jar/wrap')?.skill).toBeUndefined();
    expect(() => catalog.require('tip-jar/wrap')).toThrow(expect.objectContaining({ reason: 'tampered' }));
    expect(() => catalog.require('tip-jar/wrap')).toThrow(/source has changed since it was published/);
  });

  it('refuses a skill a trusted auditor failed', async () => {
    const { db, packagesDir } = await freshRegistry();
    const auditor = privateKeyToAccount(generatePrivateKey());
    await publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir);
    await attestRelease(db, auditor, { id: 'tip-jar/skim', verdict: 'fail', reportUri: 'https://audits.example/5' });
    const catalog = await loadSkillCatalog(db, { packagesDir, trustedAuditors: [auditor.address] });
    expect(() => catalog.require('tip-jar/skim')).toThrow(expect.objectContaining({ reason: 'failed-audit' }));
  });

  it('keeps a version immutable: the same id@version twice is refused, a new version is a new record', async () => {
    const { db, packagesDir } = await freshRegistry();
    await publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir);
    await expect(publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/tip-jar\/\w+@1.0.0 is already published/),
    });
    // Not even with other code under the same version.
    const edited = copyOfTipJar();
    appendFileSync(join(edited, 'index.ts'), '\n// a fix\n');
    await expect(publishPackage(db, edited, TEST_AUTHOR, packagesDir)).rejects.toMatchObject({ status: 409 });
    expect(() =>
      db.prepare("UPDATE skill_releases SET code_hash = '0x00' WHERE skill_id = 'tip-jar/wrap'").run(),
    ).toThrow(/immutable/);
    // A new version is a new record, beside the old one. (A fresh copy: the edited one is already imported.)
    const bumped = copyOfTipJar();
    const text = readPackageSource(bumped).find((f) => f.path === 'index.ts')?.content ?? '';
    writeFileSync(join(bumped, 'index.ts'), text.replaceAll("version: '1.0.0'", "version: '1.1.0'"));
    await publishPackage(db, bumped, TEST_AUTHOR, packagesDir);
    expect(getRelease(db, 'tip-jar/wrap')?.version).toBe('1.1.0');
    expect(getRelease(db, 'tip-jar/wrap', '1.0.0')?.codeHash).not.toBe(getRelease(db, 'tip-jar/wrap')?.codeHash);
  });

  it('refuses a release signed by anyone but its author, and an id that belongs to another author', async () => {
    const { db } = await freshRegistry();
    const files = readPackageSource(TIP_JAR_DIR);
    const { tipJarWrap } = await import('../testing/fixtures/tip-jar/index.ts');
    const manifestOf = skillManifest(tipJarWrap);
    const impostor = privateKeyToAccount(generatePrivateKey());
    const release = { id: manifestOf.id, version: manifestOf.version, codeHash: codeHashOf(files) };
    await expect(
      publishRelease(db, { manifest: manifestOf, files, signature: await signRelease(impostor, release) }),
    ).rejects.toThrow(/signed by 0x[0-9a-fA-F]+, but its manifest names 0x54D6/);
    // The id belongs to the author of its first release.
    await publishRelease(db, { manifest: manifestOf, files, signature: await signRelease(TEST_AUTHOR, release) });
    const squatter = { ...manifestOf, version: '9.0.0', author: impostor.address };
    await expect(
      publishRelease(db, {
        manifest: squatter,
        files,
        signature: await signRelease(impostor, { ...release, version: '9.0.0' }),
      }),
    ).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/belongs to 0x54D6/) });
  });

  it('refuses an attestation over other code than the release, and a package importing beyond its hash', async () => {
    const { db, packagesDir } = await freshRegistry();
    const auditor = privateKeyToAccount(generatePrivateKey());
    await publishPackage(db, TIP_JAR_DIR, TEST_AUTHOR, packagesDir);
    const attestation = {
      skillId: 'tip-jar/wrap',
      version: '1.0.0',
      codeHash: `0x${'ab'.repeat(32)}` as const,
      verdict: 'pass' as const,
      reportUri: 'https://audits.example/6',
    };
    await expect(
      recordAttestation(db, { ...attestation, signature: await signAttestation(auditor, attestation) }),
    ).rejects.toThrow(/was published with 0x/);

    const sneaky = copyOfTipJar();
    writeFileSync(
      join(sneaky, 'helper.ts'),
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    );
    await expect(publishPackage(db, sneaky, TEST_AUTHOR, packagesDir)).rejects.toThrow(/helper\.ts imports node:fs/);
  });
});

describe('skill manifests', () => {
  it('carry the input as JSON Schema with the descriptions the LLM sees, and the declared selectors', () => {
    const transfer = BUILTIN_PACKAGES.flatMap((p) => p.skills).find((s) => s.id === 'erc20/transfer');
    if (!transfer) throw new Error('erc20/transfer is missing');
    const json = skillManifest(transfer);
    expect(json.input).toMatchObject({
      type: 'object',
      required: ['token', 'amount', 'recipient'],
      properties: { amount: { type: 'string', description: expect.stringMatching(/human units/) } },
    });
    expect(json.contracts['*']).toEqual([{ contract: 'token-list', functions: ['transfer(address,uint256)'] }]);
    expect(json.author).toMatch(/^0x/);
    expect(manifestToChain(manifest).slug).toBe('devnet');
  });
});
