/**
 * Drawing category indices from weights: `multinomial`, as `torch.multinomial`. Each draw uses the
 * seeded `Generator` (the global one by default), so a seed fixes every sample.
 */
import { ArgumentError, DTypeError, DomainError, ShapeError, check, fmt } from '../base/errors.js';
import { defaultGenerator, Generator } from '../base/random.js';
import { showShape } from '../base/shape.js';
import { tensor } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import { checkInt, checkTensor } from './util.js';

/** Options of `multinomial`. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: every index of a row is drawn at most once). */
  replacement?: boolean;
  /** Generator of the draws (default: the global one). */
  generator?: Generator;
}

const OPTION_NAMES = ['replacement', 'generator'];

/**
 * `numSamples` category indices per row of `probs`, drawn with probability proportional to the
 * row's weights, as `torch.multinomial`: `probs` is 1-d [n] (result [numSamples]) or 2-d [b, n]
 * (result [b, numSamples]) of non-negative finite weights that need not sum to 1; the result is
 * int32. Without replacement each index of a row appears at most once, so `numSamples` may not
 * exceed the row's number of non-zero weights. An index of weight 0 is never drawn. Not
 * differentiable (integer output).
 * @example
 * multinomial(tensor([0.1, 0.6, 0.3]), 5, { replacement: true, generator: new Generator(0) }); // e.g. [1, 2, 1, 1, 0]
 * multinomial(tensor([[1, 0, 1], [0, 2, 2]]), 2);                                            // [[0, 2], [2, 1]] or the like
 */
export function multinomial(probs: Tensor, numSamples: number, options: MultinomialOptions = {}): Tensor {
  checkTensor(probs, 'multinomial', 'input');
  checkOptions(options);
  const { replacement = false, generator = defaultGenerator } = options;
  check(typeof replacement === 'boolean', ArgumentError, () => `[multinomial] replacement must be a boolean, got ${fmt(replacement)}`);
  check(generator instanceof Generator, ArgumentError, () => `[multinomial] generator must be a Generator, got ${fmt(generator)}`);
  check(probs.ndim === 1 || probs.ndim === 2, ShapeError,
    () => `[multinomial] input must be 1-d or 2-d (rows of category weights), got shape ${showShape(probs.shape)}`);
  check(probs.dtype === 'float32' || probs.dtype === 'float64', DTypeError,
    () => `[multinomial] input must be float32 or float64, got ${probs.dtype}`);
  checkInt(numSamples, 'multinomial', 'numSamples', 1);
  const n = probs.shape[probs.ndim - 1]!;
  const rows = probs.ndim === 1 ? 1 : probs.shape[0]!;
  check(n > 0, ShapeError, () => `[multinomial] input has no categories (shape ${showShape(probs.shape)})`);
  const values = probs.toTypedArray();
  const out = new Int32Array(rows * numSamples);
  for (let r = 0; r < rows; r++) {
    const weights = Float64Array.from(values.subarray(r * n, (r + 1) * n));
    checkRow(weights, r, probs.ndim, numSamples, replacement);
    const draws = replacement ? drawWithReplacement(weights, numSamples, generator) : drawWithoutReplacement(weights, numSamples, generator);
    out.set(draws, r * numSamples);
  }
  return tensor(out, { shape: probs.ndim === 1 ? [numSamples] : [rows, numSamples] });
}

function checkOptions(options: unknown): void {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[multinomial] options must be an object, got ${fmt(options)}`);
  for (const key of Object.keys(options)) {
    check(OPTION_NAMES.includes(key), ArgumentError, () => `[multinomial] unknown option ${fmt(key)}; the options are ${OPTION_NAMES.join(', ')}`);
  }
}

/** Weights must be finite and >= 0 with a positive sum; without replacement, enough of them non-zero. */
function checkRow(weights: Float64Array, row: number, ndim: number, numSamples: number, replacement: boolean): void {
  const where = ndim === 1 ? '' : ` in row ${row}`;
  let nonZero = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    check(Number.isFinite(w) && w >= 0, DomainError,
      () => `[multinomial] weights must be finite and >= 0, got ${fmt(w)} at index ${i}${where}`);
    if (w > 0) nonZero++;
  }
  check(nonZero > 0, DomainError, () => `[multinomial] weights must not all be zero${where}`);
  check(replacement || numSamples <= nonZero, ArgumentError,
    () => `[multinomial] cannot draw ${numSamples} samples without replacement from ${nonZero} non-zero weight${nonZero === 1 ? '' : 's'}${where}`);
}

/** Draws by binary search in the cumulative weights; an index of weight 0 is never found. */
function drawWithReplacement(weights: Float64Array, numSamples: number, generator: Generator): Int32Array {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i]!;
    cumulative[i] = total;
    if (weights[i]! > 0) last = i;
  }
  const out = new Int32Array(numSamples);
  for (let k = 0; k < numSamples; k++) {
    const u = generator.random() * total;
    // the first index whose cumulative weight exceeds u
    let lo = 0;
    let hi = weights.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    out[k] = lo < weights.length ? lo : last; // NOTE: u rounded up to the total: the last non-zero index
  }
  return out;
}

/** Draws one index at a time from the weights left, then removes it (sequential sampling). */
function drawWithoutReplacement(weights: Float64Array, numSamples: number, generator: Generator): Int32Array {
  const out = new Int32Array(numSamples);
  for (let k = 0; k < numSamples; k++) {
    let total = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      total += weights[i]!;
      if (weights[i]! > 0) last = i;
    }
    const u = generator.random() * total;
    let acc = 0;
    let pick = last;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i]!;
      if (acc > u && weights[i]! > 0) {
        pick = i;
        break;
      }
    }
    out[k] = pick;
    weights[pick] = 0;
  }
  return out;
}
