import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, Tensor, tensor } from '../src/index.js';
import { accuracy, confusionMatrix, formatConfusionMatrix, precisionRecall } from '../src/index.js';

const ints = (values: number[]): Tensor => tensor(values, { dtype: 'int32' });

// 7 samples, 3 classes; worked by hand:
//   true 0 → predicted 0, 1       row [1, 1, 0]
//   true 1 → predicted 1, 1       row [0, 2, 0]
//   true 2 → predicted 2, 0, 2    row [1, 0, 2]
const targets = ints([0, 0, 1, 1, 2, 2, 2]);
const predicted = ints([0, 1, 1, 1, 2, 0, 2]);
// logits whose row-wise argmax is `predicted`
const logits = tensor([
  [2, 1, 0], [0.1, 0.5, -1], [0, 3, 1], [-2, -1, -3], [0, 0, 9], [4, 0, 3.9], [1, 2, 2.5],
]);

describe('accuracy', () => {
  it('counts matches of class indices and of row-wise argmax of logits', () => {
    expect(accuracy(predicted, targets)).toBeCloseTo(5 / 7, 12);
    expect(accuracy(logits, targets)).toBeCloseTo(5 / 7, 12);
    expect(accuracy(targets, targets)).toBe(1);
    expect(accuracy(tensor([1, 0]), tensor([0, 1]))).toBe(0); // float tensors holding class indices
  });

  it('explains shapes and values it cannot use', () => {
    expect(() => accuracy(ints([0, 1]), ints([0, 1, 1]))).toThrow(
      '[accuracy] predictions [2] and targets [3] hold different numbers of samples (2 and 3)');
    expect(() => accuracy(tensor([0.2, 0.9]), ints([0, 1]))).toThrow(
      '[accuracy] predictions must hold class indices (integers >= 0), got 0.20000000298023224 at [0]; pass scores as [n, C]');
    expect(() => accuracy(ints([0]), ints([-1]))).toThrow('[accuracy] targets must hold class indices (integers >= 0), got -1 at [0]');
    expect(() => accuracy(tensor([[[1]]]), ints([0]))).toThrow(ShapeError);
    expect(() => accuracy(ints([]), ints([]))).toThrow('[accuracy] needs at least one sample');
    expect(() => accuracy([0, 1] as never, ints([0, 1]))).toThrow('[accuracy] predictions must be a Tensor');
  });
});

describe('confusionMatrix', () => {
  it('counts true class (rows) against predicted class (columns), as int32', () => {
    const m = confusionMatrix(predicted, targets, 3);
    expect(m.dtype).toBe('int32');
    expect(m.toArray()).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
    expect(confusionMatrix(logits, targets).toArray()).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
  });

  it('takes numClasses from the logits or from the largest class, and pads with zeros', () => {
    expect(confusionMatrix(ints([1, 1]), ints([0, 1])).toArray()).toEqual([[0, 1], [0, 1]]);
    expect(confusionMatrix(tensor([[0, 1, 0, 0]]), ints([1])).shape).toEqual([4, 4]);
    expect(confusionMatrix(ints([0]), ints([0]), 3).toArray()).toEqual([[1, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(() => confusionMatrix(ints([0, 3]), ints([0, 1]), 3)).toThrow('[confusionMatrix] class 3 is out of range for numClasses 3');
    expect(() => confusionMatrix(ints([0]), ints([0]), 0)).toThrow(ArgumentError);
  });
});

describe('precisionRecall', () => {
  it('gives per-class precision, recall, F1 and support worked by hand', () => {
    const s = precisionRecall(confusionMatrix(predicted, targets, 3));
    const close = (got: number[], want: number[]): void => got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
    close(s.precision, [1 / 2, 2 / 3, 1]); // column sums 2, 3, 2
    close(s.recall, [1 / 2, 1, 2 / 3]); // row sums 2, 2, 3
    close(s.f1, [0.5, 0.8, 0.8]);
    expect(s.support).toEqual([2, 2, 3]);
    expect(s.macro.precision).toBeCloseTo(13 / 18, 12);
    expect(s.macro.recall).toBeCloseTo(13 / 18, 12);
    expect(s.macro.f1).toBeCloseTo(0.7, 12);
  });

  it('is 0 where a score is undefined (class never predicted, never present)', () => {
    // class 1 is present but never predicted; class 2 neither
    const s = precisionRecall(confusionMatrix(ints([0, 0, 0]), ints([0, 1, 1]), 3));
    expect(s.precision).toEqual([1 / 3, 0, 0]);
    expect(s.recall).toEqual([1, 0, 0]);
    expect(s.f1[0]).toBeCloseTo(0.5, 12);
    expect(s.f1.slice(1)).toEqual([0, 0]);
    expect(s.support).toEqual([1, 2, 0]);
  });

  it('accepts float confusion matrices and rejects non-square ones', () => {
    expect(precisionRecall(tensor([[3, 1], [0, 4]])).recall).toEqual([0.75, 1]);
    expect(() => precisionRecall(tensor([[1, 2, 3]]))).toThrow('[precisionRecall] confusion must be a square [C, C] matrix with C >= 1, got shape [1,3]');
  });
});

describe('formatConfusionMatrix', () => {
  it('aligns counts under the predicted classes, one row per true class', () => {
    const m = confusionMatrix(predicted, targets, 3);
    expect(formatConfusionMatrix(m)).toBe([
      'true\\pred  0  1  2',
      '        0  1  1  0',
      '        1  0  2  0',
      '        2  1  0  2',
    ].join('\n'));
    expect(formatConfusionMatrix(ints([120, 3, 0, 7]).reshape(2, 2), { labels: ['cat', 'dog'] })).toBe([
      'true\\pred  cat  dog',
      '      cat  120    3',
      '      dog    0    7',
    ].join('\n'));
    expect(() => formatConfusionMatrix(m, { labels: ['a'] })).toThrow('[formatConfusionMatrix] labels must be 3 strings, got ["a"]');
  });
});
