/**
 * nabla: define-by-run automatic differentiation and deep learning in TypeScript.
 */
export { NablaError, ShapeError, DTypeError, ArgumentError, DomainError, AutogradError, GradcheckError, BackendError, AnomalyError, EnvError } from './base/errors.js';
export { scope, keep, type Synchronous } from './core/storage.js';
export { Generator, defaultGenerator, manualSeed, DEFAULT_SEED, type GeneratorState } from './base/random.js';

// scalar engine
export { Value, value, type Scalar } from './scalar/value.js';
export * as scalar from './scalar/index.js';

// tensors and autograd
export { Tensor, type TensorLike, type RemovableHandle } from './core/tensor.js';
export { type DType, type DTypeMap, type TypedArray, DTYPES, DEFAULT_DTYPE, promoteTypes } from './base/dtype.js';
export { type Shape, broadcastShapes } from './base/shape.js';
export {
  tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint,
  zerosLike, onesLike, fullLike, randLike, randnLike, scalarTensor,
  type TensorOptions, type RandomOptions, type SizeArg,
} from './core/creation.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './core/grad-mode.js';
export { apply, type OpDef, type VjpContext, type GradHook, type BackwardOptions, type SaveSpec, type SavedReads } from './core/autograd.js';
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './core/anomaly.js';
export { autograd, grad, valueAndGrad, vjp, jvp, hessianVectorProduct, type GradOptions, type AutogradGradOptions } from './core/functional.js';
export { customOp, FunctionContext, type CustomOpDefinition } from './core/custom-op.js';
export { gradcheck, gradgradcheck, type GradcheckOptions } from './core/gradcheck.js';
export type { NestedArray } from './core/print.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/linalg.js';
export * from './ops/view.js';
export { clone, contiguous, toDType, pad, cat, stack, flip, repeat, tril, triu } from './ops/copy.js';
export { indexSelect, indexAdd, gather, scatterAdd, cumsum } from './ops/indexing.js';
export { cumprod } from './ops/scan.js';
export { unfold, fold, type WindowOptions } from './ops/window.js';
export { multinomial, type MultinomialOptions } from './ops/sampling.js';
export { padSequence, type PadSequenceOptions } from './ops/sequence.js';
export { backend, setBackend, registerBackend, listBackends, type Backend, type StridedView } from './backend/index.js';
export { configureWasm, wasmKernels, wasmMemoryStats, setNumThreads, getNumThreads, threadsReady, type WasmOptions, type WasmMemoryStats } from './backend/wasm/index.js';

// neural networks
export * as nn from './nn/index.js';
export * as F from './nn/functional/index.js';

// optimisers, LR schedulers, gradient clipping
export * as optim from './optim/index.js';

// saving and loading
export * from './io/index.js';

// data, metrics, and seeing
export * from './data/index.js';
export * from './viz/index.js';

// text: tokenizers and sampling from language models
export * as text from './text/index.js';

// reinforcement learning: Gymnasium-style environments, spaces, wrappers, vector environments
export * as rl from './rl/index.js';

// probability distributions (torch.distributions): Categorical, Normal, Independent, TanhNormal
export * as distributions from './distributions/index.js';
