#!/usr/bin/env node
// Adds lockfile entries for the other platforms' builds of our platform-specific optional
// dependencies (biome, anvil, msgpackr-extract ship one npm package per OS and CPU).
//
// Why: the npm registry reachable from our machines does not serve every platform's package (the
// darwin and win32 builds answer 404), so `npm install` cannot record them, and `npm ci` then
// rejects the lockfile as out of sync ("Missing: @biomejs/cli-darwin-arm64@ from lock file").
// An entry that names the version and the platform is what npm itself writes where it can fetch
// the metadata; npm ci skips such a package on any other platform. Run after `npm install`
// changes the lockfile: `npm run lock:platforms`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;

/** os, cpu and libc from a package name such as @biomejs/cli-linux-x64-musl or @foundry-rs/anvil-darwin-amd64. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((part) => ['darwin', 'linux', 'win32', 'android', 'freebsd'].includes(part));
  const cpuPart = parts.find((part) => ['arm64', 'x64', 'amd64', 'arm', 'ia32'].includes(part));
  if (!os || !cpuPart) return undefined;
  return {
    os: [os],
    cpu: [cpuPart === 'amd64' ? 'x64' : cpuPart],
    ...(parts.includes('musl') ? { libc: ['musl'] } : {}),
  };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[hoisted] || packages[nested]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    packages[hoisted] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added += 1;
    console.log(`added ${name}@${version} (${platform.os[0]}/${platform.cpu[0]})`);
  }
}
if (added > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(
  added > 0 ? `${added} foreign-platform entries added to package-lock.json` : 'package-lock.json already complete',
);
