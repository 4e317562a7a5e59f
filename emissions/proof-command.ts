import { type CommandContext, parseCommandArgs, UsageError, withDatabase } from '../common/command.ts';
import { publicClientFor } from '../common/network.ts';
import { migrateEmissions } from './ledger/migrations.ts';
import { claimProof } from './proof.ts';

export const proofHelp = `Usage: sextant emissions proof --epoch N --address A [--json]

What an address can claim from a settled epoch: its index, its amount and the Merkle proof, everything
the epoch's MerkleDistributor takes in claim(index, account, amount, proof). Any address: providers,
skill authors, referrers and the treasury are plain addresses, not local accounts. Once the epoch is
distributed it also says whether the distributor has paid the claim. An address the epoch pays nothing
is told so (exit code 1).

Claim it from any wallet with these figures, or with \`sextant emissions claim --for A\` (the tokens go
to A; your smart account pays the gas).

Options:
  --epoch N     a settled epoch
  --address A   the address to look up
  --json        print the claim as JSON (the API's GET /v1/emissions/epochs/N/claims/A)
  -h, --help    show this help`;

export async function proof(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs('emissions proof', argv, {
    epoch: { type: 'string' },
    address: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.epoch === undefined || !/^\d+$/.test(values.epoch)) {
    throw new UsageError(`--epoch takes a settled epoch's number${values.epoch ? `, not "${values.epoch}"` : ''}.`, {
      hint: 'The settled epochs: sextant emissions report',
    });
  }
  if (values.address === undefined) throw new UsageError('--address is required: the address to look up.');
  const epoch = Number(values.epoch);
  const address = values.address;
  return withDatabase(context.settings.dataDir, async (db) => {
    migrateEmissions(db);
    // Whether it is paid is read from the distributor on the chain selected; the proof does not need it.
    const client = (() => {
      try {
        return publicClientFor(context.network());
      } catch {
        return undefined;
      }
    })();
    const claim = await claimProof(db, epoch, address, client);
    if (values.json) {
      context.stdout(`${JSON.stringify(claim, null, 2)}\n`);
      return 0;
    }
    const paid =
      claim.claimed === true
        ? 'claimed (the distributor has paid it)'
        : claim.claimed === false
          ? 'not claimed yet'
          : claim.distributor
            ? 'unknown (the chain did not answer)'
            : 'not distributed yet: settle the epoch again to deploy and fund its distributor';
    context.stdout(
      [
        `epoch ${claim.epoch} (${claim.status}): ${claim.account} can claim ${claim.amount} of the reward token`,
        `  index        ${claim.index}`,
        `  amount (wei) ${claim.amountWei}`,
        `  root         ${claim.root}`,
        `  distributor  ${claim.distributor ?? '(not deployed yet)'}`,
        `  reward token ${claim.rewardToken ?? '(not distributed yet)'}`,
        `  status       ${paid}`,
        '  proof',
        ...claim.proof.map((node) => `    ${node}`),
        '',
      ].join('\n'),
    );
    return 0;
  });
}
