import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Hex, LocalAccount, PublicClient } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import { SextantError } from '../../common/errors.ts';
import { assertPortFree } from '../../common/ports.ts';
import { buildSkillCalls } from '../build.ts';
import type { SkillCatalog } from '../registry/catalog.ts';
import { createSkillContext } from '../sdk/context.ts';
import type { Skill, SkillBuild } from '../sdk/define-skill.ts';
import { SkillError } from '../sdk/errors.ts';
import { skillManifest } from '../sdk/manifest.ts';
import { servesChain } from '../sdk/serves-chain.ts';
import {
  BUILD_PATH,
  BuildRequestSchema,
  type EndpointAttestation,
  firstIssue,
  manifestBody,
  manifestHash,
  WELL_KNOWN_PATH,
} from './document.ts';
import { signEndpointManifest } from './typed-data.ts';

export type LocalEndpointOptions = {
  /** The local catalog: the skills served must be ones the loading rule lets run here. */
  catalog: SkillCatalog;
  skillIds: readonly string[];
  /** Signs the document; its address is the document's author. */
  author: LocalAccount;
  /** Auditors' attestations over the document's manifest hash and build version, served as given. */
  attestations?: readonly EndpointAttestation[];
  /** The build version to declare; by default the served skills' ids, versions and code hash. */
  buildVersion?: string;
  chain: Chain;
  client: PublicClient;
};

/** A local endpoint: its document (served as is), its manifest hash, and the hono app. */
export type LocalEndpoint = { document: Record<string, unknown>; manifestHash: Hex; buildVersion: string; app: Hono };

/**
 * A local skill served as a protocol's agent endpoint (`sextant endpoint serve`): the manifest document
 * signed by `author`, and POST /build running the skill's build through the same path the runtime
 * uses (input checked, declared calls only). It builds; it never signs or sends anything.
 */
export async function localEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const { catalog, chain, client } = options;
  if (options.skillIds.length === 0) throw new SextantError('Which skill? Give --skill ID (repeat it for more).');
  const skills: Skill[] = options.skillIds.map((id) => {
    if (catalog.get(id)?.origin === 'remote')
      throw new SextantError(`${id} is a remote skill; an endpoint serves local ones.`);
    return catalog.require(id);
  });
  const codeHashes = [...new Set(options.skillIds.map((id) => catalog.get(id)?.codeHash ?? '0x'))];
  for (const skill of skills) {
    if (skill.kind !== 'action')
      throw new SextantError(`${skill.id} is read-only; an endpoint serves skills that build calls.`);
    if (skill.protocol !== skills[0]?.protocol) {
      throw new SextantError(
        `${skill.id} is ${skill.protocol}'s, not ${skills[0]?.protocol}'s: an endpoint serves one protocol.`,
      );
    }
    if (!servesChain(skill.chains, chain.slug)) throw new SextantError(`${skill.id} does not support ${chain.name}.`);
  }
  const protocol = skills[0]?.protocol as string;
  let buildVersion =
    options.buildVersion ?? `${skills.map((s) => `${s.id}@${s.version}`).join(' ')} code ${codeHashes.join(' ')}`;
  if (buildVersion.length > 200) buildVersion = `code ${codeHashes.join(' ')}`.slice(0, 200);
  // What is hashed is what a client will parse: the JSON round trip, not the objects as built.
  const body = JSON.parse(JSON.stringify(manifestBody(protocol, buildVersion, skills.map(skillManifest))));
  const hash = manifestHash(body);
  const document = {
    ...body,
    author: options.author.address,
    signature: await signEndpointManifest(options.author, { protocol, buildVersion, manifestHash: hash }),
    attestations: [...(options.attestations ?? [])],
  };

  const app = new Hono();
  app.get(WELL_KNOWN_PATH, (c) => c.json(document));
  app.post(
    BUILD_PATH,
    bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.json({ error: 'The body is over 64 KiB.' }, 413) }),
    async (c) => {
      const parsed = BuildRequestSchema.safeParse(await c.req.json().catch(() => undefined));
      if (!parsed.success) return c.json({ error: firstIssue(parsed.error) }, 400);
      const request = parsed.data;
      const skill = skills.find((s) => s.id === request.skill);
      if (!skill) return c.json({ error: `This endpoint does not serve ${request.skill}.` }, 404);
      if (request.chainId !== chain.chainId) {
        return c.json(
          { error: `This endpoint builds for chain ${chain.chainId} (${chain.name}), not ${request.chainId}.` },
          400,
        );
      }
      try {
        const build = await buildSkillCalls(
          skill,
          request.input,
          createSkillContext({ chain, client, account: request.account }),
        );
        return c.json(buildJson(build));
      } catch (error) {
        if (error instanceof SkillError) return c.json({ error: error.message, hint: error.hint }, 422);
        throw error;
      }
    },
  );
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  app.onError((error, c) => {
    console.error(error);
    return c.json({ error: 'internal error' }, 500);
  });
  return { document, manifestHash: hash, buildVersion, app };
}

/** A build as the format carries it: amounts as decimal strings. */
export function buildJson(build: SkillBuild) {
  const amounts = (list: readonly { token: string; amount: bigint }[]) =>
    list.map((a) => ({ token: a.token, amount: a.amount.toString() }));
  return {
    calls: build.calls.map((call) => ({ to: call.to, value: call.value.toString(), data: call.data })),
    bounds: { gives: amounts(build.bounds.gives), receives: amounts(build.bounds.receives) },
    approvals: build.approvals.map((a) => ({ token: a.token, spender: a.spender, amount: a.amount.toString() })),
    summary: build.summary,
  };
}

/** Listens on host:port (0: any free port); resolves once listening, with its URL and a close function. */
export async function listenEndpoint(
  app: Hono,
  host: string,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  if (port !== 0) await assertPortFree(host, port, 'the agent endpoint', '--port');
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise((done) => {
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}
