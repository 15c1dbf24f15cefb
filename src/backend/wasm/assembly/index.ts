// The kernels of the wasm backend, compiled by scripts/build-wasm.mjs (AssemblyScript, SIMD,
// shared memory). Every pointer is a byte offset into the memory the JavaScript side provides.
export { sgemm, gemmScratchBytes } from './gemm';
export { binary2d, unary2d, reduceRows, reduceCols } from './elementwise';
