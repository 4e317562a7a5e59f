/**
 * Signs the built-in skills: a release by SEXTANT_AUTHOR and a passing attestation by SEXTANT_AUDITOR
 * for every built-in skill whose id@version is not yet in skills/builtin-releases.json, over the code
 * hash of its folder. Run by the maintainers after an audited change (`npm run skills:sign-builtins`),
 * with their keys in SEXTANT_AUTHOR_KEY / SEXTANT_AUDITOR_KEY or in .keys/author.key / .keys/auditor.key
 * (never committed).
 *
 * A signed id@version is never re-signed over other code: change a skill, bump its version. Before a
 * release has left the repository, `--replace` re-signs changed ones in place.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Hex, isAddressEqual } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { BUILTIN_PACKAGES, BUILTIN_SIGNATURES_PATH, readBuiltinSignatures } from './builtin.ts';
import { SEXTANT_AUDITOR, SEXTANT_AUTHOR } from './project-keys.ts';
import { codeHashOf, readPackageSource } from './registry/package-source.ts';
import { signAttestation, signRelease } from './registry/typed-data.ts';

const REPORT_URI = 'sextant:skills/AUDIT.md';

function key(variable: string, file: string, expected: string) {
  const raw = process.env[variable] ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
  if (!raw) throw new Error(`No key: set ${variable} or write it to ${file}.`);
  const account = privateKeyToAccount(raw as Hex);
  if (!isAddressEqual(account.address, expected as Hex)) {
    throw new Error(`${variable} is the key of ${account.address}, not of ${expected} (skills/project-keys.ts).`);
  }
  return account;
}

const replace = process.argv.includes('--replace');
const author = key('SEXTANT_AUTHOR_KEY', '.keys/author.key', SEXTANT_AUTHOR);
const auditor = key('SEXTANT_AUDITOR_KEY', '.keys/auditor.key', SEXTANT_AUDITOR);
const signatures = readBuiltinSignatures();
let signed = 0;

for (const pkg of BUILTIN_PACKAGES) {
  const codeHash = codeHashOf(readPackageSource(pkg.dir));
  for (const skill of pkg.skills) {
    const existing = signatures.releases.find((r) => r.id === skill.id && r.version === skill.version);
    if (existing?.codeHash === codeHash) continue;
    if (existing && !replace) {
      throw new Error(
        `${skill.id}@${skill.version} is signed over other code (${existing.codeHash}); bump its version in ${pkg.folder}/.`,
      );
    }
    signatures.releases = signatures.releases.filter((r) => !(r.id === skill.id && r.version === skill.version));
    signatures.attestations = signatures.attestations.filter(
      (a) => !(a.skillId === skill.id && a.version === skill.version),
    );
    const release = { id: skill.id, version: skill.version, codeHash };
    signatures.releases.push({ ...release, signature: await signRelease(author, release) });
    const attestation = {
      skillId: skill.id,
      version: skill.version,
      codeHash,
      verdict: 'pass' as const,
      reportUri: REPORT_URI,
    };
    signatures.attestations.push({ ...attestation, signature: await signAttestation(auditor, attestation) });
    signed++;
    console.log(`signed ${skill.id}@${skill.version} ${codeHash}`);
  }
}
const order = (a: { id?: string; skillId?: string; version: string }, b: typeof a) =>
  `${a.id ?? a.skillId}@${a.version}` < `${b.id ?? b.skillId}@${b.version}` ? -1 : 1;
signatures.releases.sort(order);
signatures.attestations.sort(order);
writeFileSync(BUILTIN_SIGNATURES_PATH, `${JSON.stringify(signatures, null, 2)}\n`);
console.log(`${signed} built-in skill(s) signed; ${signatures.releases.length} in ${BUILTIN_SIGNATURES_PATH}.`);
