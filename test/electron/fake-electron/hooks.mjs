// Module loader hooks (node:module register): the bare specifier `electron` — which the
// built main bundle keeps external — resolves to the fake (electron.mjs), so the bundle
// itself runs under plain Node, unchanged.
const FAKE = new URL('./electron.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: FAKE, shortCircuit: true };
  return nextResolve(specifier, context);
}
