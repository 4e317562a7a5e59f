#!/usr/bin/env node
// The `sextant` CLI. The runtime is TypeScript run as is (no build step): tsx's loader compiles each
// module on import, so the code a person reads is the code that runs.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
// Skill packages from the registry import the SDK by name; see skills/registry/module-hooks.mjs.
register('../skills/registry/module-hooks.mjs', import.meta.url, {
  data: {
    sdkUrl: new URL('../skills/sdk/index.ts', import.meta.url).href,
    rootUrl: new URL('../package.json', import.meta.url).href,
  },
});
const { main } = await import('../app/cli.ts');
process.exitCode = await main(process.argv.slice(2));
