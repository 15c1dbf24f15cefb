/**
 * Datasets: anything with a `length` and a `get(index)`, as PyTorch's map-style `Dataset`.
 * `TensorDataset` wraps tensors that share their first dim, `Subset` picks indices of another
 * dataset, and `randomSplit` cuts a dataset into seeded, disjoint random subsets.
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { defaultGenerator, Generator } from '../base/random.js';
import { showShape } from '../base/shape.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../core/creation.js';

/** A map-style dataset: `length` samples, the i-th one from `get(i)`. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/**
 * A dataset that can also build a whole batch at once (what `DataLoader` uses instead of
 * collating `get` results one by one, when no custom `collate` is given).
 */
export interface BatchDataset<T, B = unknown> extends Dataset<T> {
  getBatch(indices: readonly number[]): B;
}

/** The row tensors of one `TensorDataset` sample: one per wrapped tensor. */
export type TensorRows<T extends readonly Tensor[]> = { [K in keyof T]: Tensor };

/**
 * True when `dataset` has a `getBatch` method (the `DataLoader` fast path).
 * @example
 * hasGetBatch(new TensorDataset(x, y)); // true
 */
export function hasGetBatch<T>(dataset: Dataset<T>): dataset is BatchDataset<T> {
  return typeof (dataset as Partial<BatchDataset<T>>).getBatch === 'function';
}

/** Checks that `index` is an integer in [0, length). */
function checkIndex(index: number, length: number, op: string, arg = 'index'): void {
  check(Number.isSafeInteger(index) && index >= 0 && index < length, ArgumentError,
    () => `[${op}] ${arg} must be an integer in [0, ${length}), got ${fmt(index)}`);
}

/**
 * Checks that `dataset` looks like a `Dataset` (a non-negative integer `length` and a `get` method).
 * @example
 * checkDataset(myData, 'DataLoader');
 */
export function checkDataset(dataset: unknown, op: string): asserts dataset is Dataset<unknown> {
  const d = dataset as Partial<Dataset<unknown>> | null;
  check(typeof d === 'object' && d !== null && typeof d.get === 'function', ArgumentError,
    () => `[${op}] dataset must have a get(index) method, got ${fmt(dataset)}`);
  check(Number.isSafeInteger(d.length) && d.length! >= 0, ArgumentError,
    () => `[${op}] dataset.length must be a non-negative integer, got ${fmt(d.length)}`);
}

/**
 * Tensors that share their first dim, as samples: `get(i)` is the i-th row of each (views, no copy);
 * `getBatch(indices)` selects many rows of each at once (copies).
 * @example
 * const ds = new TensorDataset(randn([100, 2]), randint(0, 2, [100]));
 * const [x0, y0] = ds.get(0); // shapes [2] and []
 */
export class TensorDataset<T extends readonly Tensor[] = Tensor[]> implements BatchDataset<TensorRows<T>, TensorRows<T>> {
  readonly tensors: T;

  constructor(...tensors: T) {
    check(tensors.length > 0, ArgumentError, () => '[TensorDataset] needs at least one tensor');
    tensors.forEach((t, i) => {
      check(t instanceof Tensor, ArgumentError, () => `[TensorDataset] tensors[${i}] must be a Tensor, got ${fmt(t)}`);
      check(t.ndim > 0, ShapeError, () => `[TensorDataset] tensors[${i}] must have at least 1 dim, got a 0-d tensor`);
    });
    const n = tensors[0]!.shape[0]!;
    tensors.forEach((t, i) => {
      check(t.shape[0] === n, ShapeError,
        () => `[TensorDataset] every tensor needs the same first dim: tensors[0] has shape ${showShape(tensors[0]!.shape)} but tensors[${i}] has ${showShape(t.shape)}`);
    });
    this.tensors = tensors;
  }

