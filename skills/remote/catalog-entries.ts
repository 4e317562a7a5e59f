import type { Address } from 'viem';
import type { Db } from '../../common/database.ts';
import type { CatalogEntry } from '../registry/catalog-entry.ts';
import type { SkillManifest } from '../sdk/manifest.ts';
import { displayText } from './document.ts';
import {
  DEFAULT_BUILD_TIMEOUT_MS,
  type EndpointRecord,
  endpointSuspicion,
  listEndpoints,
  markEndpointSuspect,
} from './endpoints.ts';
import { remoteSkill } from './remote-skill.ts';
import { judgeRemoteSkills, type RemoteSkillJudgement, verifyEndpointDocument } from './verify.ts';

export type RemoteCatalogOptions = {
  trustedAuditors: readonly Address[];
  /** Ids the local skills (built-in and published) already have: an endpoint cannot take them over. */
  takenIds: ReadonlySet<string>;
  /** How long each build may take (15 s when not given). */
  buildTimeoutMs?: number;
};

/** An endpoint as `sextant endpoints list` shows it: its record, and each skill judged, or the problem. */
export type EndpointView = {
  record: EndpointRecord;
  /** Why its stored document no longer verifies (it should not happen: the database was edited). */
  problem: string | undefined;
  skills: RemoteSkillJudgement[];
};

/** Titles and descriptions are third-party text: shown cut and cleaned, and never put in a prompt. */
export function displayManifest(manifest: SkillManifest): SkillManifest {
  return { ...manifest, title: displayText(manifest.title, 80), description: displayText(manifest.description, 300) };
}

/** Every stored endpoint with its document re-verified and its skills judged against today's trusted auditors. */
export async function describeEndpoints(db: Db, options: RemoteCatalogOptions): Promise<EndpointView[]> {
  const taken = new Set(options.takenIds);
  const views: EndpointView[] = [];
  for (const record of listEndpoints(db)) {
    try {
      const verified = await verifyEndpointDocument(record.url, record.raw);
      const skills = judgeRemoteSkills(verified, { trustedAuditors: options.trustedAuditors, takenIds: taken }).map(
        (judgement) => ({ ...judgement, manifest: displayManifest(judgement.manifest) }),
      );
      for (const skill of skills) if (!skill.skipped) taken.add(skill.manifest.id);
      views.push({ record, problem: undefined, skills });
    } catch (error) {
      views.push({ record, problem: (error as Error).message, skills: [] });
    }
  }
  return views;
}

/**
 * The catalog's entries for remote skills, judged like local ones (origin 'remote', the manifest hash
 * as their code hash). An audited one carries a Skill whose build asks its endpoint; a suspect
 * endpoint's skills are listed as 'suspect' and do not run.
 */
export async function remoteCatalogEntries(db: Db, options: RemoteCatalogOptions): Promise<CatalogEntry[]> {
  const entries: CatalogEntry[] = [];
  for (const view of await describeEndpoints(db, options)) {
    const { url } = view.record;
    for (const judgement of view.skills) {
      if (judgement.skipped) continue;
      const { manifest, attestations } = judgement;
      const base = {
        manifest,
        origin: 'remote' as const,
        endpoint: url,
        codeHash: view.record.manifestHash,
        attestations,
      };
      if (view.record.suspect) {
        entries.push({
          ...base,
          status: 'suspect',
          detail: `${manifest.id}@${manifest.version}'s endpoint ${url} is marked suspect: ${view.record.suspect.reason}`,
          auditors: [],
          skill: undefined,
        });
        continue;
      }
      const runnable = judgement.status === 'audited';
      entries.push({
        ...base,
        status: judgement.status,
        detail: judgement.detail,
        auditors: judgement.auditors,
        skill: runnable
          ? remoteSkill({
              endpoint: url,
              manifest,
              timeoutMs: options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS,
              suspicion: () => endpointSuspicion(db, url)?.reason,
              markSuspect: (reason) => markEndpointSuspect(db, url, reason),
            })
          : undefined,
      });
    }
  }
  return entries;
}
