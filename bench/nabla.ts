/**
 * nabla's backends as benchmark cases: "nabla wasm" (SIMD kernels, the default thread count) and
 * "nabla js" (the TypeScript reference kernels). Build each case's tensors after `useNabla`, so that
 * its storage lives where that backend puts it (the wasm heap or the JS heap).
 */
import { F, configureWasm, getNumThreads, optim, setBackend, setNumThreads, type Tensor, type nn } from 'nabla';
import type { TrainCase } from './harness.js';

/**
 * The SIMD build the benchmarks run: relaxed SIMD (fused multiply-add), as the workloads' protocol
 * says (issue 15), unless NABLA_BENCH_SIMD=plain. Node 22+ runs it by default; on Node 20 this is the
 * user's opt-in `configureWasm({ relaxedSimd: true })`, which sets V8's flag for the process.
 */
export const BENCH_SIMD: 'relaxed' | 'plain' = process.env.NABLA_BENCH_SIMD === 'plain' ? 'plain' : 'relaxed';
configureWasm({ relaxedSimd: BENCH_SIMD === 'relaxed' });

export type NablaBackend = 'wasm' | 'js';

export const NABLA_BACKENDS: readonly NablaBackend[] = ['wasm', 'js'];

/** The wasm backend's thread count before any benchmark changed it (the cores available). */
export const DEFAULT_THREADS = getNumThreads();

/** Selects a nabla backend and (for wasm) the thread count, the default unless given. */
export function useNabla(backend: NablaBackend, threads = DEFAULT_THREADS): void {
  setBackend(backend);
  setNumThreads(threads);
}

/** The row name of a nabla case. */
export function nablaName(backend: NablaBackend): string {
  return `nabla ${backend}`;
}

/**
 * A training-step case of W3–W5 on `backend`: plain SGD at `lr` over `model`'s parameters; one step
 * is zero grads, forward (`logits()`), cross-entropy against `targets`, backward, update, and the
 * loss read as a JS number. Build the model and data after `useNabla(backend)`.
 */
export function sgdCase(backend: NablaBackend, model: nn.Module, lr: number, logits: () => Tensor, targets: Tensor): TrainCase {
  const opt = new optim.SGD(model.parameters(), { lr });
  const step = (): number => {
    opt.zeroGrad();
    const loss = F.crossEntropy(logits(), targets);
    loss.backward();
    opt.step();
    return loss.item();
  };
  return { name: nablaName(backend), setup: () => useNabla(backend), step };
}
