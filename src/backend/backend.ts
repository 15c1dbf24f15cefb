/**
 * The backend seam: the narrow set of kernels the tensor core calls. Kernels read strided views
 * and return new contiguous typed arrays (or write into a view for `assign`); they validate
 * nothing (the public ops do) and know nothing about gradients (the op registry does).
 * The TS reference backend (`backend/js`) is the readable truth; faster backends must agree with it.
 */
import type { DType, TypedArray } from '../base/dtype.js';
import type { Shape } from '../base/shape.js';

/** A typed array seen as a tensor: element (i, j, …) is `data[offset + i·strides[0] + j·strides[1] + …]`. */
export interface StridedView {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise ops of one operand. `cast` copies (converting to the output dtype); `toBool` is `x != 0`. */
export type UnaryOp =
  | 'cast' | 'toBool' | 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'rsqrt' | 'abs' | 'sign'
  | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'erf' | 'reciprocal' | 'floor' | 'ceil'
  | 'round' | 'logicalNot' | 'isnan';

/** Elementwise ops of two operands; comparisons and logical ops give 0/1; `reluGrad` is `b > 0 ? a : 0`. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'logicalAnd' | 'logicalOr' | 'reluGrad';

/** Reductions over a set of axes. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';

/** The kernels every backend provides. */
export interface Backend {
  readonly name: string;
  /** Why the backend cannot run on this runtime, or null where it can (`setBackend` then refuses it with a BackendError). */
  unsupported?(): string | null;
  /** Called when the backend becomes the active one (e.g. to install its storage allocator). */
  activate?(): void;
  /** Called when another backend replaces it. */
  deactivate?(): void;
  /** True when its storage pool is filling with memory that nothing frees (see `Storage.relocate`). */
  memoryPressure?(): boolean;
  /** `op(x)` for every element of `x`, into a new contiguous array of `dtype`. */
  unary(op: UnaryOp, x: StridedView, dtype: DType): TypedArray;
  /** `op(a, b)` where `a` and `b` are already broadcast to `shape` (stride 0 on stretched dims). */
  binary(op: BinaryOp, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray;
  /** `cond ? a : b`, all three broadcast to `shape`. */
  where(cond: StridedView, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray;
  /** Reduces over `axes` (sorted, distinct); the result has the remaining dims, in order. */
  reduce(op: ReduceOp, x: StridedView, axes: readonly number[], dtype: DType): TypedArray;
  /** Index of the first max (or min) along `axis`; NaN counts as the max (and the min), as in PyTorch. */
  argReduce(op: 'argmax' | 'argmin', x: StridedView, axis: number): Int32Array;
  /** Writes `src` (already broadcast to `dst.shape`) into the view `dst`, converting to `dst`'s dtype. */
  assign(dst: StridedView, src: StridedView): void;
  /** Batched matrix product: `a` is [B,M,K], `b` is [B,K,N] (batch broadcast through strides); the result is [B,M,N]. */
  matmul(a: StridedView, b: StridedView, dtype: DType): TypedArray;
  /**
   * Pads each dim with `low[d]` elements before, `high[d]` after and `interior[d]` between
   * neighbours, all set to `value` (XLA's pad); the input lands at `low + i·(interior + 1)`.
   */
  pad(x: StridedView, low: readonly number[], high: readonly number[], interior: readonly number[], value: number, dtype: DType): TypedArray;
  /** `out[…, i, …] = x[…, index[…, i, …], …]` along `axis`; `out` has `index`'s shape. */
  gather(x: StridedView, axis: number, index: StridedView, dtype: DType): TypedArray;
  /** A copy of `base` (contiguous) with `src[…, i, …]` added at `[…, index[…, i, …], …]` along `axis`. */
  scatterAdd(base: StridedView, axis: number, index: StridedView, src: StridedView, dtype: DType): TypedArray;
  /** Selects entries `index[j]` (a 1-d view) along `axis`. */
  indexSelect(x: StridedView, axis: number, index: StridedView, dtype: DType): TypedArray;
  /** A copy of `base` with `src[…, j, …]` added at `[…, index[j], …]` along `axis`. */
  indexAdd(base: StridedView, axis: number, index: StridedView, src: StridedView, dtype: DType): TypedArray;
  /** Running sum along `axis`. */
  cumsum(x: StridedView, axis: number, dtype: DType): TypedArray;
  /**
   * im2col: `x` [N, C, H, W] → [N, C·kh·kw, oh·ow], zero padding; with `batchInner`, laid out as
   * [C·kh·kw, N·oh·ow] instead (one matrix for the whole batch).
   */
  unfold(x: StridedView, window: Window2d, dtype: DType, batchInner?: boolean): TypedArray;
  /** col2im, the adjoint of unfold: [N, C·kh·kw, oh·ow] → [N, C, H, W], overlaps summed. */
  fold(cols: StridedView, outputSize: readonly [number, number], window: Window2d, dtype: DType): TypedArray;
  /** For each window of `x` [N, C, H, W], the index h·W + w of its (first) max; padding counts as −∞. Result [N, C, oh·ow]. */
  maxPoolIndices(x: StridedView, window: Window2d): Int32Array;
  /**
   * One LSTM step after its matrix products: gates = gi + gh ([B, 4H], order i, f, g, o),
   * c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'); the result [B, 2H] is h' | c'.
   */
  lstmCell(gi: StridedView, gh: StridedView, c: StridedView, dtype: DType): TypedArray;
  /** Backward of lstmCell from g = dh' | dc' ([B, 2H]) and its output: [B, 5H] = d gates | d c. */
  lstmCellBackward(gi: StridedView, gh: StridedView, c: StridedView, out: StridedView, g: StridedView, dtype: DType): TypedArray;
  /** One GRU step after its matrix products (gh includes b_hh): r, z = σ(…), n = tanh(gi_n + r·gh_n), h' = (1 − z)·n + z·h; [B, H]. */
  gruCell(gi: StridedView, gh: StridedView, h: StridedView, dtype: DType): TypedArray;
  /** Backward of gruCell from g = dh' ([B, H]): [B, 7H] = d gi | d gh | d h. */
  gruCellBackward(gi: StridedView, gh: StridedView, h: StridedView, g: StridedView, dtype: DType): TypedArray;
  /**
   * Softmax exp(x − m)/Σ exp(x − m) along `dim` (m the max), or with `log` log-softmax
   * (x − m) − log Σ exp(x − m) (m taken as 0 where it is ±∞); a contiguous array shaped like x.
   */
  softmax(x: StridedView, dim: number, log: boolean, dtype: DType): TypedArray;
  /** Backward of softmax from its output y and the output's gradient g: y·(g − Σ g·y), or g − exp(y)·Σ g with `log`. */
  softmaxBackward(y: StridedView, g: StridedView, dim: number, log: boolean, dtype: DType): TypedArray;
  /**
   * Layer norm of each row of x [R, N]: (x − mean)·rstd·weight + bias, rstd = 1/√(biased var + eps),
   * weight and bias [N] optional. Returns the output [R, N] and each row's mean and rstd as [R, 2].
   */
  layerNorm(x: StridedView, weight: StridedView | null, bias: StridedView | null, eps: number, dtype: DType): LayerNormResult;
  /** Backward of layerNorm from x, the weight (or null), the [R, 2] stats and g [R, N]: R·N + 2N = dx | dweight | dbias. */
  layerNormBackward(x: StridedView, weight: StridedView | null, stats: StridedView, g: StridedView, dtype: DType): TypedArray;
  /** GELU x·Φ(x), or with `tanh` 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); a contiguous array shaped like x. */
  gelu(x: StridedView, tanh: boolean, dtype: DType): TypedArray;
  /** Backward of gelu from its input and the output's gradient (same shape): g·gelu'(x). */
  geluBackward(x: StridedView, g: StridedView, tanh: boolean, dtype: DType): TypedArray;
  /**
   * Cross-entropy of logits x [R, C] against int32 class indices [R], optional class weights [C]:
   * (1 − ε)·w_t·(−logp_t) + (ε/C)·Σ_c w_c·(−logp_c) per row (ε the label smoothing, logp the
   * log-softmax), 0 where the target is `ignoreIndex`. One array R + R·C: the losses, then logp.
   */
  crossEntropy(x: StridedView, target: StridedView, weight: StridedView | null, ignoreIndex: number, smoothing: number, dtype: DType): TypedArray;
  /**
   * Backward of crossEntropy from its logp [R, C] and the gradients of the losses [R] and of logp [R, C]:
   * d x = gLogp − p·Σ gLogp + gLoss·(p·a − b) with p = exp(logp), a = (1 − ε)·w_t + (ε/C)·Σw,
   * b = (1 − ε)·w_t·onehot(t) + (ε/C)·w (0 at ignored rows); a contiguous [R, C] array.
   */
  crossEntropyBackward(logp: StridedView, target: StridedView, weight: StridedView | null, gLoss: StridedView, gLogp: StridedView, ignoreIndex: number, smoothing: number, dtype: DType): TypedArray;
  /**
   * Scaled dot-product attention without the score matrix: q [...batch, L, E], k [...batch, S, E],
   * v [...batch, S, Ev], bias [...batch, L, S] or null (same batch dims, stride 0 where broadcast);
   * scores q·kᵀ·scale + bias, keys j > i hidden from query i when `causal`. Returns the output
   * [...batch, L, Ev] and each row's log-sum-exp [...batch, L] (−∞ and a zero output for a row that
   * sees no key).
   */
  attention(q: StridedView, k: StridedView, v: StridedView, bias: StridedView | null, causal: boolean, scale: number, dtype: DType): AttentionResult;
  /** Backward of attention from its output, log-sum-exps and the output's gradient: dq | dk | dv (contiguous, batch dims full). */
  attentionBackward(q: StridedView, k: StridedView, v: StridedView, bias: StridedView | null, out: StridedView, lse: StridedView, grad: StridedView, causal: boolean, scale: number, dtype: DType): TypedArray;
  /**
   * One Adam step in place on contiguous views of one float dtype and one size (parameter, gradient,
   * first and second moments): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p + step·m / (√v / bias2Sqrt + eps),
   * each operation rounded to the dtype in the order of the composed ops (so that both agree bit for bit).
   */
  adamUpdate(p: StridedView, g: StridedView, m: StridedView, v: StridedView, c: AdamConstants): void;
}

/** The scalars of one Adam step (`adamUpdate`): `stepSize` is −lr / (1 − β1ᵗ), `bias2Sqrt` is √(1 − β2ᵗ). */
export interface AdamConstants {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly bias2Sqrt: number;
  readonly eps: number;
  readonly stepSize: number;
}

/** What the attention kernel returns: the output and the log-sum-exp of every score row. */
export interface AttentionResult {
  readonly out: TypedArray;
  readonly lse: TypedArray;
}

/** What the layerNorm kernel returns: the output [R, N] and each row's mean and rstd ([R, 2]). */
export interface LayerNormResult {
  readonly out: TypedArray;
  readonly stats: TypedArray;
}

/** Geometry of a 2-d sliding window (kernel, dilation, padding and stride per spatial dim). */
export interface Window2d {
  readonly kernel: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly stride: readonly [number, number];
}
