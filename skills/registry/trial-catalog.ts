import type { Hex } from 'viem';
import type { Db } from '../../common/database.ts';
import type { IntentAction } from '../../common/intent-actions.ts';
import type { Skill } from '../sdk/define-skill.ts';
import { SkillRefusedError } from '../sdk/errors.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { type CatalogEntry, type CatalogOptions, SkillCatalog } from './catalog.ts';
import { SkillRegistryError } from './errors.ts';
import { getRelease } from './releases.ts';

/** An unpublished package being tried (`sextant skills try`): where it is, its code hash, its skills. */
export type TrialPackage = { dir: string; codeHash: Hex; skills: readonly Skill[] };

/**
 * The catalog as it would be once the package is published and audited, for one `skills try` run:
 * its skills are offered to the planner before any other that serves the same action (and replace a
 * published skill of the same id), so the plan and the simulated preview are the ones the published
 * skill would give. They are never allowed to run: `verify`, which a confirmation calls before any
 * call is sent, refuses them, and the trial exists only in the process that tries the package.
 */
export class TrialCatalog extends SkillCatalog {
  readonly #trial: readonly CatalogEntry[];

  constructor(db: Db, options: CatalogOptions, trial: TrialPackage) {
    super(db, options);
    this.#trial = trial.skills.map((skill) => ({
      manifest: skillManifest(skill),
      origin: 'published',
      // What the planner gives an audited skill: the point of a try is the plan it would get.
      status: 'audited',
      detail: `${skill.id}@${skill.version} is on trial from ${trial.dir}: planned and simulated only, never executed.`,
      codeHash: trial.codeHash,
      attestations: [],
      auditors: [],
      skill,
    }));
  }

  #tried(id: string): CatalogEntry | undefined {
    return this.#trial.find((entry) => entry.manifest.id === id);
  }

  #others(entries: readonly CatalogEntry[]): CatalogEntry[] {
    return entries.filter((entry) => !this.#tried(entry.manifest.id));
  }

  override get entries(): readonly CatalogEntry[] {
    return [...this.#trial, ...this.#others(super.entries)];
  }

  override get(id: string): CatalogEntry | undefined {
    return this.#tried(id) ?? super.get(id);
  }

  override require(id: string): Skill {
    return this.#tried(id)?.skill ?? super.require(id);
  }

  override forAction(action: IntentAction, protocol?: string): CatalogEntry[] {
    const tried = this.#trial.filter(
      (entry) =>
        entry.manifest.actions.includes(action) && (protocol === undefined || entry.manifest.protocol === protocol),
    );
    return [...tried, ...this.#others(super.forAction(action, protocol))];
  }

  /**
   * Refuses a tried skill whose id and version this runtime already has (built in, published or
   * served by an endpoint). A plan records its skills by id and version only, and a confirmation
   * (`plans confirm`, HTTP, MCP: the real catalog, not this one) checks that pair: a trial plan that
   * outlived its try (a crash or Ctrl-C before it is cancelled, or a server on the same DATA_DIR
   * confirming it first) would pass as the audited skill and run the calls the unaudited code built.
   */
  assertNoneHeld(db: Db): void {
    for (const entry of this.#trial) {
      const { id, version } = entry.manifest;
      if (super.get(id)?.manifest.version === version || getRelease(db, id, version)) {
        throw new SkillRegistryError(
          `${id}@${version} is already a skill of this runtime; a try may not stand in for it.`,
          {
            hint: 'A published version never changes: give the package a new version (in its defineSkill) to try the change.',
            status: 409,
          },
        );
      }
    }
  }

  override async verify(skillId: string, version: string): Promise<CatalogEntry> {
    if (this.#tried(skillId)) {
      throw new SkillRefusedError(
        skillId,
        'not-published',
        `${skillId}@${version} is on trial (sextant skills try): it is planned and simulated, never executed.`,
        { hint: 'Publish it (`sextant skills publish`) and have it attested; then the agent may run it.' },
      );
    }
    return super.verify(skillId, version);
  }
}

/** A trial catalog read from the registry now: every skill it has, with the tried package's in front. */
export async function loadTrialCatalog(db: Db, options: CatalogOptions, trial: TrialPackage): Promise<TrialCatalog> {
  const catalog = new TrialCatalog(db, options, trial);
  await catalog.refresh();
  catalog.assertNoneHeld(db);
  return catalog;
}
