/**
 * Variable-length batches for the recurrent layers (PyTorch's `pack_padded_sequence` semantics):
 * a `PackedSequence` is a padded batch with its lengths. An RNN given one runs every sequence for
 * its own length only: the outputs past a sequence's end are zeros and its final state is the state
 * at its last step, exactly as running it alone. (Unlike PyTorch, the data stays padded, time-major;
 * the lengths carry the same information as PyTorch's packed layout.)
 */
import { ArgumentError, ShapeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import { showShape } from '../../base/shape.js';
import { tensor } from '../../core/creation.js';
import { Tensor } from '../../core/tensor.js';

/**
 * A padded batch with the length of each sequence; made by `packPaddedSequence`, consumed and
 * returned by `RNN`/`LSTM`/`GRU`, turned back into a padded tensor by `padPackedSequence`.
 * @example
 * const packed = packPaddedSequence(padded, [5, 3, 2], { batchFirst: true });
 * const [out] = lstm.forward(packed); // out is a PackedSequence
 */
export class PackedSequence {
  /**
   * @param data the padded batch, time-major: [T, B, *]
   * @param lengths the length of each sequence (in batch order), each in [1, T]
   */
  constructor(readonly data: Tensor, readonly lengths: readonly number[]) {
    check(data instanceof Tensor && data.ndim >= 2, ShapeError,
      () => `[PackedSequence] data must be a time-major [T, B, *] tensor, got ${data instanceof Tensor ? showShape(data.shape) : fmt(data)}`);
    checkLengths(lengths, data.shape[0]!, data.shape[1]!, 'PackedSequence');
  }

  /** The batch size. */
  get batchSize(): number {
    return this.lengths.length;
  }
}

/** Lengths as a number array, checked against the batch (B entries, each an integer in [1, T]). */
function checkLengths(lengths: readonly number[], t: number, b: number, op: string): void {
  check(lengths.length === b, ShapeError, () => `[${op}] expected ${b} lengths (one per sequence of the batch), got ${lengths.length}`);
  lengths.forEach((n, i) => check(Number.isInteger(n) && n >= 1 && n <= t, ArgumentError,
    () => `[${op}] lengths[${i}] must be an integer in [1, ${t}] (the padded length), got ${fmt(n)}`));
}

function lengthsArg(lengths: readonly number[] | Tensor, op: string): number[] {
  if (lengths instanceof Tensor) {
    check(lengths.ndim === 1 && lengths.dtype !== 'bool', ArgumentError,
      () => `[${op}] lengths must be a 1-d integer tensor or a number array, got a ${lengths.dtype} tensor of shape ${showShape(lengths.shape)}`);
    return Array.from(lengths.toArray() as ArrayLike<number>);
  }
  check(Array.isArray(lengths), ArgumentError, () => `[${op}] lengths must be a 1-d integer tensor or a number array, got ${fmt(lengths)}`);
  return [...lengths];
}

/**
 * Pairs a padded batch with its lengths for the recurrent layers, as PyTorch's
 * `pack_padded_sequence`: `input` is [T, B, *] (or [B, T, *] with `batchFirst`). With
 * `enforceSorted` (the default, as PyTorch) the lengths must be in decreasing order; pass false for
 * any order.
 * @example
 * const packed = packPaddedSequence(padded, tensor([4, 2, 1], { dtype: 'int32' }), { batchFirst: true });
 */
export function packPaddedSequence(input: Tensor, lengths: readonly number[] | Tensor, options: { batchFirst?: boolean; enforceSorted?: boolean } = {}): PackedSequence {
  checkOptionNames(options as unknown, ['batchFirst', 'enforceSorted'], 'packPaddedSequence');
  const { batchFirst = false, enforceSorted = true } = options;
  check(input instanceof Tensor && input.ndim >= 2, ShapeError,
    () => `[packPaddedSequence] input must be a padded batch with at least 2 dims, got ${input instanceof Tensor ? showShape(input.shape) : fmt(input)}`);
  const lens = lengthsArg(lengths, 'packPaddedSequence');
  const data = batchFirst ? input.transpose(0, 1) : input;
  checkLengths(lens, data.shape[0]!, data.shape[1]!, 'packPaddedSequence');
  check(!enforceSorted || lens.every((n, i) => i === 0 || n <= lens[i - 1]!), ArgumentError,
    () => `[packPaddedSequence] lengths must be sorted in decreasing order when enforceSorted is true (got ${lens.join(', ')}); pass { enforceSorted: false } to pack unsorted sequences`);
  return new PackedSequence(data, lens);
}

/**
 * Back to a padded tensor, as PyTorch's `pad_packed_sequence`: returns `[padded, lengths]`, padded
 * [T, B, *] (or [B, T, *] with `batchFirst`) with `paddingValue` past each sequence's end;
 * `totalLength` pads the time dim further (default: the longest sequence).
 * @example
 * const [out, lengths] = padPackedSequence(packedOut, { batchFirst: true });
 */
export function padPackedSequence(sequence: PackedSequence, options: { batchFirst?: boolean; paddingValue?: number; totalLength?: number } = {}): [Tensor, Tensor] {
  check(sequence instanceof PackedSequence, ArgumentError, () => `[padPackedSequence] expected a PackedSequence, got ${fmt(sequence)}`);
  checkOptionNames(options as unknown, ['batchFirst', 'paddingValue', 'totalLength'], 'padPackedSequence');
  const { batchFirst = false, paddingValue = 0, totalLength } = options;
  const longest = Math.max(...sequence.lengths);
  const t = totalLength ?? longest;
  check(Number.isInteger(t) && t >= longest, ArgumentError,
    () => `[padPackedSequence] totalLength must be an integer at least the longest sequence (${longest}), got ${fmt(totalLength)}`);
  let data = sequence.data.narrow(0, 0, Math.min(longest, sequence.data.shape[0]!));
  const steps = data.shape[0]!;
  const mask = tensor(Array.from({ length: steps }, (_, i) => sequence.lengths.map((n) => i < n)), { dtype: 'bool' })
    .reshape([steps, sequence.batchSize, ...data.shape.slice(2).map(() => 1)]);
  data = data.maskedFill(mask.logicalNot(), paddingValue);
  // pad's pairs run from the last dim: the feature dims, the batch dim, then time
  if (t > steps) data = data.pad([...data.shape.slice(2).flatMap(() => [0, 0]), 0, 0, 0, t - steps], paddingValue);
  return [batchFirst ? data.transpose(0, 1) : data, tensor([...sequence.lengths], { dtype: 'int32' })];
}
