/**
 * `DataLoader`: iterates over a dataset in (optionally shuffled) batches, like PyTorch's. Each
 * `for…of` is one epoch; with `shuffle` every epoch draws a fresh permutation from the generator.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { defaultGenerator, Generator } from '../base/random.js';
import { defaultCollate, type Collated } from './collate.js';
import { checkDataset, hasGetBatch, type Dataset } from './dataset.js';

/** Options of `DataLoader`. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the sample order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Merges a list of samples into a batch (default: `dataset.getBatch` when it exists, else `defaultCollate`). */
  collate?: (samples: T[]) => B;
  /** Generator of the shuffling permutations (default: the global one). */
  generator?: Generator;
}

const OPTION_NAMES = ['batchSize', 'shuffle', 'dropLast', 'collate', 'generator'];

/**
 * Batches of a dataset. `length` is the number of batches per epoch. Without a custom `collate`, a
 * dataset with a `getBatch(indices)` method (such as `TensorDataset`) builds each batch at once;
 * otherwise the samples from `get` are merged by `collate` (default `defaultCollate`).
 * @example
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, generator: new Generator(0) });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   for (const [xb, yb] of loader) { ... } // a new order every epoch
 * }
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;
  private readonly collateFn: ((samples: T[]) => B) | undefined;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    checkDataset(dataset, 'DataLoader');
    checkOptions(options);
    const { batchSize = 1, shuffle = false, dropLast = false, collate, generator = defaultGenerator } = options;
    check(Number.isSafeInteger(batchSize) && batchSize >= 1, ArgumentError,
      () => `[DataLoader] batchSize must be a positive integer, got ${fmt(batchSize)}`);
    check(typeof shuffle === 'boolean', ArgumentError, () => `[DataLoader] shuffle must be a boolean, got ${fmt(shuffle)}`);
    check(typeof dropLast === 'boolean', ArgumentError, () => `[DataLoader] dropLast must be a boolean, got ${fmt(dropLast)}`);
    check(collate === undefined || typeof collate === 'function', ArgumentError,
      () => `[DataLoader] collate must be a function, got ${fmt(collate)}`);
    check(generator instanceof Generator, ArgumentError, () => `[DataLoader] generator must be a Generator, got ${fmt(generator)}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator;
    this.collateFn = collate;
  }

  /** Number of batches in one epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The sample indices of each batch for a new epoch (draws a permutation when shuffling).
   * @example
   * new DataLoader(ds, { batchSize: 2 }).batchIndices(); // [[0, 1], [2, 3], ...]
   */
  batchIndices(): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle ? this.generator.permutation(n) : Array.from({ length: n }, (_, i) => i);
    const batches: number[][] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const batch = order.slice(start, start + this.batchSize);
      if (batch.length < this.batchSize && this.dropLast) break;
      batches.push(batch);
    }
    return batches;
  }

  /**
   * One epoch of batches; the order is fixed when the iteration starts.
   * @example
   * for (const batch of loader) train(batch);
   */
  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.batchIndices()) yield this.batch(indices);
  }

  /** The batch of the samples at `indices`. */
  private batch(indices: readonly number[]): B {
    if (this.collateFn === undefined && hasGetBatch(this.dataset)) return this.dataset.getBatch(indices) as B;
    const samples = indices.map((i) => this.dataset.get(i));
    return this.collateFn ? this.collateFn(samples) : (defaultCollate(samples) as B);
  }
}

function checkOptions(options: unknown): void {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[DataLoader] options must be an object, got ${fmt(options)}`);
  for (const key of Object.keys(options)) {
    check(OPTION_NAMES.includes(key), ArgumentError,
      () => `[DataLoader] unknown option ${fmt(key)}; the options are ${OPTION_NAMES.join(', ')}`);
  }
}
