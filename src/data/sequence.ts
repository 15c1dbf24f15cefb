/**
 * Sequence data: `SlidingWindowDataset` cuts a token stream into (input, next-token target)
 * windows for language modelling, and `padCollate` batches sequences of different lengths into
 * one padded tensor with their lengths (for `DataLoader`'s `collate`).
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { tensor } from '../core/creation.js';
import { Tensor } from '../core/tensor.js';
import { padSequence } from '../ops/sequence.js';
import { stack } from '../ops/copy.js';
import type { BatchDataset } from './dataset.js';

/** A stream of token ids: a number array, an Int32Array or a 1-d tensor. */
export type TokenStream = readonly number[] | Int32Array | Tensor;

/** Options of `SlidingWindowDataset`. */
export interface SlidingWindowOptions {
  /** Tokens per window (the model's context length). */
  contextLength: number;
  /** Tokens between the starts of consecutive windows (default `contextLength`: windows do not overlap). */
  stride?: number;
}

/**
 * Next-token windows over a token stream: sample i is `[x, y]`, two int32 tensors of
 * `contextLength` tokens, x starting at token `i · stride` and y the same window shifted by one
 * (y[t] is the token after x[t]). A window needs `contextLength + 1` tokens, so there are
 * `floor((n - contextLength - 1) / stride) + 1` samples (0 when n <= contextLength). `getBatch`
 * builds a [B, contextLength] pair at once (what `DataLoader` uses by default).
 * @example
 * const ds = new SlidingWindowDataset(tok.encode(text), { contextLength: 64 });
 * const [x, y] = ds.get(0); // x = tokens[0..64), y = tokens[1..65)
 * for (const [xb, yb] of new DataLoader(ds, { batchSize: 32, shuffle: true })) { ... }
 */
export class SlidingWindowDataset implements BatchDataset<[Tensor, Tensor], [Tensor, Tensor]> {
  /** The token stream (a copy). */
  readonly tokens: Int32Array;
  readonly contextLength: number;
  readonly stride: number;

  constructor(tokens: TokenStream, options: SlidingWindowOptions) {
    const op = 'SlidingWindowDataset';
    this.tokens = tokenArray(tokens, op);
    check(typeof options === 'object' && options !== null, ArgumentError, () => `[${op}] options must be an object with contextLength, got ${fmt(options)}`);
    for (const key of Object.keys(options)) {
      check(key === 'contextLength' || key === 'stride', ArgumentError, () => `[${op}] unknown option ${fmt(key)}; the options are contextLength, stride`);
    }
    const { contextLength, stride = contextLength } = options;
    check(Number.isSafeInteger(contextLength) && contextLength >= 1, ArgumentError,
      () => `[${op}] contextLength must be a positive integer, got ${fmt(contextLength)}`);
    check(Number.isSafeInteger(stride) && stride >= 1, ArgumentError, () => `[${op}] stride must be a positive integer, got ${fmt(stride)}`);
    this.contextLength = contextLength;
    this.stride = stride;
  }

  /** Number of windows. */
  get length(): number {
    const n = this.tokens.length;
    return n <= this.contextLength ? 0 : Math.floor((n - this.contextLength - 1) / this.stride) + 1;
  }

  /**
   * The i-th window and its next-token targets, both int32 [contextLength].
   * @example
   * const [x, y] = ds.get(3);
   */
  get(index: number): [Tensor, Tensor] {
    this.checkIndex(index, 'SlidingWindowDataset.get', 'index');
    const start = index * this.stride;
    const end = start + this.contextLength;
    return [tensor(this.tokens.subarray(start, end)), tensor(this.tokens.subarray(start + 1, end + 1))];
  }

  /**
   * The windows at `indices` and their targets, both int32 [indices.length, contextLength].
   * @example
   * const [xb, yb] = ds.getBatch([0, 7, 3]);
   */
  getBatch(indices: readonly number[]): [Tensor, Tensor] {
    check(Array.isArray(indices) && indices.length > 0, ArgumentError, () => '[SlidingWindowDataset.getBatch] indices must be a non-empty array');
    const l = this.contextLength;
    const x = new Int32Array(indices.length * l);
    const y = new Int32Array(indices.length * l);
    indices.forEach((index, k) => {
      this.checkIndex(index, 'SlidingWindowDataset.getBatch', `indices[${k}]`);
      const start = index * this.stride;
      x.set(this.tokens.subarray(start, start + l), k * l);
      y.set(this.tokens.subarray(start + 1, start + l + 1), k * l);
    });
    return [tensor(x, { shape: [indices.length, l] }), tensor(y, { shape: [indices.length, l] })];
  }

  private checkIndex(index: number, op: string, arg: string): void {
    check(Number.isSafeInteger(index) && index >= 0 && index < this.length, ArgumentError,
      () => `[${op}] ${arg} must be an integer in [0, ${this.length}), got ${fmt(index)}`);
  }
}

/** Token ids as an Int32Array: integers in [0, 2^31). */
function tokenArray(tokens: unknown, op: string): Int32Array {
  let values: ArrayLike<number>;
  if (tokens instanceof Tensor) {
    check(tokens.ndim === 1 && tokens.dtype !== 'bool', ArgumentError,
      () => `[${op}] tokens must be a 1-d numeric tensor, got a ${tokens.ndim}-d ${tokens.dtype} tensor`);
    values = tokens.toTypedArray();
  } else {
    check(Array.isArray(tokens) || tokens instanceof Int32Array, ArgumentError,
      () => `[${op}] tokens must be a number array, an Int32Array or a 1-d tensor, got ${fmt(tokens)}`);
    values = tokens as ArrayLike<number>;
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const t = values[i]!;
    check(Number.isInteger(t) && t >= 0 && t <= 0x7fffffff, ArgumentError, () => `[${op}] tokens[${i}] must be a token id (an integer >= 0), got ${fmt(t)}`);
    out[i] = t;
  }
  return out;
}

