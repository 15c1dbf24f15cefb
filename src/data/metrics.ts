/**
 * Classification metrics: accuracy, the confusion matrix, per-class precision / recall / F1, and a
 * plain-text view of a confusion matrix. Predictions are logits or probabilities [n, C] (the class is
 * the argmax of each row) or class indices [n]; targets are class indices [n].
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { Tensor } from '../core/tensor.js';

/** The class index of each sample: argmax of [n, C] scores, or the values of [n] indices (checked). */
function classIndices(t: Tensor, op: string, arg: string, allowScores: boolean): number[] {
  check(t instanceof Tensor, ArgumentError, () => `[${op}] ${arg} must be a Tensor, got ${fmt(t)}`);
  if (allowScores && t.ndim === 2) {
    check(t.shape[1]! > 0, ShapeError, () => `[${op}] ${arg} scores need at least one class, got shape ${showShape(t.shape)}`);
    return t.shape[0] === 0 ? [] : Array.from(t.argmax(1).toTypedArray());
  }
  const what = allowScores ? 'class indices [n] or scores [n, C]' : 'class indices [n]';
  check(t.ndim === 1, ShapeError, () => `[${op}] ${arg} must be ${what}, got shape ${showShape(t.shape)}`);
  const values = Array.from(t.toTypedArray());
  values.forEach((v, i) => {
    check(Number.isInteger(v) && v >= 0, ArgumentError,
      () => `[${op}] ${arg} must hold class indices (integers >= 0), got ${fmt(v)} at [${i}]${allowScores ? '; pass scores as [n, C]' : ''}`);
  });
  return values;
}

/** Predicted and true classes of equal length. */
function pairs(predictions: Tensor, targets: Tensor, op: string): { pred: number[]; truth: number[] } {
  const pred = classIndices(predictions, op, 'predictions', true);
  const truth = classIndices(targets, op, 'targets', false);
  check(pred.length === truth.length, ShapeError,
    () => `[${op}] predictions ${showShape(predictions.shape)} and targets ${showShape(targets.shape)} hold different numbers of samples (${pred.length} and ${truth.length})`);
  return { pred, truth };
}

/**
 * The fraction of samples whose predicted class equals the target, in [0, 1].
 * `predictions`: logits/probabilities [n, C] (argmax per row) or class indices [n]; `targets`: [n].
 * @example
 * accuracy(tensor([[2, 1], [0, 3], [1, 0]]), tensor([0, 1, 1], { dtype: 'int32' })); // 2/3
 */
export function accuracy(predictions: Tensor, targets: Tensor): number {
  const { pred, truth } = pairs(predictions, targets, 'accuracy');
  check(pred.length > 0, ArgumentError, () => '[accuracy] needs at least one sample');
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) correct++;
  return correct / pred.length;
}

/**
 * The int32 [C, C] matrix whose entry [i, j] counts samples of true class i predicted as class j
 * (rows: true class, columns: predicted class). `numClasses` defaults to C of [n, C] scores, else
 * to the largest class seen plus one.
 * @example
 * confusionMatrix(tensor([0, 1, 1], { dtype: 'int32' }), tensor([0, 0, 1], { dtype: 'int32' }), 2); // [[1, 1], [0, 1]]
 */
export function confusionMatrix(predictions: Tensor, targets: Tensor, numClasses?: number): Tensor {
  const { pred, truth } = pairs(predictions, targets, 'confusionMatrix');
  let seen = 0; // largest class seen + 1 (a loop: spreading a large array into Math.max overflows the stack)
  for (let i = 0; i < pred.length; i++) seen = Math.max(seen, pred[i]! + 1, truth[i]! + 1);
  const fromScores = predictions.ndim === 2 ? predictions.shape[1]! : 0;
  const c = numClasses ?? Math.max(seen, fromScores);
  check(Number.isSafeInteger(c) && c >= 1, ArgumentError, () => `[confusionMatrix] numClasses must be a positive integer, got ${fmt(c)}`);
  check(seen <= c, ArgumentError, () => `[confusionMatrix] class ${seen - 1} is out of range for numClasses ${c}`);
  const counts = new Int32Array(c * c);
  for (let i = 0; i < pred.length; i++) counts[truth[i]! * c + pred[i]!]! += 1;
  return Tensor.fromData(counts, [c, c], 'int32');
}

