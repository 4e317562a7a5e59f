#!/usr/bin/env node
// `npm run check`: the type check, lint, layer rules, page types and the page's own type check, at
// the same time. They read the sources and write nothing, so none waits for another; the whole takes
// as long as the slowest (tsc on the project) instead of the sum. Each one's output is printed when it
// ends, whole, under its name, and the check fails if any of them does. `tsc` is TypeScript 7's
// native compiler (package.json's @typescript/native): about 7 s for the project where 5.9's took 20.
import { spawn } from 'node:child_process';

const CHECKS = [
  ['tsc --noEmit', 'tsc', ['--noEmit']],
  ['biome check .', 'biome', ['check', '.']],
  ['depcruise', 'depcruise', ['--config', '.dependency-cruiser.cjs', '.']],
  ['page types', 'tsx', ['app/page-types.ts', '--check']],
  ['tsc (chat page)', 'tsc', ['-p', 'chat-ui/tsconfig.page.json']],
];

function run([name, command, args]) {
  const started = performance.now();
  // npm run puts node_modules/.bin on PATH; on Windows those are .cmd files, which need a shell.
  const child = spawn(command, args, { shell: process.platform === 'win32', stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => {
    child.once('error', (error) => resolve({ name, code: 1, output: `${output}${error.message}\n`, started }));
    child.once('close', (code) => resolve({ name, code: code ?? 1, output, started }));
  }).then((result) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${result.code === 0 ? 'ok    ' : 'FAILED'} ${name} (${seconds} s)\n${result.output}`);
    return result;
  });
}

const results = await Promise.all(CHECKS.map(run));
const failed = results.filter((result) => result.code !== 0).map((result) => result.name);
if (failed.length > 0) {
  process.stdout.write(`check failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
