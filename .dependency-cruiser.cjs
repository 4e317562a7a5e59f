// @ts-check
/**
 * The layering of the house, checked by `npm run check` (dependency-cruiser).
 *
 * The modules stand in layers, from the ground up. A module imports its own files and the modules
 * below it, never one above it: `app/` is the one composition root, on top, and assembles the rest.
 * A module's tests and its `testing/` helpers stand in its layer too: they may import the modules
 * below and their `testing/` helpers (a fake lives in `testing/` of the lowest module that needs it),
 * and may drive their module through the assembled app (`app/`, its `testing/` helpers included).
 * Production code never imports test code. No file takes part in an import loop.
 *
 * To see the whole graph: `npx depcruise --config .dependency-cruiser.cjs -T archi . | dot -T svg > deps.svg`.
 */

/** The built-in skills: signed packages whose files (their tests too) do not change without a new release. */
const BUILTIN_SKILLS = '(erc20|aave-v3|native|weth|uniswap-v3|across)';

/** From the ground up. `path` is a regular expression on the file's path from the project's root. */
const LAYERS = [
  { name: 'common', says: 'settings, chains, database, errors, contract artifacts', path: '^common/' },
  { name: 'devnet', says: 'anvil, Alto and the protocols, for development and tests', path: '^devnet/' },
  { name: 'router', says: 'the LLM router and provider nodes', path: '^router/' },
  {
    name: 'skill-sdk',
    says: 'what a skill is made of, and how the runtime runs one',
    path: '^skills/(sdk/|build\\.ts$|project-keys\\.ts$)',
  },
  { name: 'built-in-skills', says: 'the signed protocol packages', path: `^skills/${BUILTIN_SKILLS}/` },
  { name: 'smart-accounts', says: 'accounts, balances, simulation and execution', path: '^smart-accounts/' },
  {
    name: 'skills',
    says: 'the skill registry, remote skills and their commands and routes',
    path: '^skills/',
    pathNot: [`^skills/(sdk/|build\\.ts$|project-keys\\.ts$|${BUILTIN_SKILLS}/)`],
  },
  { name: 'agent-core', says: 'words to intents to plans, policy and preview', path: '^agent-core/' },
  { name: 'emissions', says: 'the ledgers, epochs and settlement of rewards', path: '^emissions/' },
  { name: 'chat-ui', says: 'the page', path: '^chat-ui/' },
  {
    name: 'app',
    says: 'the one composition root: server, CLI, start-up (and the examples using it)',
    path: '^(app|bin|examples)/',
  },
];

/** Test code: test files, `testing/` helpers, benches and the hostile suite's harness. */
const TEST_CODE = '(\\.test\\.ts$|/testing/|/bench\\.ts$|/bench-[a-z]+\\.ts$|^agent-core/hostile/)';

const layerRules = LAYERS.flatMap((layer, index) => {
  return LAYERS.slice(index + 1).map((higher) => ({
    name: `${layer.name}-not-above`,
    comment: `${layer.name} (${layer.says}) stands below ${higher.name}: it must not import it.`,
    severity: 'error',
    from: {
      path: layer.path,
      // A test may drive its module through the assembled app: app/ is the root, and nothing imports a test.
      pathNot: [...(layer.pathNot ?? []), ...(higher.name === 'app' ? [TEST_CODE] : [])],
    },
    to: { path: higher.path, pathNot: higher.pathNot ?? [] },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other in a loop: one of them belongs elsewhere.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'Production code imports no test, testing/ helper or bench.',
      severity: 'error',
      from: { pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    ...layerRules.map((rule) =>
      rule.name === 'built-in-skills-not-above'
        ? {
            ...rule,
            // The built-in skills' own tests run them on the shared devnet through the skills' and
            // the accounts' test helpers; their files change only with a signed release.
            from: { ...rule.from, pathNot: [...rule.from.pathNot, `^skills/${BUILTIN_SKILLS}/.*\\.test\\.ts$`] },
          }
        : rule,
    ),
    {
      name: 'built-in-skill-tests-reach-only-test-helpers',
      comment:
        "A built-in skill's test may use the skills' and the accounts' testing/ helpers and read a package's source; nothing else above it.",
      severity: 'error',
      from: { path: `^skills/${BUILTIN_SKILLS}/.*\\.test\\.ts$` },
      to: {
        path: LAYERS.slice(LAYERS.findIndex((layer) => layer.name === 'smart-accounts')).map((layer) => layer.path),
        pathNot: [
          ...LAYERS.find((layer) => layer.name === 'skills').pathNot,
          '^skills/testing/',
          '^smart-accounts/testing/',
          '^skills/registry/package-source\\.ts$',
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|scratch|\\.sextant|test-artifacts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
