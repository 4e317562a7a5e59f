import { StreamableHTTPTransport } from '@hono/mcp';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type McpDependencies, sextantMcpServer } from './tools.ts';

type Env = { Variables: { userId: string } };

/**
 * MCP over streamable HTTP at /mcp, stateless: each POST gets a server bound to the signed-in user
 * (the server's own access check runs before it: the MCP token from `sextant token --mcp`, or the
 * user's own token or session) and a JSON answer. No tool confirms, so the MCP token is enough. There is
 * no session to resume and no server-initiated stream, so GET and DELETE are 405, which MCP clients
 * read as "not offered".
 */
export function mcpRoutes(deps: McpDependencies): Hono<Env> {
  const app = new Hono<Env>();
  app.post('/mcp', async (c) => {
    const server = sextantMcpServer(deps, c.get('userId'));
    const transport = new StreamableHTTPTransport({ enableJsonResponse: true });
    await server.connect(transport);
    try {
      return (await transport.handleRequest(c)) ?? c.body(null, 202);
    } catch (error) {
      if (error instanceof HTTPException) return error.getResponse();
      throw error;
    } finally {
      await server.close();
    }
  });
  app.on(['GET', 'DELETE'], '/mcp', (c) =>
    c.json(
      {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST only.' },
        id: null,
      },
      405,
      { allow: 'POST' },
    ),
  );
  return app;
}
