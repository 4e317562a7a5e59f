import { type Address, getAddress, isAddress } from 'viem';
import type { Chain } from '../../common/chains/types.ts';
import type { SkillCatalog } from '../../skills/registry/catalog.ts';
import { contractByName, permissionsOn } from '../../skills/sdk/permissions.ts';
import { servesChain } from '../../skills/sdk/serves-chain.ts';

/**
 * The contracts the audited skills declare on `chain`, by protocol: the only spenders an approval may
 * name without the user confirming a new recipient ("approve uniswap to spend 100 USDC" approves the
 * router the Uniswap skill declares). Token contracts (`token-list`) and plain transfers (`any`) are
 * not protocol contracts.
 */
export function protocolContracts(catalog: SkillCatalog, chain: Chain): Map<string, Address[]> {
  const byProtocol = new Map<string, Address[]>();
  for (const entry of catalog.entries) {
    if (entry.status !== 'audited' || !servesChain(entry.manifest.chains, chain.slug)) continue;
    for (const permission of permissionsOn(entry.manifest.contracts, chain)) {
      if (permission.contract === 'token-list' || permission.contract === 'any') continue;
      const address = contractByName(chain, permission.contract);
      if (!address || !isAddress(address, { strict: false })) continue;
      const list = byProtocol.get(entry.manifest.protocol) ?? [];
      if (!list.some((known) => known.toLowerCase() === address.toLowerCase())) list.push(getAddress(address));
      byProtocol.set(entry.manifest.protocol, list);
    }
  }
  return byProtocol;
}
