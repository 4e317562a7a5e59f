// Module resolution for skill packages the runtime loads from the registry (DATA_DIR/skill-packages/).
// A package imports the SDK by name (`sextant/skills/sdk`) and its libraries (zod, viem) bare, as a
// third party writes it; wherever DATA_DIR is, those resolve to this runtime's own copies, so a skill
// shares the runtime's zod and the SDK module rather than bringing its own.
// Registered by bin/sextant.mjs (Node's module.register); vitest maps the SDK name in its config.
const state = { sdkUrl: '', rootUrl: '' };

export async function initialize(data) {
  Object.assign(state, data);
}

export async function resolve(specifier, context, next) {
  if (specifier === 'sextant/skills/sdk') return next(state.sdkUrl, context);
  const fromPackage = context.parentURL?.includes('/skill-packages/');
  const bare = !/^(\.|\/|node:|file:|data:)/.test(specifier);
  if (fromPackage && bare) return next(specifier, { ...context, parentURL: state.rootUrl });
  return next(specifier, context);
}
