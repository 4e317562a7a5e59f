import { Hono } from 'hono';
import type { Address, Hex } from 'viem';
import { z } from 'zod';
import type { Db } from '../common/database.ts';
import { validate } from '../common/http-edge.ts';
import { AttestationRequestSchema, recordAttestation } from './registry/attestations.ts';
import { type CatalogEntry, loadSkillCatalog, type SkillCatalog } from './registry/catalog.ts';
import { listVersions, publishRelease } from './registry/releases.ts';
import type {
  AttestationResponse,
  PublishResponse,
  SkillDetailResponse,
  SkillListResponse,
  SkillView,
} from './registry/views.ts';

export type SkillRoutesDependencies = {
  db: Db;
  packagesDir: string;
  trustedAuditors: readonly Address[] | undefined;
  /**
   * The catalog the planner uses (app/runtime.ts), so the list shows what a plan would be allowed to
   * use, at the moment it is asked. Without one, the routes load their own, once.
   */
  catalog?: SkillCatalog;
};

export const PublishBodySchema = z.object({
  manifest: z.record(z.string(), z.unknown()),
  files: z
    .array(z.object({ path: z.string().min(1).max(200), content: z.string().max(512 * 1024) }))
    .min(1)
    .max(64),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/, 'a 0x signature'),
});

export const AttestBodySchema = AttestationRequestSchema.omit({ skillId: true });

/** A skill as the API lists it: its manifest, and whether it may run and why. */
function describeEntry(entry: CatalogEntry): SkillView {
  return {
    ...entry.manifest,
    origin: entry.origin,
    ...(entry.endpoint ? { endpoint: entry.endpoint } : {}),
    status: entry.status,
    detail: entry.detail,
    codeHash: entry.codeHash,
    auditors: entry.auditors,
  };
}

/**
 * The registry over HTTP: GET /v1/skills, GET /v1/skills/:id, POST /v1/skills (publish) and
 * POST /v1/skills/:id/attestations. An id has a slash ("uniswap-v3/swap"): it is given as two path
 * segments (/v1/skills/uniswap-v3/swap) or encoded as one (/v1/skills/uniswap-v3%2Fswap).
 */
export function skillRoutes(deps: SkillRoutesDependencies): Hono {
  const app = new Hono();
  let shared: Promise<SkillCatalog> | undefined = deps.catalog ? Promise.resolve(deps.catalog) : undefined;
  const sharedCatalog = () => {
    shared ??= loadSkillCatalog(deps.db, {
      packagesDir: deps.packagesDir,
      ...(deps.trustedAuditors ? { trustedAuditors: deps.trustedAuditors } : {}),
    }).catch((error) => {
      shared = undefined; // tried again on the next request
      throw error;
    });
    return shared;
  };
  // Anything recorded since the last read (by the CLI, another process) is read first; the files on
  // disk are hashed again by every read of the catalog itself, so a tampered package shows at once.
  const catalog = async () => {
    const loaded = await sharedCatalog();
    await loaded.refreshIfChanged();
    return loaded;
  };
  /** After a publish or an attestation: the planner sees it from its next plan on. */
  const refreshCatalog = async () => (await sharedCatalog()).refresh();

  app.get('/v1/skills', async (c) => {
    const answer: SkillListResponse = { skills: (await catalog()).entries.map(describeEntry) };
    return c.json(answer);
  });

  const showSkill = async (id: string): Promise<SkillDetailResponse | undefined> => {
    const entry = (await catalog()).get(id);
    if (!entry) return undefined;
    return {
      ...describeEntry(entry),
      attestations: entry.attestations,
      versions: listVersions(deps.db, id).map((release) => ({ version: release.version, codeHash: release.codeHash })),
    };
  };
  const attest = async (id: string, body: z.output<typeof AttestBodySchema>): Promise<AttestationResponse> => {
    const record = await recordAttestation(deps.db, { ...body, skillId: id });
    await refreshCatalog();
    return { attestation: record };
  };

  app.get('/v1/skills/:protocol/:action', async (c) => {
    const id = `${c.req.param('protocol')}/${c.req.param('action')}`;
    const skill = await showSkill(id);
    return skill ? c.json(skill) : c.json({ error: `There is no skill ${id}.` }, 404);
  });
  app.get('/v1/skills/:id', async (c) => {
    const id = c.req.param('id');
    const skill = await showSkill(id);
    return skill ? c.json(skill) : c.json({ error: `There is no skill ${id}.` }, 404);
  });

  // The body limits (a package's is the largest) are the app's: app/server.ts BODY_LIMITS.
  app.post('/v1/skills', validate('json', PublishBodySchema), async (c) => {
    const body = c.req.valid('json');
    const release = await publishRelease(deps.db, { ...body, signature: body.signature as Hex });
    await refreshCatalog();
    const answer: PublishResponse = { release };
    return c.json(answer, 201);
  });

  const attestBody = validate('json', AttestBodySchema);
  app.post('/v1/skills/:protocol/:action/attestations', attestBody, async (c) =>
    c.json(await attest(`${c.req.param('protocol')}/${c.req.param('action')}`, c.req.valid('json')), 201),
  );
  app.post('/v1/skills/:id/attestations', attestBody, async (c) =>
    c.json(await attest(c.req.param('id'), c.req.valid('json')), 201),
  );

  return app;
}
