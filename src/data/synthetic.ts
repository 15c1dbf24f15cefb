/**
 * Small synthetic data sets as tensors: two moons and spirals (classification: float32 points
 * [n, 2], int32 labels [n]) and a linear regression problem. All draws come from a seeded generator.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { defaultGenerator, Generator } from '../base/random.js';
import { Tensor } from '../core/tensor.js';
import { makeMoons } from './moons.js';

/** A labelled set of points as tensors. */
export interface ClassificationSet {
  /** [n, 2] float32 points. */
  x: Tensor;
  /** [n] int32 class labels. */
  y: Tensor;
}

/** Options of `moons` and `spirals`. */
export interface ToySetOptions {
  /** Standard deviation of Gaussian noise added to each coordinate (default 0). */
  noise?: number;
  /** Shuffle the samples (default true). */
  shuffle?: boolean;
  /** Generator of noise and shuffling (default: the global one). */
  generator?: Generator;
}

/**
 * `makeMoons` as tensors: n points on two interleaving half circles, labels 0 (upper) and 1 (lower).
 * @example
 * const { x, y } = moons(200, { noise: 0.1, generator: new Generator(0) }); // [200, 2], [200]
 */
export function moons(n: number, options: ToySetOptions = {}): ClassificationSet {
  check(Number.isSafeInteger(n) && n >= 2, ArgumentError, () => `[moons] n must be an integer >= 2, got ${fmt(n)}`);
  checkNoise(options.noise ?? 0, 'moons');
  checkGenerator(options.generator, 'moons');
  const { x, y } = makeMoons(n, options);
  return pointsToTensors(x.flat(), y);
}

/** Options of `spirals`. */
export interface SpiralOptions extends ToySetOptions {
  /** How many turns each arm makes from the centre to radius 1 (default 1). */
  turns?: number;
}

/**
 * `n` points on `classes` interleaved spiral arms (the CS231n toy problem); class j gets
 * ⌊n / classes⌋ points, plus one for the first n mod classes classes. Point i of m on arm j is at
 * radius r = i / (m − 1) and angle 2π (j / classes + turns · r), i.e. (r cos θ, r sin θ) plus noise.
 * @example
 * const { x, y } = spirals(300, 3, { noise: 0.05, generator: new Generator(1) }); // labels 0, 1, 2
 */
export function spirals(n: number, classes: number, options: SpiralOptions = {}): ClassificationSet {
  const { noise = 0, shuffle = true, turns = 1, generator = defaultGenerator } = options;
  check(Number.isSafeInteger(classes) && classes >= 1, ArgumentError, () => `[spirals] classes must be a positive integer, got ${fmt(classes)}`);
  check(Number.isSafeInteger(n) && n >= classes, ArgumentError, () => `[spirals] n must be an integer >= classes (${classes}), got ${fmt(n)}`);
  checkNoise(noise, 'spirals');
  check(Number.isFinite(turns), ArgumentError, () => `[spirals] turns must be a finite number, got ${fmt(turns)}`);
  checkGenerator(generator, 'spirals');
  const points: number[] = [];
  const labels: number[] = [];
  for (let j = 0; j < classes; j++) {
    const m = Math.floor(n / classes) + (j < n % classes ? 1 : 0);
    for (let i = 0; i < m; i++) {
      const r = m === 1 ? 0 : i / (m - 1);
      const angle = 2 * Math.PI * (j / classes + turns * r);
      points.push(r * Math.cos(angle), r * Math.sin(angle));
      labels.push(j);
    }
  }
  if (noise > 0) for (let k = 0; k < points.length; k++) points[k] = points[k]! + generator.normal(0, noise);
  if (!shuffle) return pointsToTensors(points, labels);
  const perm = generator.permutation(n);
  return pointsToTensors(perm.flatMap((i) => [points[2 * i]!, points[2 * i + 1]!]), perm.map((i) => labels[i]!));
}

/** Options of `regression`. */
export interface RegressionOptions {
  /** Number of input features (default 1). */
  features?: number;
  /** Standard deviation of Gaussian noise added to the targets (default 0). */
  noise?: number;
  /** The true weights, one per feature (default: standard normal draws). */
  weight?: readonly number[];
  /** The true bias (default 0). */
  bias?: number;
  /** Generator of weights, inputs and noise, drawn in that order (default: the global one). */
  generator?: Generator;
}

/** A linear regression problem and the parameters that generated it. */
export interface RegressionSet {
  /** [n, features] float32 inputs, standard normal. */
  x: Tensor;
  /** [n, 1] float32 targets x · weight + bias + noise. */
  y: Tensor;
  /** The true weights. */
  weight: number[];
  /** The true bias. */
  bias: number;
}

/**
 * A linear regression problem: standard normal inputs x [n, features] and targets
 * y = x · weight + bias + noise · N(0, 1) of shape [n, 1] (what `Linear(features, 1)` outputs).
 * @example
 * const { x, y, weight } = regression(100, { features: 3, noise: 0.1, generator: new Generator(0) });
 */
export function regression(n: number, options: RegressionOptions = {}): RegressionSet {
  const { features = 1, noise = 0, bias = 0, generator = defaultGenerator } = options;
  check(Number.isSafeInteger(n) && n >= 1, ArgumentError, () => `[regression] n must be a positive integer, got ${fmt(n)}`);
  check(Number.isSafeInteger(features) && features >= 1, ArgumentError, () => `[regression] features must be a positive integer, got ${fmt(features)}`);
  checkNoise(noise, 'regression');
  check(Number.isFinite(bias), ArgumentError, () => `[regression] bias must be a finite number, got ${fmt(bias)}`);
  checkGenerator(generator, 'regression');
  const weight = options.weight?.slice() ?? Array.from({ length: features }, () => generator.normal());
  check(weight.length === features && weight.every(Number.isFinite), ArgumentError,
    () => `[regression] weight must be ${features} finite numbers (one per feature), got ${fmt(weight)}`);
  const x = new Float32Array(n * features);
  for (let k = 0; k < x.length; k++) x[k] = generator.normal();
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = bias;
    for (let f = 0; f < features; f++) s += x[i * features + f]! * weight[f]!;
    y[i] = noise > 0 ? s + generator.normal(0, noise) : s;
  }
  return { x: Tensor.fromData(x, [n, features], 'float32'), y: Tensor.fromData(y, [n, 1], 'float32'), weight, bias };
}

function pointsToTensors(flat: readonly number[], labels: readonly number[]): ClassificationSet {
  return {
    x: Tensor.fromData(Float32Array.from(flat), [labels.length, 2], 'float32'),
    y: Tensor.fromData(Int32Array.from(labels), [labels.length], 'int32'),
  };
}

function checkNoise(noise: unknown, op: string): void {
  check(typeof noise === 'number' && Number.isFinite(noise) && noise >= 0, ArgumentError,
    () => `[${op}] noise must be a finite number >= 0, got ${fmt(noise)}`);
}

function checkGenerator(generator: unknown, op: string): void {
  check(generator === undefined || generator instanceof Generator, ArgumentError,
    () => `[${op}] generator must be a Generator, got ${fmt(generator)}`);
}
