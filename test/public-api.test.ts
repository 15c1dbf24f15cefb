/**
 * The package barrel exports the public API only: internal helpers (validation, message formatting,
 * unchecked entry points, viz formatting) stay module exports for src/ and never reach
 * `import … from 'nabla'`. Runs on all three targets (vitest.config.ts): on dist-esm and dist-cjs the
 * barrel is the built package.
 */
import { describe, expect, it } from 'vitest';

/** Internal helpers, by the module that defines them. */
const INTERNAL: Record<string, readonly string[]> = {
  '../src/base/errors.js': ['check', 'fmt', 'TENSOR_BRAND'],
  '../src/ops/copy.js': ['padGeneral'],
  '../src/ops/indexing.js': ['gatherTrusted'],
  '../src/data/optional-import.js': ['importOptional'],
  '../src/data/dataset.js': ['hasGetBatch', 'checkDataset'],
  '../src/viz/svg.js': ['escapeXml', 'element', 'round'],
  '../src/viz/graph.js': ['buildGraph', 'nodeLines', 'checkDigits'],
  '../src/viz/ticks.js': ['niceTicks', 'formatTick'],
  '../src/viz/progress.js': ['formatMetric', 'formatDuration'],
  '../src/viz/svg-frame.js': ['svgDocument', 'svgText', 'toNumbers', 'checkInteger', 'checkRange', 'checkSize', 'checkId', 'checkText', 'axes', 'labels', 'plotArea'],
  '../src/viz/colormap.js': ['classColor', 'checkColormap', 'blend', 'textColorOn', 'normalizeTo', 'finiteRange'],
  '../src/viz/histogram.js': ['binValues'],
};
/** Internal names that are also public ones from another module (`round` the op vs viz's number formatter). */
const SHARED_NAMES = new Set(['round']);

type Namespace = Record<string, unknown>;

/** The barrel and every namespace inside it (nn, F, optim, scalar, nn.functional, nn.init), by path. */
async function namespaces(): Promise<[string, Namespace][]> {
  const barrel = (await import('../src/index.js')) as Namespace;
  const out: [string, Namespace][] = [];
  const seen = new Set<unknown>();
  const visit = (path: string, ns: Namespace): void => {
    if (seen.has(ns)) return;
    seen.add(ns);
    out.push([path, ns]);
    for (const [k, v] of Object.entries(ns)) {
      // `export * as` namespaces: module namespace objects (null prototype), or plain objects in the CJS build
      const proto = typeof v === 'object' && v !== null ? Object.getPrototypeOf(v) : undefined;
      if (proto === null || proto === Object.prototype) visit(path === '' ? k : `${path}.${k}`, v as Namespace);
    }
  };
  visit('', barrel);
  return out;
}

describe('the public barrel', () => {
  it('exports none of the internal helpers, at the top level or in a namespace', async () => {
    const internalNames = Object.values(INTERNAL).flat().filter((n) => !SHARED_NAMES.has(n));
    expect(internalNames).toEqual(expect.arrayContaining(['check', 'fmt', 'gatherTrusted', 'importOptional', 'escapeXml', 'niceTicks']));
    const leaked: string[] = [];
    for (const [path, ns] of await namespaces()) {
      for (const k of Object.keys(ns)) if (internalNames.includes(k)) leaked.push(path === '' ? k : `${path}.${k}`);
    }
    expect(leaked).toEqual([]);
    const keys = Object.keys(await import('../src/index.js'));
    for (const k of ['tensor', 'Tensor', 'ShapeError', 'NablaError', 'DependencyError', 'cat', 'pad', 'gather', 'cumsum', 'round', 'linePlot', 'ProgressBar', 'graphOf', 'toDot', 'graphToSvg', 'scatterPlot', 'histogramPlot', 'histogramBins', 'heatmap', 'imshow', 'imageGrid', 'colormap']) {
      expect(keys).toContain(k);
    }
  });

  it('exports everything else of the modules it re-exports selectively', async () => {
    const keys = new Set(Object.keys(await import('../src/index.js')));
    const missing: string[] = [];
    for (const [path, names] of Object.entries(INTERNAL)) {
      const m = (await import(path)) as Namespace;
      for (const name of Object.keys(m)) if (!names.includes(name) && !keys.has(name)) missing.push(`${path} ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it.runIf(process.env.NABLA_TEST_TARGET === 'src')('does not expose an internal helper under another name', async () => {
    const values = new Set((await namespaces()).flatMap(([, ns]) => Object.values(ns)));
    const leaked: string[] = [];
    for (const [path, names] of Object.entries(INTERNAL)) {
      const m = (await import(path)) as Namespace;
      for (const name of names) {
        expect(['function', 'symbol'], `${path} ${name}`).toContain(typeof m[name]);
        if (values.has(m[name])) leaked.push(`${path} ${name}`);
      }
    }
    expect(leaked).toEqual([]);
  });
});
