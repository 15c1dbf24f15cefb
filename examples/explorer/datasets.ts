/**
 * The Playground's four toy sets as flat arrays, every one scaled into about [-1, 1]²: two moons and
 * spirals from nabla (`makeMoons`, `spirals` with two arms), circles and xor written here (nabla's
 * data module has no such sets). Labels are 0 or 1.
 */
import { Generator, makeMoons, spirals } from 'nabla';
import type { DatasetName } from './protocol.js';

/** n points (row-major n × 2) and their labels. */
export interface Points {
  points: Float32Array;
  labels: Uint8Array;
}

/**
 * `n` points of the named set with Gaussian noise of standard deviation `noise` on each coordinate.
 * @example
 * const { points, labels } = makeDataset('xor', 200, 0.1, new Generator(0));
 */
export function makeDataset(name: DatasetName, n: number, noise: number, generator: Generator): Points {
  switch (name) {
    case 'moons': return moonsSet(n, noise, generator);
    case 'spirals': return spiralSet(n, noise, generator);
    case 'circles': return makeCircles(n, noise, generator);
    case 'xor': return makeXor(n, noise, generator);
  }
}

/** makeMoons spans x in [-1, 2] and y in [-0.5, 1]: centred, and divided by 1.5. */
function moonsSet(n: number, noise: number, generator: Generator): Points {
  const { x, y } = makeMoons(n, { noise, generator });
  const points = new Float32Array(2 * n);
  x.forEach(([u, v], i) => {
    points[2 * i] = (u! - 0.5) / 1.5;
    points[2 * i + 1] = (v! - 0.25) / 1.5;
  });
  return { points, labels: Uint8Array.from(y) };
}

/** Two interleaved spiral arms of radius 1, one turn each. */
function spiralSet(n: number, noise: number, generator: Generator): Points {
  const { x, y } = spirals(n, 2, { noise, turns: 1, generator });
  const points = new Float32Array(x.toTypedArray());
  const labels = Uint8Array.from(y.toTypedArray());
  x.dispose();
  y.dispose();
  return { points, labels };
}

/**
 * Two concentric circles (as scikit-learn's `make_circles`, factor 0.5): label 0 on the outer one of
 * radius 1, label 1 on the inner one of radius 0.5; the angles are drawn uniformly.
 * @example
 * makeCircles(100, 0.05, new Generator(1)).labels; // 50 zeros and 50 ones, shuffled
 */
export function makeCircles(n: number, noise: number, generator: Generator): Points {
  const points = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const inner = i % 2;
    const radius = inner === 1 ? 0.5 : 1;
    const angle = generator.uniform(0, 2 * Math.PI);
    points[2 * i] = radius * Math.cos(angle) + generator.normal(0, noise);
    points[2 * i + 1] = radius * Math.sin(angle) + generator.normal(0, noise);
    labels[i] = inner;
  }
  return { points, labels };
}

/**
 * XOR: points uniform in [-1, 1]², kept 0.05 away from the axes; label 1 where x·y > 0 (first and third
 * quadrants). The label comes from the point before the noise is added, as in TensorFlow's playground.
 * @example
 * makeXor(100, 0, new Generator(2)); // no point within 0.05 of an axis
 */
export function makeXor(n: number, noise: number, generator: Generator): Points {
  const points = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  const away = (u: number): number => u + (u >= 0 ? 0.05 : -0.05);
  for (let i = 0; i < n; i++) {
    const u = away(generator.uniform(-0.95, 0.95));
    const v = away(generator.uniform(-0.95, 0.95));
    points[2 * i] = u + generator.normal(0, noise);
    points[2 * i + 1] = v + generator.normal(0, noise);
    labels[i] = u * v > 0 ? 1 : 0;
  }
  return { points, labels };
}
