/**
 * Three projects run the same tests against three copies of the library:
 * - `src`: every test, on the TypeScript sources (transformed by Vite);
 * - `dist-esm`: the tests that only need the public API (found below: no static import of src/ other than
 *   the barrel, in the file or its helpers), with the barrel import (`../src/index.js`, `../../src/index.js`
 *   from test/helpers) aliased to the built `dist/index.js`, loaded natively by Node;
 * - `dist-cjs`: the same, aliased to the built `dist/index.cjs`, loaded natively by Node (its named
 *   exports come from Node's CommonJS loader, as they do for users who `import` it from a CJS project).
 * test/package-target.test.ts proves in each project which copy the tests got. `npm test` builds `dist/`
 * first when it is missing or older than the sources (scripts/test.mjs).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const BARREL = /^(\.\.\/)+src\/index\.js$/;

/** The relative modules that a test file (or helper) imports statically. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.[^']+)'|^\s*import\s+'(\.[^']+)'/gm)].map((m) => m[1] ?? m[2]!);
}

/**
 * Whether a test file imports a module of src/ other than the barrel, itself or through a helper (the
 * storage, the wasm heap, internal helpers): it runs on the sources only, since against dist it would
 * load a second copy of the library next to the built one (and `instanceof` would break).
 */
function usesInternals(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  return staticImports(file).some((spec) => {
    const target = join(dirname(file), spec);
    if (relative(root, target).split(sep)[0] === 'src') return !BARREL.test(spec);
    return /\.(ts|js)$/.test(spec) && usesInternals(target.replace(/\.js$/, '.ts'), seen);
  });
}

const SRC_ONLY = readdirSync(join(root, 'test'))
  .filter((name) => name.endsWith('.test.ts') && usesInternals(join(root, 'test', name)))
  .map((name) => `test/${name}`);

function distProject(name: 'dist-esm' | 'dist-cjs', entry: string) {
  return {
    extends: true as const,
    resolve: { alias: [{ find: BARREL, replacement: join(root, entry) }] },
    test: {
      name,
      exclude: SRC_ONLY,
      env: { NABLA_TEST_TARGET: name },
      // not transformed by Vite: Node itself loads the file users get
      server: { deps: { external: [/\/dist\/index\.c?js$/] } },
    },
  };
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'src', env: { NABLA_TEST_TARGET: 'src' } } },
      distProject('dist-esm', './dist/index.js'),
      distProject('dist-cjs', './dist/index.cjs'),
    ],
  },
});
