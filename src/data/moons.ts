/**
 * Two interleaving half circles ("two moons"), a classic 2-D toy classification set.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { defaultGenerator, type Generator } from '../base/random.js';

/** Options of `makeMoons`. */
export interface MoonsOptions {
  /** Standard deviation of Gaussian noise added to each coordinate (default 0). */
  noise?: number;
  /** Shuffle the samples (default true). */
  shuffle?: boolean;
  /** Generator for noise and shuffling (default: the global one). */
  generator?: Generator;
}

/** Points and their labels. */
export interface PointSet {
  /** n points of 2 coordinates. */
  x: number[][];
  /** n labels: 0 for the upper moon, 1 for the lower one. */
  y: number[];
}

/**
 * `n` points on two interleaving half circles, as scikit-learn's `make_moons`: the upper moon
 * (label 0) is the half circle (cos t, sin t), the lower one (label 1) is (1 − cos t, 0.5 − sin t), t in [0, π].
 * @example
 * manualSeed(1);
 * const { x, y } = makeMoons(100, { noise: 0.1 });
 */
export function makeMoons(n: number, options: MoonsOptions = {}): PointSet {
  const { noise = 0, shuffle = true, generator = defaultGenerator } = options;
  check(Number.isSafeInteger(n) && n >= 2, ArgumentError, () => `[makeMoons] n must be an integer >= 2, got ${fmt(n)}`);
  check(noise >= 0, ArgumentError, () => `[makeMoons] noise must be >= 0, got ${fmt(noise)}`);
  const nOuter = Math.floor(n / 2);
  const nInner = n - nOuter;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < nOuter; i++) {
    const t = nOuter === 1 ? 0 : (Math.PI * i) / (nOuter - 1);
    x.push([Math.cos(t), Math.sin(t)]);
    y.push(0);
  }
  for (let i = 0; i < nInner; i++) {
    const t = nInner === 1 ? 0 : (Math.PI * i) / (nInner - 1);
    x.push([1 - Math.cos(t), 0.5 - Math.sin(t)]);
    y.push(1);
  }
  if (noise > 0) for (const p of x) for (let d = 0; d < 2; d++) p[d] = p[d]! + generator.normal(0, noise);
  if (!shuffle) return { x, y };
  const perm = generator.permutation(n);
  return { x: perm.map((i) => x[i]!), y: perm.map((i) => y[i]!) };
}
