import { createServer } from 'node:net';
import { type Address, createPublicClient, http, keccak256, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestToChain } from '../../devnet/manifest.ts';
import { testDevnet } from '../../devnet/testing/test-devnet.ts';
import { buildSkillCalls } from '../build.ts';
import { createSkillContext } from '../sdk/context.ts';
import { SkillError, SkillRefusedError } from '../sdk/errors.ts';
import { skillManifest } from '../sdk/manifest.ts';
import {
  attestEndpoint,
  scriptedEndpoint,
  servedOdosEndpoint,
  signedDocument,
  TEST_AUDITOR,
  TEST_PROTOCOL,
} from '../testing/endpoints.ts';
import { odosSwap } from '../testing/fixtures/odos/index.ts';
import { canonicalJson, displayText, manifestHash } from './document.ts';
import { fetchEndpointDocument, normalizeEndpointUrl } from './endpoints.ts';
import { EndpointError } from './errors.ts';
import { remoteSkill } from './remote-skill.ts';
import { signEndpointAttestation, signEndpointManifest } from './typed-data.ts';
import { judgeRemoteSkills, verifyEndpointDocument } from './verify.ts';

const manifest = testDevnet();
const chain = manifestToChain(manifest);
const client = createPublicClient({ transport: http(manifest.rpcUrl) });
const USDC = manifest.tokens.find((t) => t.symbol === 'USDC')?.address as Address;
const ROUTER = chain.contracts.uniswapV3?.swapRouter02 as Address;
const odos = skillManifest(odosSwap);
const trust = (auditors: Address[] = [TEST_AUDITOR.address]) => ({
  trustedAuditors: auditors,
  takenIds: new Set<string>(),
});

