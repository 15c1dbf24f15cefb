import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, Generator, manualSeed } from '../src/index.js';
import {
  MNIST_CLASS_COUNTS, MNIST_SIZES, MNIST_SPLIT_SEED, MNIST_STATS, loadMnist, type MnistSplit,
} from '../src/index.js';
import { importOptional } from '../src/data/optional-import.js';

type Split = { train: MnistSplit; test: MnistSplit };

/** The package itself, read directly as the oracle for the canonical order. */
const pkg = createRequire(import.meta.url)('mnist') as { raw: number[]; length: number }[];

/** Every digit of the package in canonical order (class 0 as stored, then class 1, ...). */
function canonical(): { pixels: number[][]; labels: number[] } {
  const pixels: number[][] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < pkg[d]!.length; i++) {
      pixels.push(pkg[d]!.raw.slice(i * 784, (i + 1) * 784));
      labels.push(d);
    }
  }
  return { pixels, labels };
}

/** A cheap content key of image `row` of a [n, ...] float32 tensor. */
function imageKey(images: Float32Array, row: number): string {
  let h = 2166136261;
  for (let k = row * 784; k < (row + 1) * 784; k++) h = Math.imul(h ^ Math.round(images[k]! * 1000), 16777619);
  return String(h >>> 0);
}

