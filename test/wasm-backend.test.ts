/**
 * The wasm kernels against the TypeScript reference backend on sizes large enough to reach their
 * fast paths (SIMD loops, packed and few-row matrix products, 2×2 pooling, threads), which the op
 * spec table's small shapes do not: same inputs, results equal within float32 tolerance (float64
 * matrix products, which run in wasm too, within 1e-12).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { F, Generator, backend, configureWasm, gradcheck, randn, setBackend, setNumThreads, tensor, type Backend, type Tensor } from '../src/index.js';

let previous: Backend;
beforeAll(() => {
  previous = setBackend('js');
  // the cases' sizes pick the thread splits (by rows, by columns, by batch entry) at this threshold
  configureWasm({ parallelMinMacs: 2 ** 20 });
});
afterAll(() => {
  setBackend(previous);
  setNumThreads(2);
  configureWasm({ parallelMinMacs: 2 ** 24 }); // the default
});

/** Runs `f` on backend `name` with freshly copied inputs; returns its outputs as float64 arrays. */
function runOn(name: string, f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): Float64Array[] {
  setBackend(name);
  const xs = inputs.map((t) => tensor(t.toTypedArray(), { shape: t.shape, requiresGrad: t.requiresGrad }));
  const out = f(...xs);
  return (Array.isArray(out) ? out : [out]).map((o) => Float64Array.from(o.toTypedArray()));
}

/** Runs `f` on both backends with the same (freshly copied) inputs; returns [js, wasm] outputs as float64 arrays. */
function both(f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): [Float64Array[], Float64Array[]] {
  const js = runOn('js', f, inputs);
  const wasm = runOn('wasm', f, inputs);
  setBackend('js');
  return [js, wasm];
}

function expectClose(js: Float64Array[], wasm: Float64Array[], rtol = 1e-5): void {
  expect(wasm.length).toBe(js.length);
  js.forEach((a, k) => {
    const b = wasm[k]!;
    expect(b.length).toBe(a.length);
    let scale = 1;
    for (const v of a) if (!Number.isNaN(v)) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i]!) !== Number.isNaN(b[i]!)) throw new Error(`output ${k} at ${i}: js ${a[i]} wasm ${b[i]}`);
      if (!Number.isNaN(a[i]!)) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    }
    expect(worst / scale).toBeLessThan(rtol);
  });
}

const g = new Generator(3);
const r = (shape: number[], requiresGrad = false): Tensor => randn(shape, { generator: g, requiresGrad });

/** Output and input gradients of f (sum of output·w for a fixed random w). */
function withGrads(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  return (...xs) => {
    const y = f(...xs);
    const w = randn(y.shape, { generator: new Generator(9) });
    y.mul(w).sum().backward();
    return [y, ...xs.filter((x) => x.requiresGrad).map((x) => x.grad!)];
  };
}

