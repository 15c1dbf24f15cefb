import { defineConfig } from 'tsup';

export default defineConfig([
  // Node: dist/index.js (import) and dist/index.cjs (require), with their declarations
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // everything but the browser build below, which runs at the same time
    clean: ['!browser.js', '!browser.js.map'],
    target: 'es2022',
    treeshake: true,
  },
  // browsers: dist/browser.js, the exports map's "browser" condition (bundlers pick it; types are index.d.ts)
  {
    entry: { browser: 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    treeshake: true,
  },
]);