/** Byte-for-byte equality of two typed arrays (vitest's deep equality is slow on millions of elements). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function classCounts(labels: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const v of labels) counts[v]! += 1;
  return counts;
}

let first: Split;
let second: Split;

beforeAll(async () => {
  first = await loadMnist();
  manualSeed(12345); // the split must not depend on the global generator
  second = await loadMnist();
});

describe('loadMnist', () => {
  it('holds the 10,000 digits split 8,000 / 2,000 with the documented shapes and dtypes', () => {
    expect(MNIST_SIZES).toEqual({ total: 10000, train: 8000, test: 2000 });
    expect(first.train.images.shape).toEqual([8000, 1, 28, 28]);
    expect(first.train.images.dtype).toBe('float32');
    expect(first.train.labels.shape).toEqual([8000]);
    expect(first.train.labels.dtype).toBe('int32');
    expect(first.test.images.shape).toEqual([2000, 1, 28, 28]);
    expect(first.test.labels.shape).toEqual([2000]);
  });

  it('labels are 0..9 and pixels lie in [0, 1], reaching both ends', () => {
    for (const split of [first.train, first.test]) {
      const labels = split.labels.data as Int32Array;
      expect(Math.min(...labels)).toBe(0);
      expect(Math.max(...labels)).toBe(9);
      const pixels = split.images.data as Float32Array;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of pixels) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect([lo, hi]).toEqual([0, 1]);
    }
  });

  it('train and test are disjoint and together are every digit of the package', () => {
    const trainKeys = new Set(Array.from({ length: 8000 }, (_, i) => imageKey(first.train.images.data as Float32Array, i)));
    const testKeys = Array.from({ length: 2000 }, (_, i) => imageKey(first.test.images.data as Float32Array, i));
    expect(trainKeys.size).toBe(8000);
    expect(new Set(testKeys).size).toBe(2000);
    expect(testKeys.filter((k) => trainKeys.has(k))).toEqual([]);
    const { pixels } = canonical();
    const all = new Set(pixels.map((p) => imageKey(Float32Array.from(p), 0)));
    expect(all.size).toBe(10000);
    expect([...trainKeys, ...testKeys].every((k) => all.has(k))).toBe(true);
  });

  it('is the documented split: permutation of Generator(MNIST_SPLIT_SEED), first 8,000 train', () => {
    expect(MNIST_SPLIT_SEED).toBe(1998);
    const perm = new Generator(MNIST_SPLIT_SEED).permutation(10000);
    const { pixels, labels } = canonical();
    const trainImages = first.train.images.data as Float32Array;
    const testImages = first.test.images.data as Float32Array;
    for (const row of [0, 1, 2, 4321, 7999]) {
      expect(Array.from(trainImages.subarray(row * 784, (row + 1) * 784))).toEqual(Array.from(Float32Array.from(pixels[perm[row]!]!)));
    }
    for (const row of [0, 1999]) {
      expect(Array.from(testImages.subarray(row * 784, (row + 1) * 784))).toEqual(Array.from(Float32Array.from(pixels[perm[8000 + row]!]!)));
    }
    expect(Array.from(first.train.labels.data)).toEqual(perm.slice(0, 8000).map((i) => labels[i]));
    expect(Array.from(first.test.labels.data)).toEqual(perm.slice(8000).map((i) => labels[i]));
  });

  it('pins the split: the same first labels and class counts on every machine', () => {
    expect(Array.from(first.train.labels.data.subarray(0, 10))).toEqual([7, 8, 2, 5, 1, 7, 8, 8, 3, 2]);
    expect(Array.from(first.test.labels.data.subarray(0, 10))).toEqual([0, 4, 8, 1, 8, 4, 1, 0, 3, 2]);
    expect(classCounts(first.train.labels.data as Int32Array)).toEqual([808, 908, 794, 819, 801, 680, 798, 860, 761, 771]);
    expect(classCounts(first.test.labels.data as Int32Array)).toEqual([193, 219, 197, 213, 179, 183, 216, 210, 183, 207]);
    expect(MNIST_CLASS_COUNTS.train).toEqual([808, 908, 794, 819, 801, 680, 798, 860, 761, 771]);
    expect(MNIST_CLASS_COUNTS.test).toEqual([193, 219, 197, 213, 179, 183, 216, 210, 183, 207]);
  });

  it('gives the identical split on a second load, in new tensors', () => {
    expect(sameBytes(second.train.labels.data, first.train.labels.data)).toBe(true);
    expect(sameBytes(second.test.labels.data, first.test.labels.data)).toBe(true);
    expect(sameBytes(second.train.images.data, first.train.images.data)).toBe(true);
    expect(sameBytes(second.test.images.data, first.test.images.data)).toBe(true);
    expect(sameBytes(second.test.images.data, first.train.images.data.subarray(0, 2000 * 784))).toBe(false);
    expect(second.train.images.data === first.train.images.data).toBe(false); // not .not.toBe: vitest deep-compares big arrays for it
    second.train.images.data[0] = 0.5; // a new buffer per load: writing to one does not change the other
    expect(first.train.images.data[0]).toBe(0);
  });

  it('flattens to [n, 784] and normalises with the training statistics', async () => {
    const flat = await loadMnist({ flatten: true, normalize: true });
    expect(flat.train.images.shape).toEqual([8000, 784]);
    expect(flat.test.images.shape).toEqual([2000, 784]);
    const raw = first.train.images.data as Float32Array;
    const norm = flat.train.images.data as Float32Array;
    expect(norm[300]).toBeCloseTo((raw[300]! - MNIST_STATS.mean) / MNIST_STATS.std, 5);
    let sum = 0;
    let sq = 0;
    for (const v of norm) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / norm.length;
    expect(mean).toBeCloseTo(0, 3);
    expect(Math.sqrt(sq / norm.length - mean * mean)).toBeCloseTo(1, 3);
    const custom = await loadMnist({ normalize: { mean: 0.5, std: 0.5 } });
    const c = custom.test.images.data as Float32Array;
    const r = first.test.images.data as Float32Array;
    expect([c[0], c[1000]]).toEqual([Math.fround((r[0]! - 0.5) / 0.5), Math.fround((r[1000]! - 0.5) / 0.5)]);
  });

  it('rejects bad options and explains a missing package', async () => {
    await expect(loadMnist({ normalize: { mean: 0, std: 0 } })).rejects.toThrow('[loadMnist] normalize.std must be a positive number, got 0');
    await expect(loadMnist({ flatten: 'yes' as never })).rejects.toThrow(ArgumentError);
    await expect(loadMnist({ normalize: 'z' as never })).rejects.toThrow('[loadMnist] normalize must be a boolean or { mean, std }');
    const missing = importOptional('nabla-no-such-package', 'loadMnist', 'npm i -D nabla-no-such-package');
    // importOptional is internal (imported from its module): compare by name, not by the barrel's class
    await expect(missing).rejects.toHaveProperty('name', 'DependencyError');
    await expect(missing).rejects.toThrow('[loadMnist] could not load the optional package "nabla-no-such-package"; install it with npm i -D nabla-no-such-package');
  });
});
