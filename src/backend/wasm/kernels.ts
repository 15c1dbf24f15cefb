/**
 * Loads the compiled wasm kernels (src/backend/wasm/assembly, built by scripts/build-wasm.mjs)
 * against a shared memory.
 */
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './generated/kernels.js';
import { ArgumentError, BackendError } from '../../base/errors.js';
import { createRequire } from './node-require.js';
import { hasSharedMemory, hasWasmSimd } from './runtime.js';
import { unshareMemoryImport } from './unshared.js';

/** The kernel exports; pointers are byte offsets into the shared memory. */
export interface WasmKernels {
  sgemm(a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, m: number, n: number, k: number, scratch: number): void;
  sgemmBatch(a: number, abatch: number, ars: number, acs: number, b: number, bbatch: number, brs: number, bcs: number, c: number, m: number, n: number, k: number, count: number, scratch: number): void;
  dgemm(a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, m: number, n: number, k: number, scratch: number): void;
  dgemmBatch(a: number, abatch: number, ars: number, acs: number, b: number, bbatch: number, brs: number, bcs: number, c: number, m: number, n: number, k: number, count: number, scratch: number): void;
  gemmScratchBytes(): number;
  unfold(x: number, n: number, c: number, h: number, w: number, s0: number, s1: number, s2: number, s3: number, geometry: number, out: number, os0: number, os1: number): void;
  fold(cols: number, cs0: number, cs1: number, cs2: number, n: number, c: number, h: number, w: number, geometry: number, out: number): void;
  maxPoolIndices(x: number, n: number, c: number, h: number, w: number, s0: number, s1: number, s2: number, s3: number, geometry: number, out: number): void;
  gatherRows(x: number, xcols: number, idx: number, out: number, rows: number, cols: number): void;
  scatterAddRows(out: number, ocols: number, idx: number, src: number, rows: number, cols: number): void;
  binary2d(op: number, a: number, a0: number, a1: number, b: number, b0: number, b1: number, out: number, rows: number, cols: number): void;
  unary2d(op: number, x: number, x0: number, x1: number, out: number, rows: number, cols: number): void;
  binaryNd(op: number, a: number, b: number, out: number, layout: number, nd: number, work: number): void;
  unaryNd(op: number, x: number, out: number, layout: number, nd: number, work: number): void;
  compareNd(op: number, a: number, b: number, out: number, layout: number, nd: number, work: number): void;
  whereNd(cond: number, a: number, b: number, out: number, layout: number, nd: number, work: number): void;
  reduceNd(op: number, x: number, out: number, layout: number, kd: number, rd: number, work: number): void;
  lstmCell(gi: number, gis: number, gh: number, ghs: number, c: number, cs: number, out: number, batch: number, h: number): void;
  lstmCellBackward(gi: number, gis: number, gh: number, ghs: number, c: number, cs: number, hc: number, hcs: number, g: number, gs: number, out: number, batch: number, h: number): void;
  gruCell(gi: number, gis: number, gh: number, ghs: number, h: number, hs: number, out: number, batch: number, hidden: number): void;
  gruCellBackward(gi: number, gis: number, gh: number, ghs: number, h: number, hs: number, g: number, gs: number, out: number, batch: number, hidden: number): void;
  softmaxRows(x: number, xs: number, out: number, rows: number, n: number, log: number): void;
  softmaxBackwardRows(y: number, ys: number, g: number, gs: number, out: number, rows: number, n: number, log: number): void;
  layerNormRows(x: number, xs: number, w: number, b: number, out: number, stats: number, rows: number, n: number, eps: number): void;
  layerNormBackwardRows(x: number, xs: number, w: number, stats: number, g: number, gs: number, out: number, rows: number, n: number): void;
  geluForward(x: number, out: number, n: number, tanh: number): void;
  geluBackward(x: number, g: number, out: number, n: number, tanh: number): void;
  crossEntropyRows(x: number, xs: number, target: number, ts: number, w: number, out: number, rows: number, c: number, ignoreIndex: number, smoothing: number): void;
  crossEntropyBackwardRows(lp: number, ls: number, target: number, ts: number, w: number, gl: number, gls: number, glp: number, glps: number, out: number, rows: number, c: number, ignoreIndex: number, smoothing: number): void;
  adamUpdate(p: number, g: number, m: number, v: number, n: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, bias2Sqrt: number, eps: number, step: number): void;
  attentionForward(q: number, k: number, v: number, bias: number, offs: number, qr: number, kr: number, vr: number, br: number, bc: number, l: number, s: number, e: number, ev: number, flags: number, scaleBits: number, out: number, lse: number, b0: number, b1: number, scratch: number): void;
  attentionBackward(q: number, k: number, v: number, bias: number, g: number, offs: number, qr: number, kr: number, vr: number, br: number, bc: number, gr: number, l: number, s: number, e: number, ev: number, flags: number, scaleBits: number, out: number, lse: number, dq: number, dk: number, dv: number, b0: number, b1: number, scratch: number): void;
}

/**
 * Most dims the N-d kernels take (assembly/strided.ts).
 * @example
 * collapse(shape, strides).shape.length <= MAX_DIMS; // else the JS kernel runs
 */
