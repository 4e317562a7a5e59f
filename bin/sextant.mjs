#!/usr/bin/env node
// The `sextant` CLI. The runtime is TypeScript run as is (no build step): tsx's loader compiles each
// module on import, so the code a person reads is the code that runs.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli.ts');
process.exitCode = await main(process.argv.slice(2));