/** One sample for `padCollate`: a sequence (a tensor [L, *] or a number array), alone or with a label. */
export type SequenceSample = Tensor | readonly number[] | readonly [sequence: Tensor | readonly number[], label: number | Tensor];

/** What `padCollate` makes of a batch. */
export interface PaddedBatch {
  /** The sequences padded to the longest: [B, Lmax, *] (number arrays give int32). */
  padded: Tensor;
  /** The length of each sequence: int32 [B] (what `packPaddedSequence` takes). */
  lengths: Tensor;
  /** The labels, when the samples have them: numbers give int32 [B], tensors are stacked. */
  labels?: Tensor;
}

/** Options of `collatePadded`. */
export interface PadCollateOptions {
  /** The value of the padded positions (default 0). */
  paddingValue?: number;
  /** Pad after each sequence (`'right'`, the default) or before it (`'left'`). */
  paddingSide?: 'right' | 'left';
}

/**
 * A `collate` function for `DataLoader` that pads: see `padCollate`; this one takes the padding options.
 * @example
 * const loader = new DataLoader(ds, { batchSize: 16, collate: collatePadded({ paddingValue: tok.tokenToId('<pad>') }) });
 */
export function collatePadded(options: PadCollateOptions = {}): (samples: readonly SequenceSample[]) => PaddedBatch {
  const op = 'collatePadded';
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${op}] options must be an object, got ${fmt(options)}`);
  for (const key of Object.keys(options)) {
    check(key === 'paddingValue' || key === 'paddingSide', ArgumentError, () => `[${op}] unknown option ${fmt(key)}; the options are paddingValue, paddingSide`);
  }
  const { paddingValue = 0, paddingSide = 'right' } = options;
  check(typeof paddingValue === 'number', ArgumentError, () => `[${op}] paddingValue must be a number, got ${fmt(paddingValue)}`);
  check(paddingSide === 'right' || paddingSide === 'left', ArgumentError, () => `[${op}] paddingSide must be 'right' or 'left', got ${fmt(paddingSide)}`);
  return (samples) => collate(samples, paddingValue, paddingSide);
}

/**
 * Batches sequences of different lengths, as a `DataLoader` `collate`: each sample is a sequence
 * (a tensor [L, *] or a number array of token ids) or a `[sequence, label]` pair. Returns
 * `{ padded, lengths, labels? }`: padded [B, Lmax, *] with 0 past each sequence's end, lengths int32
 * [B], and labels (int32 [B] from numbers, stacked from tensors) when the samples have them. For
 * another padding value use `collatePadded({ paddingValue })`.
 * @example
 * const loader = new DataLoader(reviews, { batchSize: 32, collate: padCollate });
 * for (const { padded, lengths, labels } of loader) lstm.forward(packPaddedSequence(padded, lengths, { batchFirst: true, enforceSorted: false }));
 */
export function padCollate(samples: readonly SequenceSample[]): PaddedBatch {
  return collate(samples, 0, 'right');
}

function collate(samples: readonly SequenceSample[], paddingValue: number, paddingSide: 'right' | 'left'): PaddedBatch {
  const op = 'padCollate';
  check(Array.isArray(samples) && samples.length > 0, ArgumentError, () => `[${op}] expected a non-empty array of samples, got ${fmt(samples)}`);
  const paired = samples.map(isPair);
  check(paired.every((p) => p === paired[0]), ArgumentError,
    () => `[${op}] either every sample or none is a [sequence, label] pair; sample 0 ${paired[0] ? 'is' : 'is not'} but sample ${paired.indexOf(!paired[0])} ${paired[0] ? 'is not' : 'is'}`);
  const sequences = samples.map((s, i) => sequenceTensor(paired[0] ? (s as readonly unknown[])[0] : s, i, op));
  const padded = padSequence(sequences, { batchFirst: true, paddingValue, paddingSide });
  const lengths = tensor(Int32Array.from(sequences, (s) => s.shape[0]!));
  if (!paired[0]) return { padded, lengths };
  return { padded, lengths, labels: collateLabels(samples.map((s) => (s as readonly unknown[])[1]), op) };
}

/** A `[sequence, label]` pair: a 2-element array whose first element is a tensor or an array. */
function isPair(sample: unknown): boolean {
  return Array.isArray(sample) && sample.length === 2 && (sample[0] instanceof Tensor || Array.isArray(sample[0]));
}

function sequenceTensor(sequence: unknown, i: number, op: string): Tensor {
  if (sequence instanceof Tensor) return sequence;
  check(Array.isArray(sequence) && sequence.every((t) => Number.isSafeInteger(t)), ArgumentError,
    () => `[${op}] sample ${i}: a sequence must be a Tensor or an array of integer token ids, got ${fmt(sequence)}`);
  return tensor(Int32Array.from(sequence as number[]));
}

function collateLabels(labels: readonly unknown[], op: string): Tensor {
  if (labels.every((l) => l instanceof Tensor)) return stack(labels as Tensor[]);
  labels.forEach((l, i) => check(Number.isSafeInteger(l), ArgumentError,
    () => `[${op}] sample ${i}: a label must be an integer (class index) or a Tensor like the others, got ${fmt(l)}`));
  return tensor(Int32Array.from(labels as number[]));
}
