/**
 * Creating tensors and getting values out: tensor() and the constant/range/random creators,
 * toArray/toTypedArray/item, copies versus views (clone, contiguous, detach, reshape, transpose,
 * slice, expand), dtype conversion and the dtype promotion of binary ops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_DTYPE, DEFAULT_SEED, DTYPES, DTypeError, Generator, ShapeError, Tensor, add, arange, defaultGenerator, div, eq, eye, full, fullLike,
  ge, gt, le, linspace, lt, manualSeed, maximum, minimum, mul, ne, noGrad, ones, onesLike, pow, promoteTypes, rand,
  randint, randn, sub, tensor, zeros, zerosLike, type DType,
} from '../src/index.js';
import { expectError } from './helpers/expect.js';

const f32 = (xs: number[]): number[] => xs.map(Math.fround);

afterEach(() => {
  manualSeed(DEFAULT_SEED);
});

describe('tensor(): from nested arrays, numbers, booleans', () => {
  it('nested arrays give their shape and float32 by default', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe('float32');
    expect(DEFAULT_DTYPE).toBe('float32');
    expect(x.data).toBeInstanceOf(Float32Array);
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(x.strides).toEqual([3, 1]);
    expect(x.offset).toBe(0);
    expect(x.ndim).toBe(2);
    expect(x.numel()).toBe(6);
    expect(x.size()).toEqual([2, 3]);
    expect(x.size(-1)).toBe(3);
    expect(x.size(0)).toBe(2);
  });

  it('3-d nested arrays', () => {
    const x = tensor([[[1], [2]], [[3], [4]], [[5], [6]]]);
    expect(x.shape).toEqual([3, 2, 1]);
    expect(x.strides).toEqual([2, 1, 1]);
    expect(Array.from(x.toTypedArray())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('float32 storage rounds the values', () => {
    expect(tensor([0.1, 1 / 3]).toArray()).toEqual(f32([0.1, 1 / 3]));
    expect(tensor([0.1], { dtype: 'float64' }).toArray()).toEqual([0.1]);
  });

  it('a number gives a 0-d float32 tensor', () => {
    const x = tensor(2.5);
    expect(x.shape).toEqual([]);
    expect(x.ndim).toBe(0);
    expect(x.numel()).toBe(1);
    expect(x.dtype).toBe('float32');
    expect(x.toArray()).toBe(2.5);
    expect(x.item()).toBe(2.5);
  });

  it('booleans give bool (stored as 0/1 bytes)', () => {
    const x = tensor([[true, false], [false, true]]);
    expect(x.dtype).toBe('bool');
    expect(x.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(x.toTypedArray())).toEqual([1, 0, 0, 1]);
    expect(x.toArray()).toEqual([[true, false], [false, true]]);
    expect(tensor(false).dtype).toBe('bool');
    expect(tensor(false).toArray()).toBe(false);
    expect(tensor(true).item()).toBe(1);
  });

  it('the dtype option converts numbers (int32 truncates, bool is x != 0, float64 keeps them)', () => {
    expect(tensor([1.9, -1.9, 0.5], { dtype: 'int32' }).toArray()).toEqual([1, -1, 0]);
    expect(tensor([0, 2, -0.5], { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
    expect(tensor([true, false], { dtype: 'float32' }).toArray()).toEqual([1, 0]);
    expect(tensor([true, false], { dtype: 'int32' }).toArray()).toEqual([1, 0]);
    const d = tensor([1 / 3], { dtype: 'float64' });
    expect(d.data).toBeInstanceOf(Float64Array);
    expect(d.toArray()).toEqual([1 / 3]);
  });

  it('special values survive: NaN, ±Infinity, -0', () => {
    const x = tensor([NaN, Infinity, -Infinity, -0]);
    const a = x.toArray() as number[];
    expect(a[0]).toBeNaN();
    expect(a[1]).toBe(Infinity);
    expect(a[2]).toBe(-Infinity);
    expect(Object.is(a[3], -0)).toBe(true);
  });

  it('empty arrays give empty tensors', () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([]).dtype).toBe('float32');
    expect(tensor([]).toArray()).toEqual([]);
    expect(tensor([[], [], []]).shape).toEqual([3, 0]);
    expect(tensor([[], [], []]).toArray()).toEqual([[], [], []]);
  });

  it('requiresGrad makes a leaf that records gradients', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.requiresGrad).toBe(true);
    expect(x.isLeaf).toBe(true);
    expect(x.gradFn).toBeNull();
    expect(x.grad).toBeNull();
    expect(tensor([1, 2]).requiresGrad).toBe(false);
    expect(tensor([1, 2], { dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('the data is copied: changing the source array later does not change the tensor', () => {
    const rows = [[1, 2], [3, 4]];
    const x = tensor(rows);
    rows[0]![0] = 100;
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

describe('tensor(): from typed arrays', () => {
  it('keeps the typed array dtype', () => {
    const cases: [ArrayLike<number>, DType][] = [
      [new Float32Array([1.5, 2]), 'float32'],
      [new Float64Array([1.5, 2]), 'float64'],
      [new Int32Array([-1, 2]), 'int32'],
      [new Uint8Array([0, 1]), 'bool'],
    ];
    for (const [data, dtype] of cases) {
      const x = tensor(data as Float32Array);
      expect(x.dtype).toBe(dtype);
      expect(x.shape).toEqual([2]);
      expect(Array.from(x.toTypedArray())).toEqual(Array.from(data));
    }
  });

  it('the shape option lays a flat typed array out', () => {
    const x = tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(x.dtype).toBe('int32');
    expect(x.shape).toEqual([3, 2]);
    expect(x.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const s = tensor(new Float64Array([7]), { shape: [] });
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(7);
    expect(tensor(new Float32Array(0), { shape: [2, 0] }).shape).toEqual([2, 0]);
  });

  it('the dtype option converts the typed array (float → int32 truncates, → bool is x != 0)', () => {
    expect(tensor(new Float32Array([1.5, -2.5, 3.99]), { dtype: 'int32' }).toArray()).toEqual([1, -2, 3]);
    expect(tensor(new Float64Array([0, 2, NaN, -0.1]), { dtype: 'bool' }).toArray()).toEqual([false, true, true, true]);
    expect(tensor(new Int32Array([1, -2]), { dtype: 'float64' }).toArray()).toEqual([1, -2]);
    expect(tensor(new Float64Array([0.1]), { dtype: 'float32' }).toArray()).toEqual(f32([0.1]));
  });

  it('copies the typed array: writing into the source later does not change the tensor', () => {
    const src = new Float64Array([1, 2, 3]);
    const x = tensor(src);
    src[0] = 99;
    expect(x.toArray()).toEqual([1, 2, 3]);
    expect(x.data).not.toBe(src);
  });

  it('requiresGrad on a float typed array', () => {
    const x = tensor(new Float64Array([1, 2]), { requiresGrad: true });
    expect(x.requiresGrad).toBe(true);
    expect(x.dtype).toBe('float64');
  });
});

describe('constants: zeros, ones, full, eye, *Like', () => {
  it('zeros and ones, with a list or a single size', () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones(3).toArray()).toEqual([1, 1, 1]);
    expect(ones(3).shape).toEqual([3]);
    expect(zeros([]).toArray()).toBe(0);
    expect(ones([]).shape).toEqual([]);
    expect(zeros([0, 4]).numel()).toBe(0);
  });

  it('each dtype gets its typed array', () => {
    const arrays = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };
    expect(DTYPES).toEqual(['bool', 'int32', 'float32', 'float64']);
    for (const dtype of DTYPES) {
      const x = ones([2], { dtype });
      expect(x.dtype).toBe(dtype);
      expect(x.data).toBeInstanceOf(arrays[dtype]);
      expect(Array.from(x.toTypedArray())).toEqual([1, 1]);
    }
    expect(ones([2], { dtype: 'bool' }).toArray()).toEqual([true, true]);
  });

  it('full with numbers and booleans (a boolean fill gives bool unless a dtype is given)', () => {
    expect(full([2, 2], 7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(full([2], -1.5).dtype).toBe('float32');
    expect(full([2], true).dtype).toBe('bool');
    expect(full([2], true).toArray()).toEqual([true, true]);
    expect(full([2], false).toArray()).toEqual([false, false]);
    expect(full([2], true, { dtype: 'float32' }).toArray()).toEqual([1, 1]);
    expect(full([2], 2.9, { dtype: 'int32' }).toArray()).toEqual([2, 2]);
    expect(full([2], -2.9, { dtype: 'int32' }).toArray()).toEqual([-2, -2]);
    expect(full([3], 0.1).toArray()).toEqual(f32([0.1, 0.1, 0.1]));
    expect(full([1], NaN).toArray()).toEqual([NaN]);
    expect(full([2], 3, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('eye: square and rectangular, with a dtype', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    const tall = eye(3, 2, { dtype: 'int32' });
    expect(tall.dtype).toBe('int32');
    expect(tall.toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(1).toArray()).toEqual([[1]]);
    expect(eye(0, 3).shape).toEqual([0, 3]);
    expect(eye(2, 2, { dtype: 'bool' }).toArray()).toEqual([[true, false], [false, true]]);
  });

  it('zerosLike/onesLike/fullLike copy shape and dtype, not values or requiresGrad', () => {
    const i = tensor([[5, 6, 7]], { dtype: 'int32' });
    const z = zerosLike(i);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('int32');
    expect(z.toArray()).toEqual([[0, 0, 0]]);
    expect(onesLike(tensor([true, false])).toArray()).toEqual([true, true]);
    expect(fullLike(i, 2.9).toArray()).toEqual([[2, 2, 2]]); // int32 truncates
    expect(fullLike(i, 2.5, { dtype: 'float64' }).toArray()).toEqual([[2.5, 2.5, 2.5]]);
    expect(fullLike(i, 2.5, { dtype: 'float64' }).dtype).toBe('float64');
    const g = tensor([1, 2], { requiresGrad: true });
    expect(zerosLike(g).requiresGrad).toBe(false);
    expect(onesLike(g, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(zerosLike(g).data).not.toBe(g.data);
  });
});

describe('ranges: arange and linspace', () => {
  it('arange(n) is 0..n-1 in float32', () => {
    const x = arange(5);
    expect(x.dtype).toBe('float32');
    expect(x.toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(0).toArray()).toEqual([]);
  });

  it('arange(start, end) and integer steps', () => {
    expect(arange(2, 6).toArray()).toEqual([2, 3, 4, 5]);
    expect(arange(-3, 3, 2).toArray()).toEqual([-3, -1, 1]);
    expect(arange(0, 10, 3).toArray()).toEqual([0, 3, 6, 9]);
    expect(arange(0, 5, 2, { dtype: 'int32' }).toArray()).toEqual([0, 2, 4]);
    expect(arange(0, 5, 2, { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('fractional steps: the end is excluded, the count is ceil((end − start)/step)', () => {
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(0, 1, 0.5, { dtype: 'float64' }).toArray()).toEqual([0, 0.5]);
    const tenths = arange(0, 1, 0.1, { dtype: 'float64' });
    expect(tenths.shape).toEqual([10]);
    (tenths.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(i / 10, 12));
    expect(arange(0, 0.3, 0.1, { dtype: 'float64' }).toArray()).toEqual([0, 0.1, 0.2]);
    expect(arange(0, 1, 0.3).toArray()).toEqual(f32([0, 0.3, 0.6, 0.8999999999999999]));
  });

  it('negative steps count down; a step in the wrong direction gives an empty tensor', () => {
    expect(arange(5, 0, -1).toArray()).toEqual([5, 4, 3, 2, 1]);
    expect(arange(1, -1, -0.5).toArray()).toEqual([1, 0.5, 0, -0.5]);
    expect(arange(0, -7, -3, { dtype: 'int32' }).toArray()).toEqual([0, -3, -6]);
    expect(arange(5, 0).shape).toEqual([0]);
    expect(arange(0, 5, -1).shape).toEqual([0]);
  });

  it('arange with requiresGrad', () => {
    expect(arange(3, undefined, 1, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('linspace includes both ends', () => {
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(-1, 1, 3).toArray()).toEqual([-1, 0, 1]);
    expect(linspace(1, -1, 5, { dtype: 'float64' }).toArray()).toEqual([1, 0.5, 0, -0.5, -1]);
    expect(linspace(0, 1, 0).toArray()).toEqual([]);
    expect(linspace(0, 1, 2).toArray()).toEqual([0, 1]);
    expect(linspace(0, 10, 4, { dtype: 'int32' }).toArray()).toEqual([0, 3, 6, 10]);
    expect(linspace(0, 1, 5).dtype).toBe('float32');
  });

  it('linspace ends exactly at end even when the steps do not add up in floating point', () => {
    const x = linspace(0, 0.3, 4, { dtype: 'float64' }).toArray() as number[];
    expect(x[3]).toBe(0.3);
    expect(x[1]).toBeCloseTo(0.1, 15);
    expect(x[2]).toBeCloseTo(0.2, 15);
  });
});

describe('random: rand, randn, randint', () => {
  it('manualSeed makes the global draws reproducible', () => {
    manualSeed(0);
    const a = rand([5]).toArray();
    const b = randn([2, 3]).toArray();
    const c = randint(0, 100, [4]).toArray();
    manualSeed(0);
    expect(rand([5]).toArray()).toEqual(a);
    expect(randn([2, 3]).toArray()).toEqual(b);
    expect(randint(0, 100, [4]).toArray()).toEqual(c);
    manualSeed(1);
    expect(rand([5]).toArray()).not.toEqual(a);
  });

  it('rand/randn/randint draw from the generator in order (float32 takes 24-bit draws, float64 53-bit ones)', () => {
    manualSeed(123);
    const x = rand([4]);
    const ref = new Generator(123);
    expect(x.toArray()).toEqual(Array.from({ length: 4 }, () => ref.randomFloat32()));
    expect(rand([2], { dtype: 'float64', generator: new Generator(5) }).toArray()).toEqual([new Generator(5).random(), (() => {
      const g = new Generator(5);
      g.random();
      return g.random();
    })()]);
    const y = randn([3], { dtype: 'float64' });
    expect(y.toArray()).toEqual(Array.from({ length: 3 }, () => ref.normal()));
    const k = randint(-5, 5, [6]);
    expect(k.toArray()).toEqual(Array.from({ length: 6 }, () => ref.randint(-5, 5)));
  });

  it('an explicit Generator gives the same numbers as a fresh one with its seed, and leaves the global one alone', () => {
    const before = defaultGenerator.getState();
    const a = rand([3, 2], { generator: new Generator(7) });
    const b = rand([3, 2], { generator: new Generator(7) });
    expect(a.toArray()).toEqual(b.toArray());
    expect(a.shape).toEqual([3, 2]);
    const g = new Generator(7);
    const c = randn([4], { generator: g, dtype: 'float64' });
    const d = randn([4], { generator: g, dtype: 'float64' });
    expect(c.toArray()).not.toEqual(d.toArray()); // the generator advanced
    const ref = new Generator(7);
    expect([...(c.toArray() as number[]), ...(d.toArray() as number[])]).toEqual(Array.from({ length: 8 }, () => ref.normal()));
    randint(0, 3, [5], { generator: new Generator(1) });
    expect(defaultGenerator.getState()).toEqual(before);
  });

  it('rand is float32 in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12', () => {
    const x = rand([10000], { generator: new Generator(2024) });
    expect(x.dtype).toBe('float32');
    const v = Array.from(x.toTypedArray());
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThan(1);
    const mean = v.reduce((s, a) => s + a, 0) / v.length;
    const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.005);
    // each tenth of [0, 1) gets about 1000 samples
    const bins = new Array<number>(10).fill(0);
    for (const a of v) bins[Math.floor(a * 10)]!++;
    for (const b of bins) expect(Math.abs(b - 1000)).toBeLessThan(150);
  });

  it('randn has mean ≈ 0 and std ≈ 1 on 10k samples', () => {
    const x = randn([100, 100], { generator: new Generator(99), dtype: 'float64' });
    expect(x.dtype).toBe('float64');
    const v = Array.from(x.toTypedArray());
    const mean = v.reduce((s, a) => s + a, 0) / v.length;
    const std = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / (v.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
    // about 68% within one standard deviation
    const within = v.filter((a) => Math.abs(a) < 1).length / v.length;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.02);
    // and the tensor ops agree with the hand computation
    expect(x.mean().item()).toBeCloseTo(mean, 12);
    expect(x.std().item()).toBeCloseTo(std, 12);
  });

  it('randint is int32 in [low, high) and hits every value', () => {
    const x = randint(-3, 4, [2000], { generator: new Generator(5) });
    expect(x.dtype).toBe('int32');
    const v = Array.from(x.toTypedArray());
    expect(Math.min(...v)).toBe(-3);
    expect(Math.max(...v)).toBe(3);
    expect(new Set(v).size).toBe(7);
    expect(v.every(Number.isInteger)).toBe(true);
    expect(randint(0, 1, [5]).toArray()).toEqual([0, 0, 0, 0, 0]);
    const f = randint(0, 10, [50], { dtype: 'float64', generator: new Generator(5) });
    expect(f.dtype).toBe('float64');
    expect((f.toArray() as number[]).every((a) => Number.isInteger(a) && a >= 0 && a < 10)).toBe(true);
  });

  it('rand/randn accept float64 and requiresGrad', () => {
    const x = rand([2], { dtype: 'float64', requiresGrad: true });
    expect(x.dtype).toBe('float64');
    expect(x.requiresGrad).toBe(true);
    expect(randn(3).shape).toEqual([3]);
  });
});

describe('getting values out: toArray, toTypedArray, item', () => {
  it('toArray gives nested arrays (a number for 0-d, booleans for bool)', () => {
    expect(tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(3).toArray()).toBe(3);
    expect(tensor([[true], [false]]).toArray()).toEqual([[true], [false]]);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
  });

  it('toArray of a non-contiguous view follows the view', () => {
    const x = arange(6).reshape(2, 3);
    expect(x.t().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(x.slice(1, 0, 3, 2).toArray()).toEqual([[0, 2], [3, 5]]);
    expect(tensor([[1], [2]]).expand(2, 3).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
  });

  it('toTypedArray is a contiguous copy of the tensor dtype', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const a = x.toTypedArray();
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual([1, 2, 3, 4]);
    expect(tensor([1], { dtype: 'int32' }).toTypedArray()).toBeInstanceOf(Int32Array);
    expect(tensor([1], { dtype: 'float64' }).toTypedArray()).toBeInstanceOf(Float64Array);
    expect(tensor([true]).toTypedArray()).toBeInstanceOf(Uint8Array);
    expect(Array.from(x.t().toTypedArray())).toEqual([1, 3, 2, 4]);
  });

  it('mutating the result of toTypedArray does not change the tensor', () => {
    const x = tensor([1, 2, 3]);
    const a = x.toTypedArray();
    a[0] = 99;
    expect(x.toArray()).toEqual([1, 2, 3]);
    expect(a).not.toBe(x.data);
    // also for a contiguous view with an offset, and for a non-contiguous view
    const base = arange(6);
    const tail = base.slice(0, 2);
    const b = tail.toTypedArray();
    expect(Array.from(b)).toEqual([2, 3, 4, 5]);
    b[0] = -1;
    expect(base.toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    const m = arange(4).reshape(2, 2);
    const c = m.t().toTypedArray();
    c[1] = -7;
    expect(m.toArray()).toEqual([[0, 1], [2, 3]]);
  });

  it('item returns the single value as a number (bool as 0/1)', () => {
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor([[7]], { dtype: 'int32' }).item()).toBe(7);
    expect(tensor([false]).item()).toBe(0);
    expect(tensor(0.1).item()).toBe(Math.fround(0.1));
    expect(tensor(0.1, { dtype: 'float64' }).item()).toBe(0.1);
    // a one-element view with an offset reads the right element
    expect(arange(6).reshape(2, 3).select(0, 1).select(0, 2).item()).toBe(5);
    expect(arange(6).reshape(2, 3).t().slice(0, 2).slice(1, 1).item()).toBe(5);
  });
});

describe('copies and views', () => {
  it('clone copies into new storage (and is differentiable)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = x.clone();
    expect(c).not.toBe(x);
    expect(c.data).not.toBe(x.data);
    expect(c.toArray()).toEqual([1, 2]);
    expect(c.gradFn).toBe('clone');
    const y = tensor([1, 2]);
    const yc = y.clone();
    yc.add_(10);
    expect(y.toArray()).toEqual([1, 2]);
    expect(yc.toArray()).toEqual([11, 12]);
    expect(x.t().clone().isContiguous()).toBe(true);
  });

  it('contiguous returns the tensor itself when contiguous, else a copy', () => {
    const x = arange(6).reshape(2, 3);
    expect(x.contiguous()).toBe(x);
    const tr = x.t();
    const c = tr.contiguous();
    expect(c).not.toBe(tr);
    expect(c.isContiguous()).toBe(true);
    expect(c.data).not.toBe(x.data);
    expect(c.strides).toEqual([2, 1]);
    expect(c.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    noGrad(() => c.fill_(0));
    expect(x.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('detach shares storage, is a leaf and does not require grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.gradFn).toBeNull();
    expect(d.data).toBe(y.data);
    const dx = x.detach();
    expect(dx.data).toBe(x.data);
    noGrad(() => dx.add_(10));
    expect(x.toArray()).toEqual([11, 12]); // the write through the detached view shows in x
    expect(x.version).toBe(1); // shared version counter
    expect(dx.version).toBe(1);
    dx.mul_(2); // dx does not require grad: allowed even with grad mode on
    expect(x.toArray()).toEqual([22, 24]);
  });

  it('reshape/view/transpose/permute/slice/expand/squeeze/unsqueeze of a contiguous tensor share storage', () => {
    const base = arange(12).reshape(3, 4);
    const views = {
      reshape: base.reshape(4, 3),
      view: base.view(2, 6),
      flatten: base.flatten(),
      transpose: base.transpose(0, 1),
      t: base.t(),
      permute: base.permute(1, 0),
      slice: base.slice(1, 1, 3),
      narrow: base.narrow(0, 1, 2),
      select: base.select(0, 2),
      expand: base.unsqueeze(0).expand(2, 3, 4),
      unsqueeze: base.unsqueeze(1),
      squeeze: base.unsqueeze(0).squeeze(0),
      split0: base.split(2)[1]!,
      chunk1: base.chunk(2, 1)[1]!,
    };
    for (const [name, v] of Object.entries(views)) {
      expect(v.data, name).toBe(base.data);
    }
    expect(views.slice.offset).toBe(1);
    expect(views.select.offset).toBe(8);
    expect(views.expand.strides).toEqual([0, 4, 1]);
  });

  it('an in-place write through one view is visible in the others', () => {
    const base = arange(6).reshape(2, 3);
    const tr = base.t();
    const row = base.select(0, 1);
    const ex = base.unsqueeze(0).expand(2, 2, 3);
    tr.select(0, 2).fill_(-1); // column 2 of base
    expect(base.toArray()).toEqual([[0, 1, -1], [3, 4, -1]]);
    row.add_(100);
    expect(base.toArray()).toEqual([[0, 1, -1], [103, 104, 99]]);
    expect(tr.toArray()).toEqual([[0, 103], [1, 104], [-1, 99]]);
    expect(ex.toArray()).toEqual([[[0, 1, -1], [103, 104, 99]], [[0, 1, -1], [103, 104, 99]]]);
    base.slice(1, 0, 3, 2).mul_(2); // columns 0 and 2
    expect(tr.toArray()).toEqual([[0, 206], [1, 104], [-2, 198]]);
    expect(base.reshape(6).toArray()).toEqual([0, 1, -2, 206, 104, 198]);
    expect(base.version).toBe(3);
    expect(tr.version).toBe(3);
  });

  it('isContiguous: false after transpose, strided slice and expand; true after contiguous()', () => {
    const x = arange(6).reshape(2, 3);
    expect(x.isContiguous()).toBe(true);
    expect(x.t().isContiguous()).toBe(false);
    expect(x.t().strides).toEqual([1, 3]);
    expect(x.slice(1, 0, 3, 2).isContiguous()).toBe(false);
    expect(x.slice(0, 1).isContiguous()).toBe(true); // rows: contiguous with an offset
    expect(tensor([[1], [2]]).expand(2, 3).isContiguous()).toBe(false);
    expect(x.t().contiguous().isContiguous()).toBe(true);
    expect(x.t().t().isContiguous()).toBe(true);
  });

  it('reshape of a non-viewable layout copies', () => {
    const x = arange(6).reshape(2, 3);
    const r = x.t().reshape(6);
    expect(r.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(r.data).not.toBe(x.data);
    expect(r.isContiguous()).toBe(true);
  });
});

describe('dtype conversions: to, float, double, int, bool', () => {
  it('float → int32 truncates toward zero', () => {
    const x = tensor([1.7, -1.7, 2.5, -0.5, 0.99, 3]).int();
    expect(x.dtype).toBe('int32');
    expect(x.toArray()).toEqual([1, -1, 2, 0, 0, 3]);
    expect(tensor([-2.9], { dtype: 'float64' }).to('int32').toArray()).toEqual([-2]);
  });

  it('→ bool is x != 0 (NaN is true)', () => {
    const b = tensor([0, -0, 0.1, NaN, -2, Infinity]).bool();
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([false, false, true, true, true, true]);
    expect(tensor([0, 5, -1], { dtype: 'int32' }).bool().toArray()).toEqual([false, true, true]);
  });

  it('bool → numbers gives 0/1; int32 → float; float32 ↔ float64', () => {
    expect(tensor([true, false]).float().toArray()).toEqual([1, 0]);
    expect(tensor([true, false]).int().toArray()).toEqual([1, 0]);
    expect(tensor([true, false]).double().dtype).toBe('float64');
    expect(tensor([1, -2], { dtype: 'int32' }).double().toArray()).toEqual([1, -2]);
    expect(tensor([0.1]).double().toArray()).toEqual(f32([0.1])); // float32 rounding is kept
    expect(tensor([0.1], { dtype: 'float64' }).float().toArray()).toEqual(f32([0.1]));
    expect(tensor([16777217], { dtype: 'int32' }).float().toArray()).toEqual([16777216]); // 2^24 + 1 rounds in float32
  });

  it('to() the same dtype returns the tensor itself; otherwise a new tensor with its own storage', () => {
    const x = tensor([1, 2]);
    expect(x.to('float32')).toBe(x);
    expect(x.float()).toBe(x);
    const d = x.double();
    expect(d).not.toBe(x);
    expect(d.data).not.toBe(x.data);
    expect(d.shape).toEqual([2]);
    expect(x.t().int().toArray()).toEqual([1, 2]);
    expect(arange(4).reshape(2, 2).t().to('int32').toArray()).toEqual([[0, 2], [1, 3]]);
  });

  it('gradients flow between floating dtypes; conversions to int32/bool are cut from the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.double();
    expect(d.requiresGrad).toBe(true);
    expect(d.gradFn).toBe('to');
    d.mul(3).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([3, 3]);
    expect(x.int().requiresGrad).toBe(false);
    expect(x.bool().requiresGrad).toBe(false);
  });
});

describe('dtype promotion of binary ops', () => {
  const i32 = (xs: number[]): Tensor => tensor(xs, { dtype: 'int32' });
  const f64 = (xs: number[]): Tensor => tensor(xs, { dtype: 'float64' });

  it('promoteTypes: bool < int32 < float32 < float64', () => {
    expect(promoteTypes('int32', 'float32')).toBe('float32');
    expect(promoteTypes('float32', 'float64')).toBe('float64');
    expect(promoteTypes('bool', 'int32')).toBe('int32');
    expect(promoteTypes('float64', 'bool')).toBe('float64');
    expect(promoteTypes('bool', 'bool')).toBe('bool');
    for (const a of DTYPES) for (const b of DTYPES) expect(promoteTypes(a, b)).toBe(promoteTypes(b, a));
  });

  it('two tensors promote to the larger dtype', () => {
    const r1 = add(i32([1, 2]), tensor([0.5, 0.5]));
    expect(r1.dtype).toBe('float32');
    expect(r1.toArray()).toEqual([1.5, 2.5]);
    const r2 = add(tensor([0.1]), f64([0.2]));
    expect(r2.dtype).toBe('float64');
    expect(r2.toArray()).toEqual([Math.fround(0.1) + 0.2]);
    const r3 = add(tensor([true, false]), i32([10, 10]));
    expect(r3.dtype).toBe('int32');
    expect(r3.toArray()).toEqual([11, 10]);
    expect(mul(tensor([true, false]), tensor([2.5, 2.5])).dtype).toBe('float32');
    expect(sub(i32([5]), f64([0.5])).toArray()).toEqual([4.5]);
    expect(maximum(i32([1, 5]), tensor([2.5, 2.5])).toArray()).toEqual([2.5, 5]);
    expect(minimum(i32([1, 5]), i32([3, 3])).dtype).toBe('int32');
  });

  it('a number keeps the tensor dtype within its category', () => {
    const f = add(tensor([1]), 2.5);
    expect(f.dtype).toBe('float32');
    expect(f.toArray()).toEqual([3.5]);
    expect(mul(f64([1]), 3).dtype).toBe('float64');
    const i = add(i32([1, 2]), 3);
    expect(i.dtype).toBe('int32');
    expect(i.toArray()).toEqual([4, 5]);
    expect(sub(10, i32([1, 2])).toArray()).toEqual([9, 8]);
    expect(sub(10, i32([1, 2])).dtype).toBe('int32');
    expect(mul(i32([3]), -2).toArray()).toEqual([-6]);
  });

  it('a number lifts the category when needed: int32 + 2.5 → float32, bool + 3 → int32, bool + 2.5 → float32', () => {
    const a = add(i32([1, 2]), 2.5);
    expect(a.dtype).toBe('float32');
    expect(a.toArray()).toEqual([3.5, 4.5]);
    const b = add(tensor([true, false]), 3);
    expect(b.dtype).toBe('int32');
    expect(b.toArray()).toEqual([4, 3]);
    const c = add(tensor([true, false]), 2.5);
    expect(c.dtype).toBe('float32');
    expect(c.toArray()).toEqual([3.5, 2.5]);
    expect(pow(i32([4, 9]), 0.5).toArray()).toEqual([2, 3]);
    expect(pow(i32([4, 9]), 0.5).dtype).toBe('float32');
  });

  it('division is true division: int32 / int32 → float32', () => {
    const q = div(i32([1, 7, -7]), i32([2, 2, 2]));
    expect(q.dtype).toBe('float32');
    expect(q.toArray()).toEqual([0.5, 3.5, -3.5]);
    expect(div(i32([1]), 4).toArray()).toEqual([0.25]);
    expect(div(tensor([true]), tensor([true])).dtype).toBe('float32');
    expect(div(f64([1]), i32([3])).dtype).toBe('float64');
  });

  it('two bools: add is OR, mul is AND (bool result)', () => {
    const a = tensor([true, true, false, false]);
    const b = tensor([true, false, true, false]);
    expect(add(a, b).dtype).toBe('bool');
    expect(add(a, b).toArray()).toEqual([true, true, true, false]);
    expect(mul(a, b).toArray()).toEqual([true, false, false, false]);
  });

  it('comparisons give bool, comparing in the promoted dtype', () => {
    const x = tensor([1, 2, 3]);
    const cases: [Tensor, boolean[]][] = [
      [eq(x, 2), [false, true, false]],
      [ne(x, 2), [true, false, true]],
      [lt(x, 2), [true, false, false]],
      [le(x, 2), [true, true, false]],
      [gt(x, 2), [false, false, true]],
      [ge(x, 2), [false, true, true]],
      [eq(tensor([1, 2], { dtype: 'int32' }), tensor([1, 2.5])), [true, false]],
      [lt(tensor([1], { dtype: 'int32' }), 1.5), [true]],
      [eq(tensor([0.1]), tensor([0.1], { dtype: 'float64' })), [false]], // float32(0.1) != float64(0.1)
    ];
    for (const [r, want] of cases) {
      expect(r.dtype).toBe('bool');
      expect(r.toArray()).toEqual(want);
    }
  });
});

describe('creation edge cases found in review', () => {
  it('linspace(start, end, 1) gives [start], as PyTorch and NumPy', () => {
    expect(linspace(3, 7, 1).toArray()).toEqual([3]);
  });

  it('rand() in float32 stays below 1 even for the largest 53-bit draws (24-bit draws)', () => {
    const g = new Generator().setState({ s: [0, 2199679431, 0, 1], spareNormal: null });
    const u = rand([64], { generator: g }).toTypedArray();
    expect(Math.max(...u)).toBeLessThan(1);
  });
});

describe('Tensor.fromData', () => {
  it('wraps a typed array of the right kind and length without copying', () => {
    const data = new Int32Array([1, 2, 3, 4, 5, 6]);
    const t = Tensor.fromData(data, [2, 3], 'int32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(t.data).toBe(data);
    expect(Tensor.fromData(new Uint8Array([1, 0]), [2], 'bool').toArray()).toEqual([true, false]);
    expect(Tensor.fromData(new Float64Array([2.5]), [], 'float64').item()).toBe(2.5);
    expect(Tensor.fromData(new Float32Array(0), [0, 3], 'float32').shape).toEqual([0, 3]);
  });

  it('rejects a buffer of the wrong length for the shape (ShapeError)', () => {
    expectError(() => Tensor.fromData(new Float32Array(3), [2, 2], 'float32'), ShapeError,
      '[Tensor.fromData] data of length 3 does not fit shape [2,2] (4 elements)');
    expectError(() => Tensor.fromData(new Float32Array(2), [], 'float32'), ShapeError,
      '[Tensor.fromData] data of length 2 does not fit shape [] (1 element)');
    expectError(() => Tensor.fromData(new Float32Array(4), [2, -2], 'float32'), ShapeError,
      '[Tensor.fromData] shape must be a list of non-negative integers, got [2,-2]');
  });

  it('rejects a typed array of the wrong kind for the dtype (DTypeError)', () => {
    expectError(() => Tensor.fromData(new Float32Array(4) as never, [2, 2], 'int32'), DTypeError,
      '[Tensor.fromData] dtype int32 needs data of type Int32Array, got Float32Array (length 4) for shape [2,2]');
    expectError(() => Tensor.fromData(new Float64Array(2) as never, [2], 'float32'), DTypeError,
      '[Tensor.fromData] dtype float32 needs data of type Float32Array, got Float64Array (length 2) for shape [2]');
    expectError(() => Tensor.fromData(new Int32Array(2) as never, [2], 'bool'), DTypeError,
      '[Tensor.fromData] dtype bool needs data of type Uint8Array, got Int32Array (length 2) for shape [2]');
    expectError(() => Tensor.fromData([1, 2] as never, [2], 'float32'), DTypeError,
      '[Tensor.fromData] dtype float32 needs data of type Float32Array, got [1,2] for shape [2]');
    expectError(() => Tensor.fromData(new Float32Array(2), [2], 'float16' as never), DTypeError,
      '[Tensor.fromData] unknown dtype "float16"; expected one of bool, int32, float32, float64');
  });
});