describe('wasm backend against the TypeScript reference (large shapes)', () => {
  for (const threads of [1, 2]) {
    it(`matrix products of every path and edge size (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      setNumThreads(threads);
      const cases: [number[], number[], boolean, boolean][] = [
        [[8, 9], [9, 2051], false, false], // few rows, k small, partial last panel
        [[67, 33], [33, 130], false, false], // partial row tiles
        [[300, 260], [260, 270], false, false], // packed path, several k blocks, partial tiles
        [[16, 700], [700, 13], false, true], // transposed B (column stride): dot-product path, odd n
        [[7, 2051], [2051, 5], false, true], // dot-product path: several k blocks, row and column remainders, k % 4 ≠ 0
        [[64, 130], [130, 70], false, true], // dot-product path chosen for k ≥ 128
        [[6, 1030], [1030, 131], false, true], // dot products: columns of B in blocks of 64 (k block 1024), odd last block, row remainder
        [[20, 600], [600, 40], false, false], // few rows but k > 256: packed, not read in place
        [[9, 3], [3, 200], false, true], // k smaller than a SIMD vector
        [[40, 30], [30, 50], true, false], // transposed A
        [[5, 6, 7], [7, 9], false, false], // batched with broadcast B
      ];
      for (const [sa, sb, ta, tb] of cases) {
        const a = ta ? r([...sa].reverse()) : r(sa);
        const b = tb ? r([...sb].reverse()) : r(sb);
        const [js, wasm] = both((x, y) => (ta ? x.t() : x).matmul(tb ? y.t() : y), [a, b]);
        expectClose(js, wasm);
      }
    });
  }

  it('max pooling (2×2 fast path, other windows, ties and NaN) forward and backward', () => {
    const x = r([3, 4, 10, 13], true);
    for (const options of [{}, { stride: 1 }, { padding: 1 }, { dilation: 2 }] as const) {
      const [js, wasm] = both(withGrads((t) => F.maxPool2d(t, options === undefined ? 2 : 2, options)), [x]);
      expectClose(js, wasm);
    }
    const ties = tensor(Float32Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => (i % 3 === 0 ? Number.NaN : Math.floor(i / 7) % 2)), { shape: [2, 3, 8, 8], requiresGrad: true });
    expectClose(...both(withGrads((t) => F.maxPool2d(t, 2)), [ties]));
  });

  it('max pooling whose dilated windows only cover padding: −∞ and no gradient, nothing read outside the input', () => {
    for (const name of ['js', 'wasm']) {
      setBackend(name);
      const before = tensor(new Float32Array(1024).fill(42)); // on the heap just below x: must not leak in
      const x = randn([1, 256, 5, 1], { generator: g, requiresGrad: true });
      const y = F.maxPool2d(x, 2, { stride: 3, dilation: 2, padding: 1 }); // column taps −1 and 1 of a 1-wide input
      expect(y.shape).toEqual([1, 256, 2, 1]);
      expect(Array.from(y.toTypedArray()).every((v) => v === Number.NEGATIVE_INFINITY)).toBe(true);
      y.maximum(tensor(-1e30)).sum().backward();
      expect(Array.from(x.grad!.toTypedArray()).every((v) => v === 0)).toBe(true);
      expect(before.sum().item()).toBe(42 * 1024);
    }
    setBackend('js');
  });

  it('convolutions with padding, stride, dilation and groups, forward and backward', () => {
    const x = r([4, 6, 11, 9], true);
    for (const [o, k, options] of [[8, 3, { padding: 1 }], [5, 3, { stride: 2 }], [4, 2, { dilation: 2, padding: 1 }], [6, 3, { groups: 2, padding: 1 }]] as const) {
      const w = r([o, 6 / ('groups' in options ? options.groups : 1), k, k], true);
      const b = r([o], true);
      expectClose(...both(withGrads((t, ww, bb) => F.conv2d(t, ww, bb, options)), [x, w, b]), 1e-4);
    }
    // narrow inputs with wide padding: rows of windows partly, wholly or never inside the input
    const narrow = r([2, 3, 4, 3], true);
    for (const [k, options] of [[5, { padding: 2 }], [3, { padding: 3, dilation: 2 }], [4, { padding: 'same' }], [1, { padding: 1 }]] as const) {
      const w = r([4, 3, k, k], true);
      expectClose(...both(withGrads((t, ww) => F.conv2d(t, ww, null, options)), [narrow, w]), 1e-4);
    }
  });

  for (const threads of [1, 2]) {
    it(`GELU (erf and tanh) forward and backward over 2^18 + 6 elements: split across the threads in whole vectors (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      setNumThreads(threads);
      const x = r([(2 ** 18 + 6) / 2, 2], true); // wide values: both tails of Φ, and a scalar tail of 2 elements
      for (const approximate of ['none', 'tanh'] as const) expectClose(...both(withGrads((v) => F.gelu(v.mul(4), { approximate })), [x]));
      setNumThreads(2);
    });
  }

  it('elementwise ops with N-d broadcasting, comparisons, where, and reductions over any axes', () => {
    const a = r([5, 1, 7, 9], true);
    const b = r([4, 1, 9], true);
    expectClose(...both(withGrads((x, y) => x.mul(y).add(x.exp()).div(y.abs().add(1)).relu()), [a, b]));
    expectClose(...both((x, y) => [x.gt(y).float(), x.where(x.lt(y), y)], [a, b]));
    const c = r([6, 5, 8, 7], true);
    for (const dims of [[0], [1], [3], [0, 2], [1, 3], [0, 2, 3]]) {
      expectClose(...both(withGrads((x) => x.sum(dims)), [c]));
      expectClose(...both((x) => x.max(dims), [c]));
    }
    expectClose(...both(withGrads((x) => x.softmax(-1).log().mul(x.sigmoid()).tanh()), [c]));
  });

  it('SIMD exp and sigmoid over [-104, 89]: within 1 ulp of float64, subnormal results correctly rounded (0 only below them); overflow, ±Infinity and NaN exact', () => {
    const values = Float32Array.from({ length: 40_003 }, (_, i) => -104 + (193 * i) / 40_002);
    values.set([Number.NaN, Infinity, -Infinity, 88.72, 88.73, -87.33, -87.34, -100, -103, -103.97, -103.98, -104.5, 0, -0], 0);
    const f32exp = (v: number): number => Math.fround(Math.exp(v));
    const f32sigmoid = (v: number): number => Math.fround(1 / (1 + Math.exp(-v)));
    setBackend('wasm');
    const x = tensor(values);
    // contiguous (SIMD), transposed (SIMD 4×4 tiles) and every other element (the scalar loop)
    const e = x.exp().toTypedArray();
    const s = x.sigmoid().toTypedArray();
    const eT = x.narrow(0, 0, 40_000).reshape([200, 200]).t().exp().t().flatten().toTypedArray();
    const eStrided = x.slice(0, 0, null, 2).exp().toTypedArray();
    const sStrided = x.slice(0, 0, null, 2).sigmoid().toTypedArray();
    setBackend('js');
    let subnormals = 0;
    values.forEach((v, i) => {
      const ref = f32exp(v);
      if (Number.isNaN(v)) expect(e[i]).toBeNaN();
      else if (ref < 2 ** -126 || ref === Infinity) expect(e[i], `exp(${v})`).toBe(ref); // subnormal, 0 or ∞: exact
      else expect(Math.abs(e[i]! - ref), `exp(${v})`).toBeLessThanOrEqual(2 ** (Math.floor(Math.log2(ref)) - 23));
      if (ref > 0 && ref < 2 ** -126) subnormals++;
      const sig = f32sigmoid(v);
      if (Number.isNaN(v)) expect(s[i]).toBeNaN();
      else if (sig < 2 ** -126) expect(s[i], `sigmoid(${v})`).toBe(sig);
      else expect(Math.abs(s[i]! - sig), `sigmoid(${v})`).toBeLessThanOrEqual(4e-7 * sig);
      if (i < 40_000) expect(Object.is(eT[i], e[i]), `transposed exp(${v})`).toBe(true);
      if (i % 2 === 0) {
        expect(Object.is(eStrided[i / 2], ref), `strided exp(${v})`).toBe(true);
        expect(Object.is(sStrided[i / 2], sig), `strided sigmoid(${v})`).toBe(true);
      }
    });
    expect(subnormals).toBeGreaterThan(3000);
    // PyTorch and the js backend: sigmoid(-100) = exp(-100) = 3.78e-44, a float32 subnormal
    setBackend('wasm');
    const far = tensor(new Float32Array(300).fill(-100));
    expect([far.exp().toTypedArray()[0], far.sigmoid().toTypedArray()[299]]).toEqual([f32exp(-100), f32exp(-100)]);
    setBackend('js');
    expect(f32exp(-100)).toBeCloseTo(3.78e-44, 46);
  });

  it('SIMD tanh equals the double tanh rounded once (the js backend) on every magnitude, ±0, subnormals, ±Infinity and NaN', () => {
    // magnitudes 2^-30 … 2^6 (both signs, both sides of the 2^-12 cut-off and of tanh's saturation at 9.01)
    const values = Float32Array.from({ length: 60_000 }, (_, i) => (i % 2 ? -1 : 1) * 2 ** (-30 + (36 * i) / 60_000) * (1 + ((i * 7919) % 1000) / 1000));
    values.set([0, -0, 1e-45, -1e-45, 2 ** -12, -(2 ** -12), 9.01, 9.02, 20, 21, Infinity, -Infinity, Number.NaN], 0);
    setBackend('wasm');
    const x = tensor(values);
    const contiguous = x.tanh().toTypedArray();
    const strided = x.slice(0, 0, null, 3).tanh().toTypedArray();
    const transposed = x.reshape([300, 200]).t().tanh().t().flatten().toTypedArray();
    setBackend('js');
    const reference = x.tanh().toTypedArray();
    values.forEach((v, i) => {
      expect(Object.is(contiguous[i], reference[i]), `tanh(${v}): ${contiguous[i]} vs ${reference[i]}`).toBe(true);
      expect(Object.is(transposed[i], reference[i]), `transposed tanh(${v})`).toBe(true);
      if (i % 3 === 0) expect(Object.is(strided[i / 3], reference[i]), `strided tanh(${v})`).toBe(true);
    });
  });
});

