import { serve } from '@hono/node-server';
import { type FakeApiOptions, fakeApi } from './fake-api.ts';

/**
 * The chat page against the fake API, for working on the page without a devnet:
 *   npx tsx chat-ui/testing/serve-fake.ts [--locked] [--bundler-down] [--broken] [--ollama] [--no-epochs] [--port 8899]
 */
const args = process.argv.slice(2);
const options: FakeApiOptions = {
  locked: args.includes('--locked'),
  bundlerDown: args.includes('--bundler-down'),
  broken: args.includes('--broken'),
  ollama: args.includes('--ollama'),
  noEpochs: args.includes('--no-epochs'),
};
const portIndex = args.indexOf('--port');
const port = portIndex === -1 ? 8899 : Number(args[portIndex + 1]);
serve({ fetch: fakeApi(options).fetch, hostname: '127.0.0.1', port }, (info) => {
  console.log(`chat page on the fake API: http://127.0.0.1:${info.port}/`);
});
