/**
 * Which copy of the library this run's tests get (vitest.config.ts runs the suite as three projects):
 * `src` the TypeScript sources, `dist-esm` the built dist/index.js and `dist-cjs` the built dist/index.cjs,
 * both loaded by Node itself, as users load them. Proved by where a thrown error's stack points and by
 * identity with the module that Node's own `import()` / `require()` returns.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { constants, runInThisContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';

const target = process.env.NABLA_TEST_TARGET;
const require = createRequire(import.meta.url);
const distEsm = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const distCjs = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));
/** Node's own dynamic import with Node's own module cache, out of Vite's reach. */
const nativeImport = runInThisContext('(url) => import(url)', {
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
}) as (url: string) => Promise<typeof lib>;

/** The library file that the first library frame of an error's stack names. */
function throwingFile(): string {
  try {
    lib.tensor([[1, 2, 3]]).matmul(lib.tensor([[1, 2]]));
  } catch (e) {
    expect(e).toBeInstanceOf(lib.ShapeError);
    const frame = (e as Error).stack!.split('\n').find((line) => /[/\\](src|dist)[/\\]/.test(line) && !line.includes('/test/'));
    return frame!.replace(/^.*?\(?((?:file:\/\/)?\/.*?):\d+:\d+\)?$/, '$1');
  }
  throw new Error('matmul of [1,3] by [1,2] did not throw');
}

describe(`the library under test (${target})`, () => {
  it('is one of the three targets', () => {
    expect(['src', 'dist-esm', 'dist-cjs']).toContain(target);
  });

  it.runIf(target === 'src')('is the TypeScript source', () => {
    expect(throwingFile()).toMatch(/\/src\/[\w/-]+\.ts$/);
    expect(require.cache[distCjs]).toBeUndefined();
  });

  it.runIf(target === 'dist-esm')('is dist/index.js, loaded natively by Node', async () => {
    expect(throwingFile()).toMatch(/\/dist\/index\.js$/);
    const native = await nativeImport(pathToFileURL(distEsm).href);
    expect(native.Tensor).toBe(lib.Tensor);
    expect(require.cache[distCjs]).toBeUndefined();
  });

  it.runIf(target === 'dist-cjs')('is dist/index.cjs, loaded natively by Node', () => {
    expect(throwingFile()).toMatch(/\/dist\/index\.cjs$/);
    expect(typeof require.cache[distCjs]).toBe('object');
    expect((require(distCjs) as typeof lib).Tensor).toBe(lib.Tensor);
  });

  it('trains: one SGD step on a fixed problem lowers the loss by the hand-computed amount', () => {
    // loss = (w·x − y)², x = 2, y = 1, w = 1: loss 1, dloss/dw = 2(wx − y)x = 4; w ← 1 − 0.1·4 = 0.6, loss (1.2 − 1)² = 0.04
    const w = lib.tensor([1], { requiresGrad: true });
    const opt = new lib.optim.SGD([w], { lr: 0.1 });
    const loss = () => w.mul(2).sub(1).square().sum();
    const before = loss();
    before.backward();
    opt.step();
    expect(before.item()).toBe(1);
    expect(w.item()).toBeCloseTo(0.6, 6);
    expect(loss().item()).toBeCloseTo(0.04, 6);
  });
});
