import { findFreePort, PortInUseError } from '../common/ports.ts';
import { type Devnet, type DevnetOptions, startDevnet } from './devnet.ts';

/**
 * The devnet with its second chain (chain id 31338), every service on a free port, as a test or a
 * bench starts it beside whatever else runs; `options` adds the relayer, a data directory, ...
 */
export async function startTwoChainDevnet(
  options: Omit<DevnetOptions, 'anvilPort' | 'bundlerPort' | 'paymasterPort' | 'l2'> = {},
): Promise<Devnet> {
  // A port found free can still be taken by another process before its service binds it; the
  // devnet then stops what it started, and another set of ports is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(options);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt === 3) throw error;
    }
  }
}

async function startOnFreePorts(
  options: Omit<DevnetOptions, 'anvilPort' | 'bundlerPort' | 'paymasterPort' | 'l2'>,
): Promise<Devnet> {
  return startDevnet({
    anvilPort: await findFreePort(),
    bundlerPort: await findFreePort(),
    paymasterPort: await findFreePort(),
    l2: {
      chainId: 31338,
      anvilPort: await findFreePort(),
      bundlerPort: await findFreePort(),
      paymasterPort: await findFreePort(),
    },
    ...options,
  });
}
