import { type Address, erc20Abi, type PublicClient } from 'viem';

/**
 * One figure of chain state a hostile case watches (a balance, an allowance, a debt), with the
 * changes the user's intent allows: anything else is funds moved outside intent.
 */
export type Probe = {
  label: string;
  read: () => Promise<bigint>;
  /** The deltas the intent allows (exact, in base units); 0n is always "nothing happened". */
  allowed: bigint[];
  /** Slack for figures that move by themselves (a debt accrues interest each block). */
  tolerance?: bigint;
};

export function balanceProbe(
  client: PublicClient,
  label: string,
  token: Address | 'ETH',
  holder: Address,
  allowed: bigint[] = [0n],
): Probe {
  return {
    label,
    allowed,
    read: () =>
      token === 'ETH'
        ? client.getBalance({ address: holder })
        : client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] }),
  };
}

export function allowanceProbe(
  client: PublicClient,
  label: string,
  token: Address,
  owner: Address,
  spender: Address,
  allowed: bigint[] = [0n],
): Probe {
  return {
    label,
    allowed,
    read: () =>
      client.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [owner, spender] }),
  };
}

/** A debt token's balance: it grows with interest, so a change within `tolerance` is no change. */
export function debtProbe(
  client: PublicClient,
  label: string,
  debtToken: Address,
  holder: Address,
  allowed: bigint[] = [0n],
  tolerance = 10n ** 15n,
): Probe {
  return { ...balanceProbe(client, label, debtToken, holder, allowed), tolerance };
}

/** Reads every probe before `act`, and again after: the changes no intent allows, in words. */
export async function movedOutsideIntent(probes: readonly Probe[], act: () => Promise<void>): Promise<string[]> {
  const before = await Promise.all(probes.map((p) => p.read()));
  await act();
  const after = await Promise.all(probes.map((p) => p.read()));
  const moved: string[] = [];
  probes.forEach((probe, i) => {
    const delta = (after[i] as bigint) - (before[i] as bigint);
    const slack = probe.tolerance ?? 0n;
    const fits = probe.allowed.some((allowed) => delta >= allowed - slack && delta <= allowed + slack);
    if (!fits) moved.push(`${probe.label} changed by ${delta} (allowed: ${probe.allowed.join(' or ')})`);
  });
  return moved;
}
