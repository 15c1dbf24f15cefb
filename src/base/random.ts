/**
 * Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32. Pure 32-bit integer
 * arithmetic, so the same seed gives the same numbers on every machine. One global generator
 * (`defaultGenerator`, reseeded by `manualSeed`) feeds Value init, datasets and tensors.
 */
import { ArgumentError, check, fmt } from './errors.js';

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** State of a generator, as returned by `getState` and accepted by `setState`. */
export interface GeneratorState {
  readonly s: readonly [number, number, number, number];
  readonly spareNormal: number | null;
}

/**
 * A seeded random-number generator (like `torch.Generator`).
 * @example
 * const g = new Generator(7);
 * g.random();        // a float in [0, 1)
 * g.normal();        // a standard normal draw
 * g.randint(0, 10);  // an integer in [0, 10)
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;
  private seed = 0;

  constructor(seed = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /**
   * Reseeds the generator; the seed is a non-negative safe integer.
   * @example
   * const g = new Generator(); g.manualSeed(123);
   */
  manualSeed(seed: number): this {
    check(Number.isSafeInteger(seed) && seed >= 0, ArgumentError, () => `[manualSeed] seed must be a non-negative safe integer, got ${fmt(seed)}`);
    this.seed = seed;
    // splitmix32 over the low and high 32-bit halves fills the 128-bit state (never all zero).
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32), 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
    return this;
  }

  /**
   * The seed this generator was last seeded with.
   * @example
   * new Generator(5).initialSeed(); // 5
   */
  initialSeed(): number {
    return this.seed;
  }

  /**
   * The next raw 32-bit unsigned integer (xoshiro128**).
   * @example
   * new Generator(1).nextUint32(); // an integer in [0, 2^32)
   */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * A uniform float in [0, 1) with 53 random bits.
   * @example
   * const u = new Generator(0).random();
   */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /**
   * A uniform float32 value in [0, 1) with 24 random bits (rounding a 53-bit draw to float32 could give 1).
   * @example
   * new Generator(0).randomFloat32();
   */
  randomFloat32(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /**
   * A uniform float in [low, high).
   * @example
   * new Generator(0).uniform(-1, 1);
   */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /**
   * A normal draw with the given mean and standard deviation (Box–Muller; the second draw is kept for the next call).
   * @example
   * new Generator(0).normal(0, 2);
   */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /**
   * A uniform integer in [low, high) without modulo bias.
   * @example
   * new Generator(0).randint(0, 6); // a die roll minus one
   */
  randint(low: number, high: number): number {
    check(Number.isSafeInteger(low) && Number.isSafeInteger(high) && high > low, ArgumentError,
      () => `[randint] needs integers low < high, got low=${fmt(low)} high=${fmt(high)}`);
    const range = high - low;
    if (range <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % range);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return low + (x % range);
    }
    return low + Math.floor(this.random() * range);
  }

  /**
   * A random permutation of 0..n-1 (Fisher–Yates).
   * @example
   * new Generator(0).permutation(5); // e.g. [3, 0, 4, 1, 2]
   */
  permutation(n: number): number[] {
    check(Number.isSafeInteger(n) && n >= 0, ArgumentError, () => `[permutation] n must be a non-negative integer, got ${fmt(n)}`);
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.randint(0, i + 1);
      const tmp = p[i]!;
      p[i] = p[j]!;
      p[j] = tmp;
    }
    return p;
  }

  /**
   * The generator's full state, to restore later with `setState`.
   * @example
   * const g = new Generator(0); const s = g.getState(); g.random(); g.setState(s);
   */
  getState(): GeneratorState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spare };
  }

  /**
   * Restores a state from `getState`.
   * @example
   * g.setState(saved);
   */
  setState(state: GeneratorState): this {
    [this.s0, this.s1, this.s2, this.s3] = state.s;
    this.spare = state.spareNormal;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The seed the global generator starts with, so that a fresh process is reproducible.
 * @example
 * defaultGenerator.initialSeed() === DEFAULT_SEED; // true until manualSeed is called
 */
export const DEFAULT_SEED = 42;

/**
 * The global generator used when no generator is passed (Value init, datasets, tensor creation).
 * @example
 * defaultGenerator.random();
 */
export const defaultGenerator = new Generator(DEFAULT_SEED);

/**
 * Reseeds the global generator, like `torch.manual_seed`; returns it.
 * @example
 * manualSeed(0);
 * const a = new Value(0).data; // ... everything random after this is reproducible
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
