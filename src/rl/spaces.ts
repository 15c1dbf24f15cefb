/**
 * Spaces, as Gymnasium's: the set of valid observations or actions of an environment, with a seeded
 * `sample()` and a `contains()` check. `Discrete(n, { start })` holds the integers start … start+n−1;
 * `Box(low, high, shape)` holds float arrays with low ≤ x ≤ high elementwise.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Generator, defaultGenerator } from '../base/random.js';

/**
 * A set of valid values with a seeded sampler (Gymnasium's `Space`).
 * @example
 * const space: rl.Space<number> = new rl.Discrete(2);
 * space.contains(space.sample()); // true
 */
export abstract class Space<T> {
  private generator: Generator | undefined;

  /** The sampler's generator; `seed(n)` restarts it. Unseeded, it is seeded from the global generator at first use. */
  get rng(): Generator {
    this.generator ??= new Generator(defaultGenerator.randint(0, 2 ** 31));
    return this.generator;
  }

  /** A random member of the space. */
  abstract sample(): T;

  /** Whether `x` is a member of the space (right type, shape and range). */
  abstract contains(x: unknown): x is T;

  /** Restarts the sampler from `seed` (a non-negative safe integer). */
  seed(seed: number): this {
    check(Number.isSafeInteger(seed) && seed >= 0, ArgumentError, () => `[${this.constructor.name}.seed] seed must be a non-negative safe integer, got ${fmt(seed)}`);
    this.generator = new Generator(seed);
    return this;
  }
}

/**
 * The integers `start`, …, `start + n − 1` (Gymnasium's `Discrete`), e.g. CartPole's two actions.
 * @example
 * const space = new rl.Discrete(3);
 * space.contains(2);   // true
 * space.contains(3);   // false
 * space.contains(1.5); // false
 */
export class Discrete extends Space<number> {
  /** How many values. */
  readonly n: number;
  /** The smallest value. */
  readonly start: number;

  constructor(n: number, options: { start?: number; seed?: number } = {}) {
    super();
    check(Number.isSafeInteger(n) && n > 0, ArgumentError, () => `[Discrete] n must be a positive integer, got ${fmt(n)}`);
    const start = options.start ?? 0;
    check(Number.isSafeInteger(start), ArgumentError, () => `[Discrete] start must be an integer, got ${fmt(start)}`);
    this.n = n;
    this.start = start;
    if (options.seed !== undefined) this.seed(options.seed);
  }

  sample(): number {
    return this.start + this.rng.randint(0, this.n);
  }

  contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  override toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/** A Box's element type. */
export type BoxDType = 'float32' | 'float64';
/** A Box's value: a flat typed array of the box's size, row-major over its shape. */
export type BoxValue = Float32Array | Float64Array;

/**
 * Float arrays of a fixed shape with `low ≤ x ≤ high` elementwise (Gymnasium's `Box`); a bound may be
 * ±Infinity. Values are flat typed arrays (row-major), `Float32Array` for the default dtype float32.
 * The type parameter is the value's array type (`Box<Float32Array>` for a float32 box).
 * `sample()` draws as Gymnasium does: uniform on a bounded dimension, a shifted exponential on a
 * half-bounded one, a standard normal on an unbounded one.
 * @example
 * const torque = new rl.Box(-2, 2, [1]);
 * torque.contains(new Float32Array([1.5])); // true
 * torque.contains([3]);                     // false: above high
 */
export class Box<T extends BoxValue = BoxValue> extends Space<T> {
  readonly low: BoxValue;
  readonly high: BoxValue;
  readonly shape: readonly number[];
  readonly dtype: BoxDType;
  /** Number of elements (the product of the shape). */
  readonly size: number;

