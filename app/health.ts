import { Hono } from 'hono';
import type { LlmStatus } from '../agent-core/llm-status.ts';
import { jsonRpc, redactUrl } from '../common/json-rpc.ts';
import type { HealthResponse } from './views.ts';

export type HealthDependencies = {
  chain: { slug: string; name: string; chainId: number };
  rpcUrl: string;
  bundlerUrl: string | undefined;
  llm: () => Promise<LlmStatus>;
};

/** The answer of GET /health (its schema: HealthResponseSchema, app/views.ts). */
export type Health = HealthResponse;

export function healthRoutes(deps: HealthDependencies): Hono {
  return new Hono().get('/health', async (c) => c.json(await checkHealth(deps)));
}

export async function checkHealth(deps: HealthDependencies): Promise<Health> {
  const [chain, bundler, llm] = await Promise.all([probeChain(deps), probeBundler(deps.bundlerUrl), deps.llm()]);
  return { status: chain.reachable && bundler.reachable ? 'ok' : 'degraded', chain, bundler, llm };
}

async function probeChain(deps: HealthDependencies): Promise<Health['chain']> {
  const base = { slug: deps.chain.slug, name: deps.chain.name, chainId: deps.chain.chainId };
  try {
    const [chainId, blockNumber] = await Promise.all([
      jsonRpc<string>(deps.rpcUrl, 'eth_chainId'),
      jsonRpc<string>(deps.rpcUrl, 'eth_blockNumber'),
    ]);
    if (Number(chainId) !== deps.chain.chainId) {
      return {
        ...base,
        blockNumber: null,
        reachable: false,
        error: `the RPC serves chain ${Number(chainId)}, not ${deps.chain.chainId}`,
      };
    }
    return { ...base, blockNumber: Number(blockNumber), reachable: true };
  } catch (error) {
    return { ...base, blockNumber: null, reachable: false, error: (error as Error).message };
  }
}

async function probeBundler(url: string | undefined): Promise<Health['bundler']> {
  if (!url) return { url: null, reachable: false, entryPoints: [], error: 'no bundler configured (set BUNDLER_URL)' };
  try {
    const entryPoints = await jsonRpc<string[]>(url, 'eth_supportedEntryPoints');
    return { url: redactUrl(url), reachable: true, entryPoints };
  } catch (error) {
    return { url: redactUrl(url), reachable: false, entryPoints: [], error: (error as Error).message };
  }
}