export const MAX_DIMS = 8;
/**
 * Op codes of compareNd.
 * @example
 * k.compareNd(COMPARE_CODES.gt, a, b, out, layout, nd, work);
 */
export const COMPARE_CODES = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 } as const;

/**
 * Op codes of binary2d and binaryNd (must match assembly/elementwise.ts).
 * @example
 * k.binary2d(BINARY_CODES.add, a, 0, 1, b, 0, 1, out, 1, n);
 */
export const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, reluGrad: 6 } as const;
/**
 * Op codes of unary2d and unaryNd (must match assembly/elementwise.ts).
 * @example
 * k.unary2d(UNARY_CODES.exp, x, 0, 1, out, 1, n);
 */
export const UNARY_CODES = {
  neg: 0, abs: 1, sqrt: 2, relu: 3, reciprocal: 4, cast: 5, exp: 6, sigmoid: 7, tanh: 8, log: 9, rsqrt: 10,
} as const;

let compiled: WebAssembly.Module | null = null;
let variant: 'relaxed-simd' | 'simd' = 'simd';
/** The user's choice: 'auto' takes relaxed SIMD only where the runtime accepts it without a flag. */
let relaxedChoice: boolean | 'auto' = 'auto';

function decode(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Whether relaxed SIMD is to be used: with 'auto', where the runtime accepts it as it is (Node 22
 * and later); asked for explicitly (`configureWasm({ relaxedSimd: true })`), also on Node 20, whose
 * V8 has it behind the flag `--experimental-wasm-relaxed-simd`, which is then set (process-wide,
 * which is why it is not the default there).
 */
function relaxedSimd(bytes: Uint8Array): boolean {
  if (relaxedChoice === false) return false;
  if (WebAssembly.validate(bytes)) return true;
  if (relaxedChoice === 'auto') return false;
  try {
    (createRequire('node:v8') as { setFlagsFromString(flags: string): void }).setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not Node: the check below says no
  }
  if (!WebAssembly.validate(bytes)) throw new BackendError('[configureWasm] relaxedSimd: true, but this runtime does not accept relaxed SIMD');
  return true;
}

/**
 * The compiled module (compiled once; workers instantiate the same module): the relaxed-SIMD build
 * (fused multiply-add in the matrix products) where chosen and accepted (see `relaxedSimd`), else
 * the SIMD one.
 * @example
 * new WebAssembly.Instance(kernelModule(), { env: { memory } });
 */
export function kernelModule(): WebAssembly.Module {
  if (compiled === null) {
    variant = relaxedSimd(decode(KERNELS_RELAXED_WASM_BASE64)) ? 'relaxed-simd' : 'simd';
    compiled = compileKernels(variant);
  }
  return compiled;
}

/**
 * Compiles one build of the kernels (throws where the runtime rejects it), importing a shared memory
 * or, with `shared` false (the default where the runtime has no shared memory), a plain one.
 * @example
 * new WebAssembly.Instance(compileKernels('simd'), { env: { memory, abort() {} } });
 */
export function compileKernels(build: 'relaxed-simd' | 'simd', shared = hasSharedMemory()): WebAssembly.Module {
  const bytes = decode(build === 'simd' ? KERNELS_WASM_BASE64 : KERNELS_RELAXED_WASM_BASE64);
  return new WebAssembly.Module(shared ? bytes : unshareMemoryImport(bytes));
}

/**
 * Which build of the wasm kernels the wasm backend runs: 'relaxed-simd' (fused multiply-add in matrix
 * products; by default where the runtime accepts it without a flag: Node 22 and later, current
 * browsers) or 'simd'; null where the wasm backend cannot run (no WebAssembly SIMD: `backend()` is
 * then the js backend). `backend().name` says which backend runs now.
 * @example
 * wasmKernels(); // 'simd' on Node 20, 'relaxed-simd' on Node 22 and in Chrome
 */
export function wasmKernels(): 'relaxed-simd' | 'simd' | null {
  if (!hasWasmSimd()) return null;
  kernelModule();
  return variant;
}

/**
 * Chooses the kernels' build before they first load: true asks for relaxed SIMD (setting Node 20's
 * V8 flag for it), false keeps the plain SIMD build (each product and sum rounded separately, as the
 * TypeScript kernels do). Throws, changing nothing, when the kernels have loaded already with
 * another build.
 * @example
 * allowRelaxedSimd(false);
 */
export function allowRelaxedSimd(on: boolean): void {
  if (compiled !== null && on !== (variant === 'relaxed-simd')) {
    throw new ArgumentError(`[configureWasm] relaxedSimd: ${on} comes too late: the wasm kernels (${variant}) have loaded already`);
  }
  relaxedChoice = on;
}

/**
 * Instantiates the kernels over `memory`.
 * @example
 * const k = instantiateKernels(heap.memory);
 */
export function instantiateKernels(memory: WebAssembly.Memory): WasmKernels {
  const instance = new WebAssembly.Instance(kernelModule(), {
    env: {
      memory,
      abort: () => {
        throw new Error('wasm kernel aborted');
      },
    },
  });
  return instance.exports as unknown as WasmKernels;
}
