/**
 * W2 (bench/README.md): per-op overhead. a, b, c are 16-element float32 tensors that
 * require grad; one iteration is relu(mul(add(a, b), c)), three ops, results discarded.
 * NOTE: tfjs records a tape only inside a gradient function; its ops here run in tf.tidy without one.
 */
import { rand } from 'nabla';
import type { BenchCase } from './harness.js';
import { nablaName, useNabla, type NablaBackend } from './nabla.js';
import { tf, useBackend } from './tfjs.js';

export const OPS_PER_ITERATION = 3;

/** NOTE: 16 elements are below the wasm backend's size threshold: its case measures its dispatch overhead. */
export function nablaW2(backend: NablaBackend): BenchCase {
  useNabla(backend);
  const [a, b, c] = [0, 1, 2].map(() => rand([16], { requiresGrad: true })) as [ReturnType<typeof rand>, ReturnType<typeof rand>, ReturnType<typeof rand>];
  return { name: `${nablaName(backend)} (graph recorded)`, setup: () => useNabla(backend), run: () => void a.add(b).mul(c).relu() };
}

export function tfjsW2(backend: 'cpu' | 'wasm'): BenchCase {
  useBackend(backend);
  const [a, b, c] = [0, 1, 2].map(() => tf.variable(tf.randomUniform([16]))) as [tf.Variable, tf.Variable, tf.Variable];
  return {
    name: `tfjs-${backend}`,
    setup: () => useBackend(backend),
    run: () => tf.tidy(() => void tf.relu(tf.mul(tf.add(a, b), c))),
  };
}
