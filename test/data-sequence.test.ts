import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ArgumentError, DTypeError, DataLoader, ShapeError, SlidingWindowDataset, arange, collatePadded, gradcheck,
  nn, ones, padCollate, padSequence, randn, tensor, type Dataset, type SequenceSample,
} from '../src/index.js';

describe('SlidingWindowDataset', () => {
  const tokens = Array.from({ length: 10 }, (_, i) => i);

  it('cuts non-overlapping windows with next-token targets', () => {
    const ds = new SlidingWindowDataset(tokens, { contextLength: 3 });
    expect(ds.length).toBe(3);
    const [x, y] = ds.get(2);
    expect(x.dtype).toBe('int32');
    expect(x.toArray()).toEqual([6, 7, 8]);
    expect(y.toArray()).toEqual([7, 8, 9]);
    expect(ds.get(0).map((t) => t.toArray())).toEqual([[0, 1, 2], [1, 2, 3]]);
  });

  it('overlaps windows with a smaller stride, from arrays, Int32Arrays and tensors alike', () => {
    for (const stream of [tokens, Int32Array.from(tokens), arange(10, undefined, 1, { dtype: 'int32' }), arange(10)]) {
      const ds = new SlidingWindowDataset(stream, { contextLength: 4, stride: 2 });
      expect(ds.length).toBe(3); // windows start at 0, 2, 4 (a window needs 5 tokens)
      expect(ds.get(1).map((t) => t.toArray())).toEqual([[2, 3, 4, 5], [3, 4, 5, 6]]);
    }
  });

  it('the number of windows fits the stream exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (n, l, stride) => {
      const ds = new SlidingWindowDataset(Array.from({ length: n }, (_, i) => i), { contextLength: l, stride });
      // the last window ends inside the stream; one more would not
      if (ds.length > 0) expect((ds.length - 1) * stride + l + 1).toBeLessThanOrEqual(n);
      expect(ds.length * stride + l + 1).toBeGreaterThan(n);
    }));
  });

  it('batches through a DataLoader (getBatch)', () => {
    const ds = new SlidingWindowDataset(tokens, { contextLength: 2, stride: 1 });
    expect(ds.length).toBe(8);
    const batches = [...new DataLoader(ds, { batchSize: 3 })];
    expect(batches.map(([x]) => x.shape)).toEqual([[3, 2], [3, 2], [2, 2]]);
    const [x, y] = batches[2]!;
    expect(x.toArray()).toEqual([[6, 7], [7, 8]]);
    expect(y.toArray()).toEqual([[7, 8], [8, 9]]);
    expect(y.dtype).toBe('int32');
  });

  it('checks its arguments with typed errors', () => {
    expect(new SlidingWindowDataset([1, 2, 3], { contextLength: 3 }).length).toBe(0);
    expect(() => new SlidingWindowDataset(tokens, { contextLength: 0 })).toThrow('[SlidingWindowDataset] contextLength must be a positive integer, got 0');
    expect(() => new SlidingWindowDataset(tokens, { contextLength: 2, stride: 0 })).toThrow(ArgumentError);
    expect(() => new SlidingWindowDataset(tokens, { contextLength: 2, step: 1 } as never)).toThrow('unknown option "step"');
    expect(() => new SlidingWindowDataset([1, 2.5], { contextLength: 1 })).toThrow('[SlidingWindowDataset] tokens[1] must be a token id');
    expect(() => new SlidingWindowDataset([1, -2], { contextLength: 1 })).toThrow(ArgumentError);
    expect(() => new SlidingWindowDataset(ones([2, 2]), { contextLength: 1 })).toThrow(ArgumentError);
    expect(() => new SlidingWindowDataset('abc' as never, { contextLength: 1 })).toThrow(ArgumentError);
    const ds = new SlidingWindowDataset(tokens, { contextLength: 3 });
    expect(() => ds.get(3)).toThrow('[SlidingWindowDataset.get] index must be an integer in [0, 3), got 3');
    expect(() => ds.getBatch([0, 5])).toThrow('[SlidingWindowDataset.getBatch] indices[1] must be an integer in [0, 3), got 5');
  });
});

