import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { assertPortFree } from '../common/ports.ts';
import { type SkillRoutesDependencies, skillRoutes } from '../skills/routes.ts';
import { type HealthDependencies, healthRoutes } from './health.ts';
import { loopbackHostOnly } from './loopback-host-only.ts';

/** The HTTP API: each module's routes, composed. Later modules mount theirs here. */
export function createApp(deps: HealthDependencies & { skills?: SkillRoutesDependencies }): Hono {
  const app = new Hono();
  app.use(loopbackHostOnly());
  app.route('/', healthRoutes(deps));
  if (deps.skills) app.route('/', skillRoutes(deps.skills));
  app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));
  app.onError((error, c) => {
    // The details go to the server's log, not to the client.
    console.error(error);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}

/** Listens on host:port; resolves once listening, with a function that closes the server. */
export async function listen(
  app: Hono,
  host: string,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  await assertPortFree(host, port, 'the Sextant server', 'PORT');
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      resolve({
        url: `http://${host}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
