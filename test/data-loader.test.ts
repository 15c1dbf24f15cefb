import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, Generator, ShapeError, Tensor, arange, manualSeed, tensor } from '../src/index.js';
import { DataLoader, Subset, TensorDataset, defaultCollate, randomSplit, type Dataset } from '../src/index.js';

/** A dataset whose i-th sample is the number i. */
const numbers = (n: number): Dataset<number> => ({ length: n, get: (i) => i });
const identity = (samples: number[]): number[] => samples;

describe('TensorDataset', () => {
  const x = arange(12).reshape(6, 2);
  const y = tensor([0, 1, 0, 1, 1, 0], { dtype: 'int32' });

  it('get(i) returns the i-th row of each tensor', () => {
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [xi, yi] = ds.get(4);
    expect(xi.toArray()).toEqual([8, 9]);
    expect(yi.shape).toEqual([]);
    expect(yi.item()).toBe(1);
    expect(yi.dtype).toBe('int32');
  });

  it('getBatch selects rows of each tensor with their dtypes', () => {
    const [xb, yb] = new TensorDataset(x, y).getBatch([5, 0, 5]);
    expect(xb.toArray()).toEqual([[10, 11], [0, 1], [10, 11]]);
    expect(yb.toArray()).toEqual([0, 0, 0]);
    expect(yb.dtype).toBe('int32');
  });

  it('checks the first dims, the tensors and the indices', () => {
    expect(() => new TensorDataset(x, tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => new TensorDataset(x, tensor([1, 2, 3]))).toThrow('[TensorDataset] every tensor needs the same first dim: tensors[0] has shape [6,2] but tensors[1] has [3]');
    expect(() => new TensorDataset()).toThrow(ArgumentError);
    expect(() => new TensorDataset(tensor(1))).toThrow(ShapeError);
    expect(() => new TensorDataset([1, 2] as unknown as Tensor)).toThrow('[TensorDataset] tensors[0] must be a Tensor');
    expect(() => new TensorDataset(x).get(6)).toThrow('[TensorDataset.get] index must be an integer in [0, 6), got 6');
    expect(() => new TensorDataset(x).getBatch([0, -1])).toThrow('[TensorDataset.getBatch] indices[1] must be an integer in [0, 6), got -1');
  });
});

describe('Subset and randomSplit', () => {
  it('Subset maps indices and forwards getBatch', () => {
    const sub = new Subset(new TensorDataset(arange(10)), [7, 2, 9]);
    expect(sub.length).toBe(3);
    expect(sub.get(1)[0].item()).toBe(2);
    expect((sub.getBatch([2, 0]) as Tensor[])[0]!.toArray()).toEqual([9, 7]);
    expect(() => new Subset(numbers(3), [0, 3])).toThrow('[Subset] indices[1] must be an integer in [0, 3), got 3');
    expect(() => new Subset(numbers(3), [0]).getBatch([0])).toThrow('[Subset.getBatch] the underlying dataset has no getBatch method');
  });

  it('splits by lengths into disjoint subsets covering the dataset', () => {
    const parts = randomSplit(numbers(10), [3, 7], { generator: new Generator(0) });
    expect(parts.map((p) => p.length)).toEqual([3, 7]);
    const all = parts.flatMap((p) => Array.from({ length: p.length }, (_, i) => p.get(i)));
    expect(all.slice().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // the pieces are consecutive slices of one permutation from the generator
    expect(all).toEqual(new Generator(0).permutation(10));
  });

  it('turns fractions into sizes as PyTorch does (floor, then the remainder round-robin)', () => {
    const sizes = (n: number, f: number[]): number[] => randomSplit(numbers(n), f, { generator: new Generator(1) }).map((p) => p.length);
    expect(sizes(10, [0.33, 0.33, 0.34])).toEqual([4, 3, 3]);
    expect(sizes(5, [0.5, 0.5])).toEqual([3, 2]);
    expect(sizes(100, [0.8, 0.2])).toEqual([80, 20]);
    expect(sizes(7, [0.1, 0.1, 0.8])).toEqual([1, 1, 5]);
  });

  it('is reproducible with a seed and different across seeds', () => {
    const indicesOf = (seed: number): number[] => randomSplit(numbers(50), [0.5, 0.5], { generator: new Generator(seed) })[0]!.indices.slice();
    expect(indicesOf(3)).toEqual(indicesOf(3));
    expect(indicesOf(3)).not.toEqual(indicesOf(4));
    manualSeed(11);
    const a = randomSplit(numbers(20), [10, 10])[0]!.indices.slice();
    manualSeed(11);
    expect(randomSplit(numbers(20), [10, 10])[0]!.indices).toEqual(a);
  });

  it('rejects lengths that do not fit', () => {
    expect(() => randomSplit(numbers(10), [3, 6])).toThrow('[randomSplit] lengths [3,6] sum to 9, but the dataset has 10 samples');
    expect(() => randomSplit(numbers(10), [0.5, 0.4])).toThrow(ArgumentError);
    expect(() => randomSplit(numbers(10), [-1, 11])).toThrow('[randomSplit] lengths must be non-negative finite numbers');
    expect(() => randomSplit(numbers(10), [])).toThrow(ArgumentError);
  });
});

describe('defaultCollate', () => {
  it('stacks tensors, tensors numbers, and recurses into tuples and objects', () => {
    const batch = defaultCollate([
      [tensor([1, 2]), 0, { id: 'a', w: true }],
      [tensor([3, 4]), 1, { id: 'b', w: false }],
    ] as [Tensor, number, { id: string; w: boolean }][]);
    const [x, y, meta] = batch;
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(y.toArray()).toEqual([0, 1]);
    expect(y.dtype).toBe('float32');
    expect(meta.id).toEqual(['a', 'b']);
    expect(meta.w.dtype).toBe('bool');
    expect(meta.w.toArray()).toEqual([true, false]);
  });

  it('keeps int32 scalar tensors int32', () => {
    const y = defaultCollate([tensor(3, { dtype: 'int32' }), tensor(1, { dtype: 'int32' })]);
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([3, 1]);
  });

  it('names the sample and the path of a mismatch', () => {
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(
      '[defaultCollate] tensors at sample must have equal shapes to be stacked: sample 0 has [2], sample 1 has [3]');
    expect(() => defaultCollate([[1, 'a'], [2, 3]])).toThrow('[defaultCollate] sample 1 at sample[1] must be a string like sample 0, got 3');
    expect(() => defaultCollate([{ a: 1 }, { b: 1 }])).toThrow(ShapeError);
    expect(() => defaultCollate([null])).toThrow('[defaultCollate] cannot collate null at sample; pass a collate function');
    expect(() => defaultCollate([])).toThrow(ArgumentError);
  });
});

describe('DataLoader', () => {
  it('covers every index exactly once per epoch, for any size, batch size and flags', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 17 }), fc.boolean(), fc.boolean(), fc.nat(1000),
      (n, batchSize, shuffle, dropLast, seed) => {
        const loader = new DataLoader(numbers(n), { batchSize, shuffle, dropLast, collate: identity, generator: new Generator(seed) });
        const batches = [...loader];
        expect(batches.length).toBe(loader.length);
        expect(batches.every((b) => b.length === batchSize || (!dropLast && b === batches[batches.length - 1]))).toBe(true);
        const seen = batches.flat();
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.length).toBe(dropLast ? n - (n % batchSize) : n);
        if (!shuffle) expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i));
        if (!dropLast) expect(seen.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }));
  });

  it('has ceil(n/b) batches, the last one partial, or floor(n/b) with dropLast', () => {
    const keep = new DataLoader(numbers(10), { batchSize: 4, collate: identity });
    expect(keep.length).toBe(3);
    expect([...keep]).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const drop = new DataLoader(numbers(10), { batchSize: 4, dropLast: true, collate: identity });
    expect(drop.length).toBe(2);
    expect([...drop]).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(numbers(3), { batchSize: 5, dropLast: true }).length).toBe(0);
    expect(new DataLoader(numbers(3)).length).toBe(3);
  });

  it('reshuffles every epoch, reproducibly with a seeded generator', () => {
    const epochs = (seed: number): number[][][] => {
      const loader = new DataLoader(numbers(20), { batchSize: 5, shuffle: true, collate: identity, generator: new Generator(seed) });
      return [[...loader], [...loader], [...loader]];
    };
    const a = epochs(5);
    expect(epochs(5)).toEqual(a);
    expect(a[0]).not.toEqual(a[1]);
    expect(a[1]).not.toEqual(a[2]);
    expect(epochs(6)[0]).not.toEqual(a[0]);
    // the order is the generator's permutation
    expect(a[0]!.flat()).toEqual(new Generator(5).permutation(20));
  });

  it('shuffles with the global generator by default (manualSeed makes it reproducible)', () => {
    manualSeed(21);
    const a = [...new DataLoader(numbers(12), { batchSize: 12, shuffle: true, collate: identity })];
    manualSeed(21);
    expect([...new DataLoader(numbers(12), { batchSize: 12, shuffle: true, collate: identity })]).toEqual(a);
  });

  it('collates tuples of tensors and numbers by default', () => {
    const ds: Dataset<[Tensor, number]> = { length: 5, get: (i) => [tensor([i, 10 * i]), i % 2] };
    const batches = [...new DataLoader(ds, { batchSize: 2 })];
    expect(batches.length).toBe(3);
    const [x, y] = batches[1]!;
    expect(x.toArray()).toEqual([[2, 20], [3, 30]]);
    expect(y.toArray()).toEqual([0, 1]);
    expect(batches[2]![0].shape).toEqual([1, 2]);
  });

  it('uses getBatch (one indexSelect per tensor) instead of get when there is no custom collate', () => {
    const x = arange(20).reshape(10, 2);
    const y = arange(10, 0, -1, { dtype: 'int32' });
    const ds = new TensorDataset(x, y);
    const get = vi.spyOn(ds, 'get');
    const fast = [...new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(2) })];
    expect(get).not.toHaveBeenCalled();
    const slow = [...new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(2), collate: defaultCollate })];
    expect(get).toHaveBeenCalledTimes(10);
    expect(fast.map(([a, b]) => [a.toArray(), b.toArray(), b.dtype])).toEqual(slow.map(([a, b]) => [a.toArray(), b.toArray(), b.dtype]));
    const [xb, yb] = fast[2]!;
    expect(xb.shape).toEqual([2, 2]);
    expect(yb.shape).toEqual([2]);
  });

  it('rejects bad options with the option named', () => {
    expect(() => new DataLoader(numbers(3), { batchSize: 0 })).toThrow('[DataLoader] batchSize must be a positive integer, got 0');
    expect(() => new DataLoader(numbers(3), { batchSize: 1.5 })).toThrow(ArgumentError);
    expect(() => new DataLoader(numbers(3), { shuffle: 1 as unknown as boolean })).toThrow('[DataLoader] shuffle must be a boolean, got 1');
    expect(() => new DataLoader(numbers(3), { batch_size: 2 } as never)).toThrow(
      '[DataLoader] unknown option "batch_size"; the options are batchSize, shuffle, dropLast, collate, generator');
    expect(() => new DataLoader(numbers(3), { generator: 3 as never })).toThrow('[DataLoader] generator must be a Generator, got 3');
    expect(() => new DataLoader({ length: 3 } as never)).toThrow('[DataLoader] dataset must have a get(index) method');
    expect(() => new DataLoader({ length: -1, get: () => 0 })).toThrow('[DataLoader] dataset.length must be a non-negative integer, got -1');
  });
});
