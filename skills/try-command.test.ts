import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../common/ports.ts';
import { writeManifest } from '../devnet/manifest.ts';
import { sextantInProcess } from '../devnet/testing/in-process.ts';
import { runSextant } from '../devnet/testing/processes.ts';
import { testDevnet } from '../devnet/testing/test-devnet.ts';
import { loadSkillCatalog } from './registry/catalog.ts';
import { readPackageForRelease } from './registry/publish-package.ts';
import { listLatestReleases } from './registry/releases.ts';
import { loadTrialCatalog } from './registry/trial-catalog.ts';
import type { Skill } from './sdk/define-skill.ts';
import { copyOfTipJar, freshRegistry } from './testing/registry.ts';

const manifest = testDevnet();

/** Through the real binary: a try that reads a package. */
async function sextantBinary(args: string[], env: NodeJS.ProcessEnv) {
  const run = runSextant(args, { RPC_URL: '', BUNDLER_URL: '', CHAIN: '', ...env });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The refusals before any package is read, in process (devnet/testing/in-process.ts). */
const sextant = (args: string[], env: NodeJS.ProcessEnv) =>
  sextantInProcess(args, { RPC_URL: '', BUNDLER_URL: '', CHAIN: '', ...env });

describe('sextant skills try', () => {
  it("offers the tried package's skills first to the planner and refuses them at confirm; nothing is stored", async () => {
    const { db, packagesDir } = await freshRegistry();
    const dir = copyOfTipJar();
    const { codeHash, skills } = await readPackageForRelease(dir, packagesDir);
    const wrap = skills.filter((skill) => skill.id === 'tip-jar/wrap');
    const trial = await loadTrialCatalog(db, { packagesDir }, { dir, codeHash, skills: wrap });

    // Ahead of the built-in weth/wrap, as the planner picks the first audited skill for an action.
    expect(trial.forAction('wrap').map((entry) => entry.manifest.id)).toEqual(['tip-jar/wrap', 'weth/wrap']);
    expect(trial.require('tip-jar/wrap')).toBe(wrap[0]);
    expect(trial.get('tip-jar/wrap')?.detail).toContain('on trial');
    // What confirm calls before sending anything.
    await expect(trial.verify('tip-jar/wrap', '1.0.0')).rejects.toMatchObject({
      reason: 'not-published',
      message: expect.stringContaining('never executed'),
    });
    // The rest of the catalog is as it was.
    await expect(trial.verify('weth/wrap', trial.get('weth/wrap')?.manifest.version ?? '')).resolves.toBeDefined();
    expect(listLatestReleases(db).some((release) => release.id.startsWith('tip-jar/'))).toBe(false);
    expect((await loadSkillCatalog(db, { packagesDir })).get('tip-jar/wrap')).toBeUndefined();
  });

  it("refuses to try a skill under an id and version the runtime already has: a trial plan left proposed would pass the real catalog's check at confirm", async () => {
    const { db, packagesDir } = await freshRegistry();
    const dir = copyOfTipJar();
    const { codeHash, skills } = await readPackageForRelease(dir, packagesDir);
    const real = await loadSkillCatalog(db, { packagesDir });
    const builtin = real.get('weth/wrap')?.manifest.version ?? '';
    // Unaudited code under the id and version of an audited skill: a plan built with it that outlives
    // the try (a crash or Ctrl-C before it is cancelled, or a server on the same DATA_DIR confirming it
    // first) is confirmed by `plans confirm`, HTTP or MCP against the real catalog, by id and version.
    const wrap = skills.find((skill) => skill.id === 'tip-jar/wrap') as Skill;
    const impostor = { ...wrap, id: 'weth/wrap', version: builtin };
    await expect(real.verify('weth/wrap', builtin)).resolves.toBeDefined();
    await expect(loadTrialCatalog(db, { packagesDir }, { dir, codeHash, skills: [impostor] })).rejects.toThrow(
      `weth/wrap@${builtin} is already a skill of this runtime; a try may not stand in for it.`,
    );
    // Another version of it may be tried: confirm finds no such version and refuses it.
    const next = { ...impostor, version: '99.0.0' };
    const trial = await loadTrialCatalog(db, { packagesDir }, { dir, codeHash, skills: [next] });
    expect(trial.require('weth/wrap')).toBe(next);
    await expect(real.verify('weth/wrap', '99.0.0')).rejects.toMatchObject({ reason: 'not-published' });
  });

  it('says what to do when the devnet is not running, or the chain is not the devnet', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-try-'));
    const env = { DATA_DIR: dataDir, SEXTANT_PASSPHRASE: 'a passphrase for tests' };
    const noManifest = await sextant(['skills', 'try', copyOfTipJar(), 'wrap 1 ETH'], env);
    expect(noManifest.code).toBe(1);
    expect(noManifest.stderr).toContain('Start the devnet with this DATA_DIR (`sextant devnet`');

    // A manifest left by a devnet that has stopped: nothing listens on its ports.
    const gone = `http://127.0.0.1:${await findFreePort()}`;
    writeManifest(dataDir, { ...manifest, rpcUrl: gone, bundlerUrl: gone });
    const stopped = await sextant(['skills', 'try', copyOfTipJar(), 'wrap 1 ETH'], env);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/The devnet is not running: its chain does not answer \(.*connection refused/);
    expect(stopped.stderr).toContain('Start it in another terminal with `sextant devnet`');

    const elsewhere = await sextant(['skills', 'try', copyOfTipJar(), 'wrap 1 ETH'], { ...env, CHAIN: 'base' });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('runs on the devnet, not on CHAIN=base');
  });

  it('holds the package to the package rule, as publish does', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sextant-try-'));
    writeManifest(dataDir, manifest);
    const sneaky = copyOfTipJar();
    writeFileSync(
      join(sneaky, 'helper.ts'),
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    );
    const run = await sextantBinary(['skills', 'try', sneaky, 'wrap 1 ETH'], {
      DATA_DIR: dataDir,
      SEXTANT_PASSPHRASE: 'a passphrase for tests',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/imports code its hash would not cover: helper\.ts imports node:fs/);
  });
});
