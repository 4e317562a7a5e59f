import { Hono } from 'hono';
import { z } from 'zod';
import { validate } from '../common/http-edge.ts';
import { WrongPassphraseError } from '../smart-accounts/errors.ts';
import { formatMinutes, type UnlockedKeys } from '../smart-accounts/unlocked-keys.ts';
import type { LockResponse, UnlockResponse } from './views.ts';

export const UnlockRequestSchema = z
  .object({ passphrase: z.string().min(1, 'type the passphrase').max(1024, 'at most 1024 characters') })
  .strict();

type Env = { Variables: { userId: string } };

/**
 * The owner key, unlocked over the signed-in session when the server has no SEXTANT_PASSPHRASE:
 * `POST /v1/session/unlock {passphrase}` opens the user's key into memory for the idle time (a
 * wrong passphrase is a 403), `POST /v1/session/lock` drops it now. The passphrase is never stored
 * or logged. The MCP token gets the edge's 403 on both (app/auth.ts: state changes are denied to it).
 */
export function unlockRoutes(keys: UnlockedKeys): Hono<Env> {
  const app = new Hono<Env>();
  app.post('/v1/session/unlock', validate('json', UnlockRequestSchema), async (c) => {
    const userId = c.get('userId');
    try {
      const owner = await keys.unlock(userId, c.req.valid('json').passphrase);
      const body: UnlockResponse = { unlocked: true, owner: owner.address, idleMinutes: keys.idleMs / 60_000 };
      return c.json(body);
    } catch (error) {
      if (!(error instanceof WrongPassphraseError)) throw error;
      // Said for the page (the keystore's own words are for the CLI); the edge answers it 403.
      throw new WrongPassphraseError('Wrong passphrase: it does not open your owner key.', {
        hint: 'Type the passphrase your key was created with: SEXTANT_PASSPHRASE, or the one typed at the first start.',
        cause: error,
      });
    }
  });
  app.post('/v1/session/lock', (c) => {
    keys.lock(c.get('userId'));
    const body: LockResponse = { unlocked: false };
    return c.json(body);
  });
  return app;
}

/** What the start banner says when confirming will ask for the passphrase in the page. */
export function unlockNotice(keys: UnlockedKeys): string | undefined {
  if (keys.hasPassphrase) return undefined;
  return `no SEXTANT_PASSPHRASE: confirming a plan asks for it in the page (kept in memory, dropped after ${formatMinutes(keys.idleMs)} unused)`;
}