  /**
   * @param low lower bounds: one number for every element, or an array of `shape`'s size.
   * @param high upper bounds, likewise.
   * @param shape the value's shape; defaults to the bounds' length when they are arrays.
   */
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[], options: { dtype?: BoxDType; seed?: number } = {}) {
    super();
    const dtype = options.dtype ?? 'float32';
    check(dtype === 'float32' || dtype === 'float64', ArgumentError, () => `[Box] dtype must be 'float32' or 'float64', got ${fmt(dtype)}`);
    const arrayLength = typeof low === 'number' ? (typeof high === 'number' ? undefined : high.length) : low.length;
    const dims = shape ?? (arrayLength === undefined ? undefined : [arrayLength]);
    check(dims !== undefined, ArgumentError, () => '[Box] needs a shape when low and high are both numbers');
    check(Array.isArray(dims) && dims.every((d) => Number.isSafeInteger(d) && d > 0), ArgumentError,
      () => `[Box] shape must be positive integers, got ${fmt(dims)}`);
    const size = dims.reduce((a, b) => a * b, 1);
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const fill = (bound: number | ArrayLike<number>, name: string): BoxValue => {
      if (typeof bound === 'number') return new Ctor(size).fill(bound);
      check(bound.length === size, ArgumentError, () => `[Box] ${name} has ${bound.length} elements but shape ${fmt(dims)} has ${size}`);
      return Ctor.from(bound);
    };
    this.low = fill(low, 'low');
    this.high = fill(high, 'high');
    for (let i = 0; i < size; i++) {
      check(!Number.isNaN(this.low[i]!) && !Number.isNaN(this.high[i]!) && this.low[i]! <= this.high[i]!, ArgumentError,
        () => `[Box] needs low <= high (and neither NaN) at every element; at ${i}: low=${this.low[i]} high=${this.high[i]}`);
    }
    this.shape = Object.freeze([...dims]);
    this.dtype = dtype;
    this.size = size;
    if (options.seed !== undefined) this.seed(options.seed);
  }

  sample(): T {
    const out = this.dtype === 'float32' ? new Float32Array(this.size) : new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      const bl = Number.isFinite(lo);
      const bh = Number.isFinite(hi);
      if (bl && bh) out[i] = this.rng.uniform(lo, hi);
      else if (bl) out[i] = lo - Math.log1p(-this.rng.random()); // lo + Exp(1)
      else if (bh) out[i] = hi + Math.log1p(-this.rng.random()); // hi − Exp(1)
      else out[i] = this.rng.normal();
    }
    // float32 rounding may push a uniform draw to the bound's far side: clamp as Gymnasium does
    for (let i = 0; i < this.size; i++) out[i] = Math.min(Math.max(out[i]!, this.low[i]!), this.high[i]!);
    return out as T;
  }

  /** True for an array-like (number array or typed array) of `size` numbers, none NaN, all within the bounds. */
  contains(x: unknown): x is T {
    if (!(Array.isArray(x) || ArrayBuffer.isView(x)) || x instanceof DataView) return false;
    const a = x as ArrayLike<unknown>;
    if (a.length !== this.size) return false;
    // a float32 box compares the float32 rounding of each value, as Gymnasium casts to the box's dtype first
    const round = this.dtype === 'float32' ? Math.fround : unrounded;
    for (let i = 0; i < this.size; i++) {
      const v = a[i];
      if (typeof v !== 'number' || Number.isNaN(v) || round(v) < this.low[i]! || round(v) > this.high[i]!) return false;
    }
    return true;
  }

  override toString(): string {
    const bound = (b: BoxValue): string => (b.every((v) => v === b[0]) ? String(b[0]) : `[${Array.from(b, (v) => +v.toPrecision(6)).join(', ')}]`);
    return `Box(${bound(this.low)}, ${bound(this.high)}, [${this.shape.join(', ')}], ${this.dtype})`;
  }
}

/** A float64 box's values compare as they are. */
const unrounded = (v: number): number => v;

/**
 * Describes a value for an error message about a space: `2`, `NaN`, `"1" (string)`, `[3] (number array)`.
 * @example
 * describeValue('1'); // '"1" (string)'
 */
export function describeValue(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (Array.isArray(x)) return `[${x.slice(0, 8).map((v) => (typeof v === 'number' ? String(v) : fmt(v))).join(', ')}${x.length > 8 ? ', …' : ''}] (array of ${x.length})`;
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = x as unknown as ArrayLike<number>;
    return `[${Array.from({ length: Math.min(a.length, 8) }, (_, i) => String(a[i])).join(', ')}${a.length > 8 ? ', …' : ''}] (${x.constructor.name} of ${a.length})`;
  }
  return `${fmt(x)} (${x === null ? 'null' : typeof x})`;
}
