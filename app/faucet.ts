import { Hono } from 'hono';
import type { Address } from 'viem';
import type { Chain } from '../common/chains/types.ts';
import { fundFromFaucet } from '../devnet/faucet.ts';
import type { ExecutionEnvironment } from '../smart-accounts/environment.ts';
import type { FaucetResponse } from './views.ts';

type Env = { Variables: { userId: string } };

export type FaucetDependencies = {
  /** Only the devnet has a faucet; elsewhere the route says so. */
  isDevnet: boolean;
  rpcUrl: string;
  env: Pick<ExecutionEnvironment, 'publicClient'> & { chain: Chain };
  userAccount: (userId: string) => Promise<{ account: Address }>;
};

/**
 * `POST /v1/faucet` (no body): on the devnet, funds the signed-in user's smart account with what
 * `sextant faucet` gives (devnet/faucet.ts) and answers what was given. The page's "Get test funds"
 * button calls it. On any other chain it is a 404 that says why.
 */
export function faucetRoutes(deps: FaucetDependencies): Hono<Env> {
  const app = new Hono<Env>();
  app.post('/v1/faucet', async (c) => {
    if (!deps.isDevnet) {
      return c.json(
        {
          error: `The faucet gives test funds on the devnet only; this server runs on ${deps.env.chain.name}.`,
          hint: 'Send funds to your account address (the side panel shows it) from a wallet.',
        },
        404,
      );
    }
    const userId = c.get('userId');
    const { account } = await deps.userAccount(userId);
    const given = await fundFromFaucet(deps.env.publicClient, deps.rpcUrl, deps.env.chain.tokens, account);
    const body: FaucetResponse = { account, given };
    return c.json(body);
  });
  return app;
}
