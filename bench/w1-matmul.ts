/**
 * W1 (bench/README.md): C = A·B for square n×n float32 inputs uniform [0, 1), created outside
 * the timed region; C is allocated on each call and read back as a typed array by every framework
 * (nabla `toTypedArray()`, tfjs `dataSync()`), so that the work surely happens, then disposed
 * (nabla `dispose()`, tfjs `tf.tidy`). GFLOP/s = 2n³ / t,
 * t the mean time of one call. Also: nabla wasm's thread scaling and a float64 figure (tfjs has no
 * float64; nabla's wasm backend runs float64 products in wasm too, as dgemm).
 */
import { rand } from 'nabla';
import type { TimedCase, TimeCallsOptions } from './harness.js';
import { tf, useBackend } from './tfjs.js';
import { DEFAULT_THREADS, useNabla, type NablaBackend } from './nabla.js';

export const W1_SIZES = [64, 256, 512, 1024] as const;

/** Fast cases: 3 rounds × 10 samples of at least 50 ms each. */
export const W1_PROTOCOL: TimeCallsOptions = { rounds: 3, samples: 10, minSampleMs: 50, warmup: 3 };

/**
 * The cases on the JS kernels (nabla js, tfjs-cpu) take seconds per call at n = 1024:
 * they get fewer rounds at n ≥ 512, still ≥ 10 samples in all.
 */
function slowProtocol(n: number): Partial<TimeCallsOptions> | undefined {
  if (n >= 1024) return { rounds: 1, samples: 10, warmup: 0 };
  if (n >= 512) return { rounds: 3, samples: 4, warmup: 1, rewarm: 0 };
  return undefined;
}

/** A nabla case of W1 at size n (also run alone in a fresh process: bench/fresh.ts). */
export function w1NablaCase(n: number, backend: NablaBackend, name: string, threads = DEFAULT_THREADS, dtype: 'float32' | 'float64' = 'float32'): TimedCase {
  useNabla(backend, threads);
  const a = rand([n, n], { dtype });
  const b = rand([n, n], { dtype });
  const slow = backend === 'js';
  // C is read back and then disposed, as tf.tidy disposes tfjs's (its heap block is reused at once)
  const run = (): void => {
    const c = a.matmul(b);
    c.toTypedArray();
    c.dispose();
  };
  return { name, setup: () => useNabla(backend, threads), run, options: slow ? slowProtocol(n) : undefined };
}

function tfjsCase(n: number, backend: 'cpu' | 'wasm'): TimedCase {
  useBackend(backend);
  const a = tf.randomUniform([n, n], 0, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], 0, 1, 'float32', 2);
  return {
    name: `tfjs-${backend}`,
    setup: () => useBackend(backend),
    // NOTE: the callback returns nothing: tf.tidy walks a returned typed array element by element
    // looking for tensors, which costs far more than the matmul (36 ms for 65,536 elements)
    run: () => tf.tidy(() => void tf.matMul(a, b).dataSync()),
    options: backend === 'cpu' ? slowProtocol(n) : undefined,
  };
}

/** W1's cases for one size: nabla wasm (default threads first: the reference), its 1- and 2-thread figures, nabla js, float64, tfjs. */
export function w1Cases(n: number): TimedCase[] {
  const threadCounts = [1, 2].filter((t) => t !== DEFAULT_THREADS);
  const plural = (t: number): string => `${t} thread${t === 1 ? '' : 's'}`;
  const cases = [
    w1NablaCase(n, 'wasm', `nabla wasm (${plural(DEFAULT_THREADS)}, default)`),
    ...threadCounts.map((t) => w1NablaCase(n, 'wasm', `nabla wasm ${plural(t)}`, t)),
    w1NablaCase(n, 'js', 'nabla js'),
  ];
  cases.push(w1NablaCase(n, 'wasm', 'nabla float64 (wasm)', DEFAULT_THREADS, 'float64'));
  cases.push(tfjsCase(n, 'cpu'), tfjsCase(n, 'wasm'));
  useNabla('wasm');
  return cases;
}

export function gflops(n: number, ms: number): number {
  return (2 * n ** 3) / (ms * 1e6);
}
