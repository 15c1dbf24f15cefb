/**
 * Batches of variable-length sequences: `padSequence`, as `torch.nn.utils.rnn.pad_sequence`.
 * Composed from `pad` and `stack`, so it is differentiable with no rule of its own.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { sameShape, showShape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { pad, stack } from './copy.js';
import { checkTensor } from './util.js';

/** Options of `padSequence`. */
export interface PadSequenceOptions {
  /** Output [B, Lmax, *] instead of the default time-major [Lmax, B, *]. */
  batchFirst?: boolean;
  /** The value of the padded positions (default 0). */
  paddingValue?: number;
  /** Pad after each sequence (`'right'`, the default) or before it (`'left'`). */
  paddingSide?: 'right' | 'left';
}

const OPTION_NAMES = ['batchFirst', 'paddingValue', 'paddingSide'];

/**
 * Stacks sequences of different lengths into one padded tensor, as PyTorch's `pad_sequence`:
 * each sequence is [L_i, *] (the trailing dims and the dtype must agree); the result is
 * [Lmax, B, *], or [B, Lmax, *] with `batchFirst`, with `paddingValue` past (or, with
 * `paddingSide: 'left'`, before) each sequence. Gradients flow back to every sequence.
 * @example
 * padSequence([tensor([1, 2, 3]), tensor([4])], { batchFirst: true }); // [[1, 2, 3], [4, 0, 0]]
 * padSequence([ones([2, 5]), ones([4, 5])]).shape;                     // [4, 2, 5]
 */
export function padSequence(sequences: readonly Tensor[], options: PadSequenceOptions = {}): Tensor {
  check(Array.isArray(sequences) && sequences.length > 0, ArgumentError,
    () => `[padSequence] sequences must be a non-empty array of tensors, got ${fmt(sequences)}`);
  const { batchFirst = false, paddingValue = 0, paddingSide = 'right' } = checkOptions(options);
  sequences.forEach((x, i) => {
    checkTensor(x, 'padSequence', `sequences[${i}]`);
    check(x.ndim >= 1, ShapeError, () => `[padSequence] sequences[${i}] must have at least 1 dim (the time dim), got a 0-d tensor`);
  });
  const first = sequences[0]!;
  sequences.forEach((x, i) => {
    check(sameShape(x.shape.slice(1), first.shape.slice(1)), ShapeError,
      () => `[padSequence] sequences[${i}] has shape ${showShape(x.shape)}, whose trailing dims differ from sequences[0]'s ${showShape(first.shape)}`);
    check(x.dtype === first.dtype, DTypeError,
      () => `[padSequence] sequences[${i}] has dtype ${x.dtype}, but sequences[0] has ${first.dtype}`);
  });
  const maxLength = Math.max(...sequences.map((x) => x.shape[0]!));
  const padded = sequences.map((x) => {
    const missing = maxLength - x.shape[0]!;
    if (missing === 0) return x;
    // pad's pairs start from the last dim: the time dim's (before, after) pair comes last
    const pads = new Array<number>(2 * x.ndim).fill(0);
    pads[2 * x.ndim - (paddingSide === 'right' ? 1 : 2)] = missing;
    return pad(x, pads, paddingValue);
  });
  return stack(padded, batchFirst ? 0 : 1);
}

function checkOptions(options: unknown): PadSequenceOptions {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[padSequence] options must be an object, got ${fmt(options)}`);
  for (const key of Object.keys(options)) {
    check(OPTION_NAMES.includes(key), ArgumentError, () => `[padSequence] unknown option ${fmt(key)}; the options are ${OPTION_NAMES.join(', ')}`);
  }
  const { batchFirst, paddingValue, paddingSide } = options as PadSequenceOptions;
  check(batchFirst === undefined || typeof batchFirst === 'boolean', ArgumentError,
    () => `[padSequence] batchFirst must be a boolean, got ${fmt(batchFirst)}`);
  check(paddingValue === undefined || typeof paddingValue === 'number', ArgumentError,
    () => `[padSequence] paddingValue must be a number, got ${fmt(paddingValue)}`);
  check(paddingSide === undefined || paddingSide === 'right' || paddingSide === 'left', ArgumentError,
    () => `[padSequence] paddingSide must be 'right' or 'left', got ${fmt(paddingSide)}`);
  return options as PadSequenceOptions;
}
