import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../app/server.ts';
import { testAccess } from '../app/testing/access.ts';

const signedIn = testAccess();

import { SEXTANT_AUDITOR } from './project-keys.ts';
import { codeHashOf, readPackageSource } from './registry/package-source.ts';
import { signAttestation, signRelease } from './registry/typed-data.ts';
import {
  AttestationResponseSchema,
  PublishResponseSchema,
  SkillDetailResponseSchema,
  SkillListResponseSchema,
} from './registry/views.ts';
import { skillManifest } from './sdk/manifest.ts';
import { freshRegistry, TEST_AUTHOR, TIP_JAR_DIR } from './testing/registry.ts';

async function app(trustedAuditors?: `0x${string}`[]) {
  const { db, packagesDir } = await freshRegistry();
  return createApp({
    access: signedIn.access,
    chain: { slug: 'devnet', name: 'Sextant devnet', chainId: 31337 },
    rpcUrl: 'http://127.0.0.1:1',
    bundlerUrl: undefined,
    llm: async () => ({ provider: 'embedded', model: 'embedded', reachable: false, host: '' }),
    skills: { db, packagesDir, trustedAuditors },
  });
}

const request = (method: string, path: string, body?: unknown) =>
  new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { host: '127.0.0.1', 'content-type': 'application/json', ...signedIn.headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

describe('the registry over HTTP', () => {
  it('lists the skills with their status, and shows one by id in either path form', async () => {
    const server = await app();
    const listed = await server.fetch(request('GET', '/v1/skills'));
    expect(listed.status).toBe(200);
    const { skills } = (await listed.json()) as { skills: { id: string; status: string; author: string }[] };
    expect(skills.find((s) => s.id === 'erc20/transfer')).toMatchObject({ status: 'audited' });
    for (const path of ['/v1/skills/erc20/transfer', '/v1/skills/erc20%2Ftransfer']) {
      const shown = await server.fetch(request('GET', path));
      expect(shown.status).toBe(200);
      expect(await shown.json()).toMatchObject({ id: 'erc20/transfer', auditors: [SEXTANT_AUDITOR] });
    }
    expect((await server.fetch(request('GET', '/v1/skills/nope/nothing'))).status).toBe(404);
  });

  it('answers the list and one skill as the 200 schemas of its OpenAPI document say', async () => {
    const server = await app();
    const document = (await (await server.fetch(request('GET', '/openapi.json'))).json()) as {
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, unknown> }> } }>;
    };
    const routes = [
      ['/v1/skills', '/v1/skills', SkillListResponseSchema],
      ['/v1/skills/erc20/transfer', '/v1/skills/{id}', SkillDetailResponseSchema],
    ] as const;
    for (const [path, documented, schema] of routes) {
      const answer = await server.fetch(request('GET', path));
      expect(answer.status).toBe(200);
      expect(document.paths[documented]?.get.responses[200]?.content['application/json']).toEqual({
        schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }),
      });
      expect(schema.safeParse(await answer.json()).error?.issues ?? [], path).toEqual([]);
    }
  });

  it('publishes a package and records an attestation; refuses duplicates and bad bodies with a reason', async () => {
    const auditor = privateKeyToAccount(generatePrivateKey());
    const server = await app([auditor.address]);
    const files = readPackageSource(TIP_JAR_DIR);
    const { tipJarWrap } = await import('./testing/fixtures/tip-jar/index.ts');
    const manifest = skillManifest(tipJarWrap);
    const codeHash = codeHashOf(files);
    const signature = await signRelease(TEST_AUTHOR, { id: manifest.id, version: manifest.version, codeHash });

    const published = await server.fetch(request('POST', '/v1/skills', { manifest, files, signature }));
    expect(published.status, await published.clone().text()).toBe(201);
    // The 201 answers are what the document publishes as their schema.
    const document = (await (await server.fetch(request('GET', '/openapi.json'))).json()) as {
      paths: Record<string, { post: { responses: Record<string, { content: Record<string, unknown> }> } }>;
    };
    const created = (path: string) => document.paths[path]?.post.responses[201]?.content['application/json'];
    expect(created('/v1/skills')).toEqual({
      schema: z.toJSONSchema(PublishResponseSchema, { io: 'output', unrepresentable: 'any' }),
    });
    expect(created('/v1/skills/{id}/attestations')).toEqual({
      schema: z.toJSONSchema(AttestationResponseSchema, { io: 'output', unrepresentable: 'any' }),
    });
    expect(PublishResponseSchema.parse(await published.json())).toMatchObject({
      release: { id: 'tip-jar/wrap', codeHash },
    });
    const duplicate = await server.fetch(request('POST', '/v1/skills', { manifest, files, signature }));
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ error: expect.stringMatching(/already published/) });

    const missingField = await server.fetch(request('POST', '/v1/skills', { manifest, files }));
    expect(missingField.status).toBe(400);
    expect(await missingField.json()).toMatchObject({ field: 'signature' });
    expect((await server.fetch(request('POST', '/v1/skills', '{not json'))).status).toBe(400);
    expect(
      (
        await server.fetch(
          request('POST', '/v1/skills', { manifest, files: [{ path: '../x.ts', content: '' }], signature }),
        )
      ).status,
    ).toBe(400);

    const attestation = {
      skillId: 'tip-jar/wrap',
      version: '1.0.0',
      codeHash,
      verdict: 'pass' as const,
      reportUri: 'https://audits.example/r',
    };
    const body = { ...attestation, signature: await signAttestation(auditor, attestation) };
    const { skillId: _id, ...withoutId } = body;
    const attested = await server.fetch(request('POST', '/v1/skills/tip-jar/wrap/attestations', withoutId));
    expect(attested.status, await attested.clone().text()).toBe(201);
    expect(AttestationResponseSchema.parse(await attested.json())).toMatchObject({
      attestation: { auditor: auditor.address, verdict: 'pass' },
    });
    const shown = (await (await server.fetch(request('GET', '/v1/skills/tip-jar/wrap'))).json()) as { status: string };
    expect(shown.status).toBe('audited');

    const badVerdict = await server.fetch(
      request('POST', '/v1/skills/tip-jar/wrap/attestations', { ...withoutId, verdict: 'maybe' }),
    );
    expect(badVerdict.status).toBe(400);
    expect(await badVerdict.json()).toMatchObject({ field: 'verdict' });
    const tooBig = await server.fetch(request('POST', '/v1/skills', 'x'.repeat(2 * 1024 * 1024)));
    expect(tooBig.status).toBe(413);
  });
});