describe('agent endpoint manifests', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });
  const serve = async (script: Parameters<typeof scriptedEndpoint>[0]) => {
    const endpoint = await scriptedEndpoint(script);
    closers.push(endpoint.close);
    return endpoint.url;
  };

  it('hashes the manifest canonically: key order and spacing do not matter, any change does', () => {
    const body = { protocol: 'odos', buildVersion: '1', skills: [odos] };
    const reordered = JSON.parse(JSON.stringify({ skills: [odos], buildVersion: '1', protocol: 'odos' }, null, 4));
    expect(manifestHash(reordered)).toBe(manifestHash(body));
    expect(canonicalJson({ b: [1, { d: 'x', c: null }], a: true })).toBe('{"a":true,"b":[1,{"c":null,"d":"x"}]}');
    expect(manifestHash({ ...body, buildVersion: '2' })).not.toBe(manifestHash(body));
    expect(manifestHash({ ...body, skills: [{ ...odos, description: `${odos.description} ` }] })).not.toBe(
      manifestHash(body),
    );
  });

  it('serves a local skill as a document signed by its key, which verifies; a changed or wrongly signed one does not', async () => {
    const protocol = await servedOdosEndpoint({ chain, client });
    closers.push(protocol.close);
    const { raw, verified } = await fetchEndpointDocument(protocol.url);
    expect(verified.document.author).toBe(TEST_PROTOCOL.address);
    expect(verified.manifestHash).toBe(protocol.endpoint.manifestHash);
    expect(verified.document.buildVersion).toMatch(/^odos\/swap@1\.0\.0 code 0x[0-9a-f]{64}$/);
    expect(verified.attestations).toEqual([expect.objectContaining({ auditor: TEST_AUDITOR.address, applies: true })]);
    expect(judgeRemoteSkills(verified, trust())[0]).toMatchObject({
      skipped: false,
      status: 'audited',
      auditors: [TEST_AUDITOR.address],
    });

    const document = JSON.parse(JSON.stringify(raw));
    const changed = {
      ...document,
      skills: [{ ...document.skills[0], contracts: { devnet: [{ contract: 'any', functions: [] }] } }],
    };
    await expect(verifyEndpointDocument('x', changed)).rejects.toMatchObject({ problem: 'signature' });
    const stranger = privateKeyToAccount(generatePrivateKey());
    const bySomeoneElse = {
      ...document,
      signature: await signEndpointManifest(stranger, {
        protocol: 'odos',
        buildVersion: document.buildVersion,
        manifestHash: verified.manifestHash,
      }),
    };
    await expect(verifyEndpointDocument('x', bySomeoneElse)).rejects.toThrow(`the signature is ${stranger.address}'s`);
    await expect(
      verifyEndpointDocument('x', { ...document, skills: [{ ...odos, id: 'uniswap-v3/swap' }] }),
    ).rejects.toThrow('uniswap-v3/swap is not a skill of odos');
  });

  it('counts only trusted auditors’ attestations over this manifest hash at this build version', async () => {
    const document = await signedDocument('odos', 'v1', [odos]);
    const verified = await verifyEndpointDocument('x', document);
    expect(judgeRemoteSkills(verified, trust([privateKeyToAccount(generatePrivateKey()).address]))[0]).toMatchObject({
      status: 'unaudited',
      detail:
        'odos/swap@1.0.0 has no passing attestation from a trusted auditor (1 by untrusted auditors not counted).',
    });

    // The auditor attested another build of the same manifest: it does not count for this one.
    const otherBuild = await attestEndpoint({ manifestHash: verified.manifestHash, buildVersion: 'v0' });
    const stale = await verifyEndpointDocument('x', { ...document, attestations: [otherBuild] });
    expect(judgeRemoteSkills(stale, trust())[0]).toMatchObject({ status: 'unaudited' });
    expect((judgeRemoteSkills(stale, trust())[0] as { detail: string }).detail).toContain(
      '1 attestation(s) are over another manifest hash or build version, v1 here',
    );

    const failing = {
      manifestHash: verified.manifestHash,
      buildVersion: 'v1',
      verdict: 'fail',
      reportUri: 'https://audits.example/no',
    } as const;
    const failed = await verifyEndpointDocument('x', {
      ...document,
      attestations: [
        ...document.attestations,
        { ...failing, signature: await signEndpointAttestation(TEST_AUDITOR, failing) },
      ],
    });
    expect(judgeRemoteSkills(failed, trust())[0]).toMatchObject({ status: 'failed-audit' });
  });

  it('skips skills Sextant cannot hold to an intent, and ids a local skill already has', async () => {
    const borrow = { ...odos, id: 'odos/lend', actions: ['borrow' as const] };
    const two = { ...odos, id: 'odos/both', actions: ['swap' as const, 'supply' as const] };
    const supply = { ...odos, id: 'odos/supply', actions: ['supply' as const] };
    const routed = { ...odos, id: 'odos/routed', input: { ...odos.input, required: ['tokenIn', 'route'] } };
    const verified = await verifyEndpointDocument(
      'x',
      await signedDocument('odos', 'v1', [odos, borrow, two, supply, routed]),
    );
    const judged = judgeRemoteSkills(verified, {
      trustedAuditors: [TEST_AUDITOR.address],
      takenIds: new Set(['odos/swap']),
    });
    expect(judged.map((j) => (j.skipped ? j.reason : j.status))).toEqual([
      'a local skill or an earlier endpoint has the id odos/swap',
      'remote skills may serve swap, supply, withdraw only (it declares borrow), since Sextant must bound what they do from the intent alone',
      'a remote skill serves one action, whose bound Sextant applies (it declares swap, supply)',
      // A supply is sent token and amount: a swap's input does not fit it.
      'its input requires tokenIn, tokenOut, amountIn, which Sextant does not send for a supply (it sends token, amount)',
      'its input requires route, which Sextant does not send for a swap (it sends tokenIn, tokenOut, amountIn, amountOut, slippageBps, minAmountOut)',
    ]);
  });

  it('refuses what is not an agent endpoint, each with its own clear error', async () => {
    expect(normalizeEndpointUrl('https://agents.example.org/v1/')).toBe('https://agents.example.org/v1');
    expect(normalizeEndpointUrl('http://127.0.0.1:8790/.well-known/sextant-skills.json')).toBe('http://127.0.0.1:8790');
    expect(() => normalizeEndpointUrl('http://agents.example.org')).toThrow('is not an HTTPS URL');
    expect(() => normalizeEndpointUrl('not a url')).toThrow('is not a URL');

    const huge = await serve({ document: { padding: 'x'.repeat(300 * 1024) } });
    await expect(fetchEndpointDocument(huge)).rejects.toMatchObject({
      problem: 'too-large',
      message: `${huge} answered its manifest with more than 256 KiB.`,
    });
    const text = await serve({ document: '<html>hello</html>' });
    await expect(fetchEndpointDocument(text)).rejects.toMatchObject({ problem: 'malformed' });
    const invalid = await serve({ document: { protocol: 'odos', skills: [] } });
    await expect(fetchEndpointDocument(invalid)).rejects.toMatchObject({
      problem: 'invalid',
      message: `${invalid}'s manifest is not valid: buildVersion: Invalid input: expected string, received undefined.`,
    });
    // Network failures in words, naming the URL and what to check; never a bare ECONNREFUSED or UND_ERR_SOCKET.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const refused = (await fetchEndpointDocument(closed).catch((e: unknown) => e)) as EndpointError;
    expect(refused).toMatchObject({
      problem: 'unreachable',
      message: `${closed} could not be reached for its manifest (${closed}/.well-known/sextant-skills.json): nothing is listening there (connection refused).`,
      hint: 'Check that the endpoint is running, and that the URL’s host and port are the ones it listens on.',
    });
    const hangUp = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const dropped = `http://127.0.0.1:${(hangUp.address() as { port: number }).port}`;
    const closedEarly = (await fetchEndpointDocument(dropped).catch((e: unknown) => e)) as EndpointError;
    hangUp.close();
    expect(closedEarly).toMatchObject({
      problem: 'unreachable',
      message: `${dropped} could not be reached for its manifest (${dropped}/.well-known/sextant-skills.json): the connection was closed before it answered.`,
    });
    for (const error of [refused, closedEarly])
      expect(error.describe()).not.toMatch(/ECONNREFUSED|UND_ERR|fetch failed/);
    const slow = await serve({ document: 'hang' });
    await expect(fetchEndpointDocument(slow, { timeoutMs: 300 })).rejects.toMatchObject({ problem: 'timeout' });
  });

  it('holds a build response to the format and to the intent: clear errors, and refusals that mark the endpoint', async () => {
    const account = privateKeyToAccount(keccak256(toHex('remote test account'))).address;
    const ctx = createSkillContext({ chain, client, account });
    const swap = { tokenIn: USDC, tokenOut: 'ETH', amountIn: '100' };
    const call = { to: ROUTER, value: '0', data: '0x04e45aaf' }; // exactInputSingle's selector: declared
    const attempt = async (reply: unknown, input: Record<string, unknown> = swap) => {
      const url = await serve({ document: {}, build: async () => reply });
      let marked: string | undefined;
      const skill = remoteSkill({
        endpoint: url,
        manifest: odos,
        timeoutMs: 2000,
        suspicion: () => undefined,
        markSuspect: (reason) => {
          marked = reason;
        },
      });
      const error = await buildSkillCalls(skill, input, ctx).catch((e: unknown) => e);
      return { url, error: error as Error, marked };
    };

    const big = await attempt({ calls: [call], summary: 'x'.repeat(70 * 1024) });
    expect(big.error).toMatchObject({
      problem: 'too-large',
      message: `${big.url} answered the build of odos/swap with more than 64 KiB.`,
    });
    const numbers = await attempt({ calls: [{ ...call, value: 0 }] });
    expect(numbers.error).toBeInstanceOf(EndpointError);
    expect(numbers.error.message).toContain("'s build of odos/swap is not valid: calls.0.value:");
    const said = await attempt({ $status: 422, body: { error: 'no\u202e route\nfound\u0007' } });
    expect(said.error).toMatchObject({ problem: 'http' });
    expect(said.error.message).toBe(`${said.url} could not build odos/swap (HTTP 422); it said: "no route found".`);
    for (const { marked } of [big, numbers, said]) expect(marked).toBeUndefined();

    const greedy = await attempt({
      calls: [call],
      bounds: { gives: [{ token: USDC, amount: '200000000' }], receives: [] },
    });
    expect(greedy.error).toBeInstanceOf(SkillRefusedError);
    expect(greedy.marked).toBe('it says it would take 200 USDC, more than the 100 USDC you asked to sell.');
    const spender = await attempt({
      calls: [call],
      bounds: { gives: [], receives: [{ token: '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE', amount: '1000' }] },
      approvals: [{ token: USDC, spender: account, amount: '100000000' }],
    });
    expect(spender.marked).toBe(`it asks for an allowance to ${account}, a contract its manifest does not declare.`);

    const noMinimum = await attempt({ calls: [call] });
    expect(noMinimum.error).toBeInstanceOf(SkillError);
    expect(noMinimum.error.message).toContain('states no minimum ETH for the swap, and you named none');
    expect(noMinimum.marked).toBeUndefined();
    const exactOut = await attempt({ calls: [call] }, { tokenIn: USDC, tokenOut: 'ETH', amountOut: '1' });
    expect(exactOut.error.message).toContain('it sells an exact amount (amountIn) and nothing else');
  });

  it('cleans third-party text for display', () => {
    expect(displayText('  Swap\u202e\u200b now\n\tplease\u0000 ', 80)).toBe('Swap now please');
    expect(displayText('a'.repeat(10), 5)).toBe('aaaa…');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