describe('float64 matrix products in wasm (dgemm) against the TypeScript kernel', () => {
  const r64 = (shape: number[], requiresGrad = false): Tensor => randn(shape, { generator: g, dtype: 'float64', requiresGrad });

  /** A spy on the js backend's matmul, which the wasm backend calls where its kernels do not apply. */
  function spyOnFallback() {
    setBackend('js');
    return vi.spyOn(backend(), 'matmul');
  }

  /** `both`, checking that no product on the wasm backend fell back to the TypeScript kernel. */
  function inWasm(f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): [Float64Array[], Float64Array[]] {
    const js = runOn('js', f, inputs);
    const fallback = spyOnFallback();
    try {
      const wasm = runOn('wasm', f, inputs);
      expect(fallback).not.toHaveBeenCalled();
      return [js, wasm];
    } finally {
      fallback.mockRestore();
      setBackend('js');
    }
  }

  for (const threads of [1, 2]) {
    it(`every path, edge size, transpose and batch layout (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      setNumThreads(threads);
      const cases: [number[], number[], boolean, boolean][] = [
        [[8, 9], [9, 2051], false, false], // few rows, B read in place, partial last panel
        [[67, 33], [33, 130], false, false], // partial row tiles
        [[6, 200], [200, 1012], false, false], // few rows: split over the threads by columns (508 each: whole 4-wide tiles)
        [[300, 260], [260, 270], false, false], // packed: two k blocks, two column blocks (256 doubles), partial tiles
        [[40, 30], [30, 50], true, false], // transposed A
        [[40, 100], [100, 50], true, true], // both transposed: packed, B's columns scattered into panels
        [[40, 100], [100, 50], false, true], // transposed B, k < 128: packed
        [[16, 700], [700, 13], false, true], // A·Bᵀ: dot products, odd n
        [[7, 1101], [1101, 5], false, true], // dot products: three k blocks (512 doubles), odd k, row and column remainders
        [[64, 130], [130, 70], false, true], // dot products chosen for k ≥ 128
        [[5, 520], [520, 131], false, true], // dot products: columns of B in blocks of 64 (k block 512), odd last block
        [[9, 3], [3, 200], false, true], // k smaller than a vector of 2 doubles… and odd
        [[6, 0], [0, 5], false, false], // k = 0: zeros
        [[70, 1], [1, 90], false, false], // k = 1: an outer product
        [[1, 300], [300, 1], false, false], // a dot product
        [[5, 6, 7], [7, 9], false, false], // batched, B broadcast
        [[3, 50, 40], [3, 40, 60], false, false], // batched
        [[6, 64, 70], [6, 70, 66], false, false], // batched, split over the threads by batch entry
        [[2, 1, 9, 17], [3, 17, 10], false, false], // broadcast batch dims
      ];
      for (const [sa, sb, ta, tb] of cases) {
        const a = ta ? r64([...sa].reverse()) : r64(sa);
        const b = tb ? r64([...sb].reverse()) : r64(sb);
        expectClose(...inWasm((x, y) => (ta ? x.t() : x).matmul(tb ? y.t() : y), [a, b]), 1e-12);
      }
      // views that are not contiguous: a narrowed row, every other row, every third column, a permuted batch
      expectClose(...inWasm((x, y) => x.narrow(1, 3, 40).matmul(y.slice(0, 0, null, 2)), [r64([37, 50]), r64([80, 45])]), 1e-12);
      expectClose(...inWasm((x, y) => x.matmul(y.slice(1, 0, null, 3)), [r64([33, 20]), r64([20, 90])]), 1e-12);
      expectClose(...inWasm((x, y) => x.permute(1, 0, 2).matmul(y), [r64([30, 4, 20]), r64([20, 25])]), 1e-12);
    });
  }

  it('gradients (a linear layer\'s x·Wᵀ, broadcast batch dims) and gradcheck run through it', () => {
    setNumThreads(2);
    expectClose(...inWasm(withGrads((x, w) => x.matmul(w.t())), [r64([33, 70], true), r64([50, 70], true)]), 1e-12);
    expectClose(...inWasm(withGrads((x, y) => x.matmul(y)), [r64([4, 1, 20, 30], true), r64([3, 30, 25], true)]), 1e-12);
    const fallback = spyOnFallback();
    setBackend('wasm');
    try {
      expect(gradcheck((x, y) => x.matmul(y), [r64([9, 20], true), r64([20, 17], true)])).toBe(true);
      expect(gradcheck((x, w) => x.matmul(w.t()).tanh(), [r64([3, 5, 12], true), r64([10, 12], true)])).toBe(true);
      expect(fallback).not.toHaveBeenCalled();
    } finally {
      fallback.mockRestore();
      setBackend('js');
    }
  });
});
