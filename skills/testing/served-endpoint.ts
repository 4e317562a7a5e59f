import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublicClient } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import { loadSkillCatalog } from '../registry/catalog.ts';
import { attestRelease, publishPackage } from '../registry/publish-package.ts';
import { listenEndpoint, localEndpoint } from '../remote/serve.ts';
import { attestEndpoint, TEST_AUDITOR, TEST_PROTOCOL } from './endpoints.ts';
import { freshRegistry, TEST_AUTHOR } from './registry.ts';

/** A lending protocol's own package (spark/supply, spark/withdraw through the devnet's Aave V3 pool). */
export const SPARK_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'spark');

/**
 * The protocol's side for any fixture package: its own registry with the package published by the
 * test author and each skill attested by the test auditor (so the local loading rule lets it run),
 * served as an agent endpoint whose manifest the same auditor attested. What `sextant endpoint serve
 * --skill ID …` does, in process.
 */
export async function servedEndpoint(options: { dir: string; skillIds: string[]; chain: Chain; client: PublicClient }) {
  const { db, packagesDir } = await freshRegistry();
  await publishPackage(db, options.dir, TEST_AUTHOR, packagesDir);
  for (const id of options.skillIds) {
    await attestRelease(db, TEST_AUDITOR, { id, verdict: 'pass', reportUri: 'https://audits.example/package' });
  }
  const catalog = await loadSkillCatalog(db, { packagesDir, trustedAuditors: [TEST_AUDITOR.address] });
  const base = {
    catalog,
    skillIds: options.skillIds,
    author: TEST_PROTOCOL,
    chain: options.chain,
    client: options.client,
  };
  const unsigned = await localEndpoint(base);
  const endpoint = await localEndpoint({ ...base, attestations: [await attestEndpoint(unsigned)] });
  const server = await listenEndpoint(endpoint.app, '127.0.0.1', 0);
  /** The honest build of a request, for hostile endpoints to start from. */
  const honestBuild = async (request: Record<string, unknown>) => {
    const response = await endpoint.app.request('/build', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  return { ...server, endpoint, catalog, honestBuild };
}