  /** Number of samples (the shared first dim). */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /**
   * The i-th row of each tensor.
   * @example
   * const [x, y] = ds.get(3);
   */
  get(index: number): TensorRows<T> {
    checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => t.select(0, index)) as unknown as TensorRows<T>;
  }

  /**
   * The rows at `indices` of each tensor, stacked along a new first dim (one `indexSelect` per tensor).
   * @example
   * const [xb, yb] = ds.getBatch([0, 5, 2]); // shapes [3, ...] each
   */
  getBatch(indices: readonly number[]): TensorRows<T> {
    check(indices.length > 0, ArgumentError, () => '[TensorDataset.getBatch] indices must not be empty');
    indices.forEach((i, k) => checkIndex(i, this.length, 'TensorDataset.getBatch', `indices[${k}]`));
    const index = tensor(Int32Array.from(indices));
    return this.tensors.map((t) => t.indexSelect(0, index)) as unknown as TensorRows<T>;
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (like `torch.utils.data.Subset`).
 * Forwards `getBatch` when the underlying dataset has it.
 * @example
 * const firstTen = new Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset<T> implements BatchDataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: readonly number[]) {
    checkDataset(dataset, 'Subset');
    check(Array.isArray(indices), ArgumentError, () => `[Subset] indices must be an array of integers, got ${fmt(indices)}`);
    indices.forEach((i, k) => checkIndex(i, dataset.length, 'Subset', `indices[${k}]`));
    this.dataset = dataset;
    this.indices = indices.slice();
  }

  /** Number of samples (of indices). */
  get length(): number {
    return this.indices.length;
  }

  /**
   * The sample at `indices[index]` of the underlying dataset.
   * @example
   * subset.get(0);
   */
  get(index: number): T {
    checkIndex(index, this.indices.length, 'Subset.get');
    return this.dataset.get(this.indices[index]!);
  }

  /**
   * A batch from the underlying dataset's `getBatch` (only when it has one).
   * @example
   * new Subset(new TensorDataset(x, y), [4, 2]).getBatch([0, 1]); // rows 4 and 2
   */
  getBatch(indices: readonly number[]): unknown {
    check(hasGetBatch(this.dataset), ArgumentError, () => '[Subset.getBatch] the underlying dataset has no getBatch method');
    indices.forEach((i, k) => checkIndex(i, this.indices.length, 'Subset.getBatch', `indices[${k}]`));
    return this.dataset.getBatch(indices.map((i) => this.indices[i]!));
  }
}

/** Options of `randomSplit`. */
export interface RandomSplitOptions {
  /** Generator of the permutation (default: the global one). */
  generator?: Generator;
}

/**
 * Splits `dataset` into disjoint random subsets of the given `lengths`, which either sum to the
 * dataset's length or are fractions summing to 1 (PyTorch's `random_split`): each fraction gives
 * `floor(n · f)` samples and the remainder is handed out one by one to the subsets in order.
 * The subsets are consecutive pieces of one seeded permutation of `0..n-1`.
 * @example
 * const [train, test] = randomSplit(ds, [0.8, 0.2], { generator: new Generator(0) });
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  checkDataset(dataset, 'randomSplit');
  const { generator = defaultGenerator } = options;
  check(generator instanceof Generator, ArgumentError, () => `[randomSplit] generator must be a Generator, got ${fmt(generator)}`);
  const sizes = splitSizes(dataset.length, lengths);
  const perm = generator.permutation(dataset.length);
  let start = 0;
  return sizes.map((size) => {
    const subset = new Subset(dataset, perm.slice(start, start + size));
    start += size;
    return subset;
  });
}

/** The subset sizes for `randomSplit`: lengths as given, or fractions turned into counts. */
function splitSizes(n: number, lengths: readonly number[]): number[] {
  check(Array.isArray(lengths) && lengths.length > 0, ArgumentError,
    () => `[randomSplit] lengths must be a non-empty array of numbers, got ${fmt(lengths)}`);
  check(lengths.every((l) => typeof l === 'number' && Number.isFinite(l) && l >= 0), ArgumentError,
    () => `[randomSplit] lengths must be non-negative finite numbers, got ${fmt(lengths)}`);
  const total = lengths.reduce((a, b) => a + b, 0);
  const areFractions = Math.abs(total - 1) <= 1e-9 && total <= n && lengths.every((l) => l <= 1);
  if (!areFractions) {
    check(lengths.every(Number.isSafeInteger), ArgumentError,
      () => `[randomSplit] lengths must be integers or fractions summing to 1, got ${fmt(lengths)}`);
    check(total === n, ArgumentError,
      () => `[randomSplit] lengths ${fmt(lengths)} sum to ${total}, but the dataset has ${n} samples`);
    return lengths.slice();
  }
  const sizes = lengths.map((f) => Math.floor(n * f));
  const remainder = n - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; i < remainder; i++) sizes[i % sizes.length]! += 1;
  return sizes;
}
