/**
 * The wasm backend's optimiser kernels (assembly/optim.ts): the fused Adam step runs in wasm when
 * all four views are float32 on the wasm heap and large enough to pay; otherwise (float64, small
 * tensors on the JS heap) the TypeScript reference (js/optim.ts) writes the same values.
 */
import { numel } from '../../base/shape.js';
import type { AdamConstants, Backend, StridedView } from '../backend.js';
import * as ref from '../js/optim.js';
import type { WasmKernels } from './kernels.js';

/** What the optimiser kernels need from the wasm backend. */
export interface OptimCalls {
  kernels(): WasmKernels;
  /** Tensors smaller than this (elements) run the JS kernels. */
  minElements(): number;
  /** Byte address of element `offset` of a heap array, or −1 when it is on the JS heap. */
  address(data: StridedView['data'], offset: number): number;
}

/**
 * The optimiser kernels of the wasm backend.
 * @example
 * const { adamUpdate } = optimKernels({ kernels: () => k, minElements: () => 64, address });
 */
export function optimKernels(calls: OptimCalls): Pick<Backend, 'adamUpdate'> {
  function adamUpdate(p: StridedView, g: StridedView, m: StridedView, v: StridedView, c: AdamConstants): void {
    const n = numel(p.shape);
    const views = [p, g, m, v];
    const ptrs = views.map((x) => (x.data instanceof Float32Array ? calls.address(x.data, x.offset) : -1));
    if (n < calls.minElements() || ptrs.some((a) => a < 0)) {
      ref.adamUpdate(p, g, m, v, c);
      return;
    }
    const [pp, gp, mp, vp] = ptrs as [number, number, number, number];
    // the scalars cross into wasm as f32 arguments: rounded as Math.fround rounds them in the reference
    calls.kernels().adamUpdate(pp, gp, mp, vp, n, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2, c.bias2Sqrt, c.eps, c.stepSize);
  }
  return { adamUpdate };
}
