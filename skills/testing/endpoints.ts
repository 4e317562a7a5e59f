import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { type Address, keccak256, type LocalAccount, type PublicClient, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Chain } from '../../common/chains/types.ts';
import type { Db } from '../../common/database.ts';
import { SEXTANT_AUDITOR } from '../project-keys.ts';
import { loadSkillCatalog, type SkillCatalog } from '../registry/catalog.ts';
import { attestRelease, publishPackage } from '../registry/publish-package.ts';
import { manifestHash, WELL_KNOWN_PATH } from '../remote/document.ts';
import { type LocalEndpoint, listenEndpoint, localEndpoint } from '../remote/serve.ts';
import { signEndpointAttestation, signEndpointManifest } from '../remote/typed-data.ts';
import type { SkillManifest } from '../sdk/manifest.ts';
import { freshRegistry, TEST_AUTHOR } from './registry.ts';

/** Test-only identities: an auditor the tests trust, and a protocol that signs its endpoint's manifest. */
export const TEST_AUDITOR_KEY = keccak256(toHex('sextant test skill auditor'));
export const TEST_AUDITOR: LocalAccount = privateKeyToAccount(TEST_AUDITOR_KEY);
export const TEST_PROTOCOL_KEY = keccak256(toHex('sextant test protocol endpoint'));
export const TEST_PROTOCOL: LocalAccount = privateKeyToAccount(TEST_PROTOCOL_KEY);

/** The trusted set a client uses in these tests: the project's auditor (built-ins) and the test auditor. */
export const TEST_TRUSTED_AUDITORS: Address[] = [SEXTANT_AUDITOR, TEST_AUDITOR.address];

/** The protocol's own skill package, served from its endpoint. */
export const ODOS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'odos');

/**
 * The protocol's side: its own registry with odos/swap published by its author and attested by the
 * test auditor (so the local loading rule lets it run), served as an agent endpoint whose manifest the
 * same auditor attested. This is what `sextant endpoint serve --skill odos/swap` does, in process.
 */
export async function servedOdosEndpoint(options: { chain: Chain; client: PublicClient; port?: number }) {
  const { db, packagesDir } = await freshRegistry();
  await publishPackage(db, ODOS_DIR, TEST_AUTHOR, packagesDir);
  await attestRelease(db, TEST_AUDITOR, { id: 'odos/swap', verdict: 'pass', reportUri: 'https://audits.example/odos' });
  const catalog = await loadSkillCatalog(db, { packagesDir, trustedAuditors: [TEST_AUDITOR.address] });
  const base = {
    catalog,
    skillIds: ['odos/swap'],
    author: TEST_PROTOCOL,
    chain: options.chain,
    client: options.client,
  };
  const unsigned = await localEndpoint(base);
  const attestation = await attestEndpoint(unsigned);
  const endpoint = await localEndpoint({ ...base, attestations: [attestation] });
  const server = await listenEndpoint(endpoint.app, '127.0.0.1', options.port ?? 0);
  return { ...server, endpoint, catalog };
}

/** The test auditor's passing attestation of an endpoint's manifest at its build version. */
export async function attestEndpoint(
  endpoint: Pick<LocalEndpoint, 'manifestHash' | 'buildVersion'>,
  auditor = TEST_AUDITOR,
) {
  const message = {
    manifestHash: endpoint.manifestHash,
    buildVersion: endpoint.buildVersion,
    verdict: 'pass',
    reportUri: 'https://audits.example/endpoint',
  } as const;
  return { ...message, signature: await signEndpointAttestation(auditor, message) };
}

/** A document for `skills`, signed by the test protocol and attested by the test auditor: valid in every way. */
export async function signedDocument(protocol: string, buildVersion: string, skills: SkillManifest[]) {
  const body = JSON.parse(JSON.stringify({ protocol, buildVersion, skills }));
  const hash = manifestHash(body);
  const attestation = await attestEndpoint({ manifestHash: hash, buildVersion });
  return {
    ...body,
    author: TEST_PROTOCOL.address,
    signature: await signEndpointManifest(TEST_PROTOCOL, { protocol, buildVersion, manifestHash: hash }),
    attestations: [attestation],
  };
}

/**
 * An endpoint of the tests' own making: it serves `document` (any JSON, or a raw string) and answers
 * POST /build with `build(request)` ({$status, body} for another HTTP status; 'hang' never answers).
 * The hostile endpoints are these.
 */
export async function scriptedEndpoint(script: {
  document: unknown | (() => unknown);
  build?: (request: {
    skill: string;
    input: Record<string, unknown>;
    chainId: number;
    account: Address;
  }) => Promise<unknown>;
}) {
  const app = new Hono();
  const hanging: (() => void)[] = [];
  app.get(WELL_KNOWN_PATH, async (c) => {
    const document = typeof script.document === 'function' ? (script.document as () => unknown)() : script.document;
    if (document === 'hang') {
      await new Promise<void>((resolve) => hanging.push(resolve));
      return c.body(null, 204);
    }
    return typeof document === 'string' ? c.text(document) : c.json(document as object);
  });
  app.post('/build', async (c) => {
    const request = await c.req.json();
    const reply = script.build ? await script.build(request) : { error: 'no build' };
    if (reply === 'hang') {
      await new Promise<void>((resolve) => hanging.push(resolve));
      return c.body(null, 204);
    }
    if (reply && typeof reply === 'object' && '$status' in reply) {
      const { $status, body } = reply as { $status: 400 | 404 | 422 | 500; body: object };
      return c.json(body, $status);
    }
    return typeof reply === 'string' ? c.text(reply) : c.json(reply as object);
  });
  const server = await listenEndpoint(app, '127.0.0.1', 0);
  return {
    url: server.url,
    close: async () => {
      for (const release of hanging) release();
      await server.close();
    },
  };
}

/** A client-side catalog that trusts the test auditor, over the agent's database. */
export function clientCatalog(db: Db, remoteBuildTimeoutMs?: number): Promise<SkillCatalog> {
  return loadSkillCatalog(db, {
    packagesDir: join(mkdtempSync(join(tmpdir(), 'sextant-remote-')), 'skill-packages'),
    trustedAuditors: TEST_TRUSTED_AUDITORS,
    ...(remoteBuildTimeoutMs ? { remoteBuildTimeoutMs } : {}),
  });
}
