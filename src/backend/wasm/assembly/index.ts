// The kernels of the wasm backend, compiled by scripts/build-wasm.mjs (AssemblyScript, SIMD,
// shared memory). Every pointer is a byte offset into the memory the JavaScript side provides.
export { sgemm, sgemmBatch, dgemm, dgemmBatch, gemmScratchBytes } from './gemm';
export { unfold, fold, maxPoolIndices, gatherRows, scatterAddRows } from './window';
export { binary2d, unary2d } from './elementwise';
export { binaryNd, unaryNd, compareNd, whereNd, reduceNd } from './strided';
export { lstmCell, lstmCellBackward, gruCell, gruCellBackward } from './rnn';
export { attentionForward, attentionBackward } from './attention';
export { adamUpdate } from './optim';
export { softmaxRows, softmaxBackwardRows, layerNormRows, layerNormBackwardRows, geluForward, geluBackward, crossEntropyRows, crossEntropyBackwardRows } from './fused';