/** Per-class scores from a confusion matrix, and their unweighted (macro) means. */
export interface ClassScores {
  /** TP / (TP + FP): of the samples predicted as the class, the fraction that are. */
  precision: number[];
  /** TP / (TP + FN): of the samples of the class, the fraction predicted as it. */
  recall: number[];
  /** 2 · precision · recall / (precision + recall). */
  f1: number[];
  /** Number of samples of each true class (row sums). */
  support: number[];
  /** Means over the classes of precision, recall and F1. */
  macro: { precision: number; recall: number; f1: number };
}

/**
 * Per-class precision, recall and F1 of a [C, C] confusion matrix (rows: true class). A score whose
 * denominator is 0 (a class never predicted, never present, or with precision + recall = 0) is 0,
 * as scikit-learn's `zero_division=0`.
 * @example
 * const { precision, recall, f1 } = precisionRecall(confusionMatrix(pred, target, 10));
 */
export function precisionRecall(confusion: Tensor): ClassScores {
  const { c, at } = readConfusion(confusion, 'precisionRecall');
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];
  for (let k = 0; k < c; k++) {
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < c; j++) {
      predicted += at(j, k);
      actual += at(k, j);
    }
    const p = safeDivide(at(k, k), predicted);
    const r = safeDivide(at(k, k), actual);
    precision.push(p);
    recall.push(r);
    f1.push(safeDivide(2 * p * r, p + r));
    support.push(actual);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / c;
  return { precision, recall, f1, support, macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) } };
}

/**
 * A confusion matrix as an aligned plain-text table: one row per true class, one column per predicted
 * class, headed by the class labels (default 0..C-1).
 * @example
 * console.log(formatConfusionMatrix(confusionMatrix(pred, target, 3)));
 * // true\pred  0  1  2
 * //         0  5  1  0
 * //         1  0  6  0
 * //         2  1  0  4
 */
export function formatConfusionMatrix(confusion: Tensor, options: { labels?: readonly string[] } = {}): string {
  const { c, at } = readConfusion(confusion, 'formatConfusionMatrix');
  const labels = options.labels ?? Array.from({ length: c }, (_, k) => String(k));
  check(Array.isArray(labels) && labels.length === c && labels.every((l) => typeof l === 'string'), ArgumentError,
    () => `[formatConfusionMatrix] labels must be ${c} strings, got ${fmt(labels)}`);
  const corner = 'true\\pred';
  const cells = Array.from({ length: c }, (_, i) => Array.from({ length: c }, (_, j) => String(at(i, j))));
  const firstWidth = Math.max(corner.length, ...labels.map((l) => l.length));
  const widths = labels.map((l, j) => Math.max(l.length, ...cells.map((row) => row[j]!.length)));
  const line = (first: string, rest: readonly string[]): string =>
    [first.padStart(firstWidth), ...rest.map((s, j) => s.padStart(widths[j]!))].join('  ');
  return [line(corner, labels), ...cells.map((row, i) => line(labels[i]!, row))].join('\n');
}

function readConfusion(confusion: Tensor, op: string): { c: number; at: (i: number, j: number) => number } {
  check(confusion instanceof Tensor, ArgumentError, () => `[${op}] confusion must be a Tensor, got ${fmt(confusion)}`);
  check(confusion.ndim === 2 && confusion.shape[0] === confusion.shape[1] && confusion.shape[0]! > 0, ShapeError,
    () => `[${op}] confusion must be a square [C, C] matrix with C >= 1, got shape ${showShape(confusion.shape)}`);
  const c = confusion.shape[0]!;
  const values = confusion.toTypedArray();
  return { c, at: (i, j) => values[i * c + j]! };
}

function safeDivide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}
