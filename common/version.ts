import { readFileSync } from 'node:fs';

/** Sextant's version, as package.json declares it: `sextant --version`, `/openapi.json`, the MCP server's info. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