describe('padSequence', () => {
  const a = tensor([1, 2, 3]);
  const b = tensor([4]);
  const c = tensor([5, 6]);

  it('pads time-major by default, batch-first on request', () => {
    expect(padSequence([a, b, c]).toArray()).toEqual([[1, 4, 5], [2, 0, 6], [3, 0, 0]]);
    expect(padSequence([a, b, c], { batchFirst: true }).toArray()).toEqual([[1, 2, 3], [4, 0, 0], [5, 6, 0]]);
    expect(padSequence([a, b, c], { batchFirst: true, paddingValue: -1, paddingSide: 'left' }).toArray())
      .toEqual([[1, 2, 3], [-1, -1, 4], [-1, 5, 6]]);
  });

  it('keeps trailing dims and dtypes, and accepts empty sequences', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    const y = tensor(new Int32Array(0), { shape: [0, 2] });
    const out = padSequence([x, y], { batchFirst: true, paddingValue: 9 });
    expect(out.dtype).toBe('int32');
    expect(out.toArray()).toEqual([[[1, 2], [3, 4]], [[9, 9], [9, 9]]]);
    expect(padSequence([ones([2, 5]), ones([4, 5])]).shape).toEqual([4, 2, 5]);
  });

  it('passes gradients back to each sequence', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
    const y = tensor([[7, 8]], { requiresGrad: true });
    const w = arange(12).reshape(3, 2, 2); // [Lmax, B, F]
    padSequence([x, y]).mul(w).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 1], [4, 5], [8, 9]]);
    expect(y.grad!.toArray()).toEqual([[2, 3]]);
    const p = randn([3, 2], { dtype: 'float64', requiresGrad: true });
    const q = randn([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((s, t) => padSequence([s, t], { batchFirst: true, paddingSide: 'left', paddingValue: 2 }), [p, q])).toBe(true);
  });

  it('checks its arguments with typed errors', () => {
    expect(() => padSequence([])).toThrow('[padSequence] sequences must be a non-empty array of tensors');
    expect(() => padSequence([ones([2, 3]), ones([2, 4])])).toThrow(ShapeError);
    expect(() => padSequence([ones([2, 3]), ones([2])])).toThrow("[padSequence] sequences[1] has shape [2], whose trailing dims differ from sequences[0]'s [2,3]");
    expect(() => padSequence([a, tensor([1], { dtype: 'int32' })])).toThrow(DTypeError);
    expect(() => padSequence([tensor(1)])).toThrow(ShapeError);
    expect(() => padSequence([a, [1] as never])).toThrow('[padSequence] sequences[1] must be a Tensor');
    expect(() => padSequence([a], { paddingSide: 'top' as never })).toThrow(ArgumentError);
    expect(() => padSequence([a], { paddingValue: '0' as never })).toThrow(ArgumentError);
    expect(() => padSequence([a], { batch_first: true } as never)).toThrow('unknown option "batch_first"');
  });
});

describe('padCollate', () => {
  const reviews: Dataset<SequenceSample> = {
    length: 5,
    get: (i) => [Array.from({ length: i + 1 }, (_, k) => 10 * i + k + 1), i % 2],
  };

  it('batches [tokens, label] samples with a DataLoader', () => {
    const batches = [...new DataLoader(reviews, { batchSize: 3, collate: padCollate })];
    expect(batches).toHaveLength(2);
    const { padded, lengths, labels } = batches[0]!;
    expect(padded.dtype).toBe('int32');
    expect(padded.toArray()).toEqual([[1, 0, 0], [11, 12, 0], [21, 22, 23]]);
    expect(lengths.toArray()).toEqual([1, 2, 3]);
    expect(lengths.dtype).toBe('int32');
    expect(labels!.toArray()).toEqual([0, 1, 0]);
    expect(labels!.dtype).toBe('int32');
    expect(batches[1]!.padded.shape).toEqual([2, 5]);
  });

  it('takes bare sequences, tensors of features and tensor labels; options via collatePadded', () => {
    const plain = padCollate([[1, 2], [3]]);
    expect(plain.padded.toArray()).toEqual([[1, 2], [3, 0]]);
    expect(plain.labels).toBeUndefined();
    const features = padCollate([[ones([2, 3]), tensor(0.5)], [ones([1, 3]), tensor(1.5)]]);
    expect(features.padded.shape).toEqual([2, 2, 3]);
    expect(features.labels!.toArray()).toEqual([0.5, 1.5]);
    const left = collatePadded({ paddingValue: -1, paddingSide: 'left' })([[1, 2], [3]]);
    expect(left.padded.toArray()).toEqual([[1, 2], [-1, 3]]);
    expect(left.lengths.toArray()).toEqual([2, 1]);
  });

  it('its output feeds packPaddedSequence and an LSTM', () => {
    const { padded, lengths } = padCollate([[1, 2, 3], [4]]);
    const embed = new nn.Embedding(10, 4);
    const lstm = new nn.LSTM(4, 3, { batchFirst: true });
    const [out] = lstm.forward(nn.packPaddedSequence(embed.forward(padded), lengths, { batchFirst: true, enforceSorted: false }));
    expect(out).toBeInstanceOf(nn.PackedSequence);
  });

  it('checks its samples with typed errors', () => {
    expect(() => padCollate([])).toThrow('[padCollate] expected a non-empty array of samples');
    expect(() => padCollate([[[1], 0], [2]])).toThrow('[padCollate] either every sample or none is a [sequence, label] pair');
    expect(() => padCollate([[[1], 0.5]])).toThrow('[padCollate] sample 0: a label must be an integer');
    expect(() => padCollate([['a', 'b'] as never])).toThrow(ArgumentError);
    expect(() => padCollate([[1], tensor([1.5])])).toThrow(DTypeError);
    expect(() => collatePadded({ paddingValue: null as never })).toThrow(ArgumentError);
    expect(() => collatePadded({ side: 'left' } as never)).toThrow('[collatePadded] unknown option "side"');
  });
});
