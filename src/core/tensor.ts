/**
 * `Tensor`: an N-d view (storage + shape + strides + offset) with autograd fields. The methods are
 * thin, chainable forms of the functions in `src/ops` (where validation and the op registry live);
 * `backward()` hands over to the engine in `autograd.ts`.
 *
 * NOTE: the one import cycle of the layering (base → backend → core → ops → nn, optim, …): the
 * methods here call `src/ops`, and the ops build Tensors. It lives in this one import of
 * `../ops/index.js`; nothing else in core imports ops (test/layering.test.ts checks it).
 */
import type { StridedView } from '../backend/backend.js';
import * as ops from '../ops/index.js';
import type { ReduceArgs, SliceArgs, VarArgs } from '../ops/index.js';
import { ArgumentError, AutogradError, DTypeError, ShapeError, TENSOR_BRAND, check, fmt } from '../base/errors.js';
import { disownGrad, runBackward, type BackwardOptions, type GradHook, type Node } from './autograd.js';
import { checkDType, isFloating, type DType, type DTypeMap, type TypedArray } from '../base/dtype.js';
import { formatTensor, toNested, type NestedArray } from './print.js';
import { checkShape, contiguousStrides, numel, showShape, type Shape } from '../base/shape.js';
import { Storage } from './storage.js';

/** The typed array each dtype's storage is (`DTypeMap`), checked by `Tensor.fromData`. */
const ARRAY_OF: { [D in DType]: abstract new (...args: never[]) => DTypeMap[D] } = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array,
};

/** What `data` is, for an error message: `Float32Array (length 3)`, `Array`, `null`. */
function arrayKind(data: unknown): string {
  if (ArrayBuffer.isView(data)) return `${data.constructor.name} (length ${(data as TypedArray).length ?? data.byteLength})`;
  return fmt(data);
}

// NOTE: `Tensor` has a `[Symbol.dispose]` method (for `using`), so the published types name
// `Symbol.dispose`, which TypeScript's lib declares only from esnext.disposable (or @types/node). This
// declaration makes the types compile for a consumer on an older lib (es2022, dom); it is the same
// declaration as lib.esnext.disposable's and @types/node's, and identical interface members merge, so
// it is harmless with the newer libs. It declares a type only: at run time `Symbol.dispose` is the
// engine's (Node has it from 20.4 and 18.18).
declare global {
  interface SymbolConstructor {
    /** The method `using` calls at the end of a block (TC39 explicit resource management). */
    readonly dispose: unique symbol;
  }
}

/** A tensor or a plain number (numbers don't promote a tensor's dtype within its category). */
export type TensorLike = Tensor | number;

/** A handle that unregisters a hook. */
export interface RemovableHandle {
  remove(): void;
}

/**
 * An N-dimensional array that records the ops applied to it, so that `backward()` can compute
 * gradients. Create tensors with `tensor`, `zeros`, `randn`, ...; every op is also a function.
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * x.grad!.toArray(); // [[2, 4], [6, 8]]
 */
export class Tensor implements StridedView {
  // NOTE: `declare` fields assigned in the constructor: class-field initializers (define semantics)
  // cost measurably in a constructor that every op runs.
  declare readonly shape: Shape;
  declare readonly strides: readonly number[];
  declare readonly offset: number;
  declare readonly dtype: DType;
  private declare _grad: Tensor | null;
  declare readonly _storage: Storage;
  declare _requiresGrad: boolean;
  /** The op that produced this tensor, when recorded; null for leaves. */
  declare _node: Node | null;
  /** Gradient hooks of a leaf (a non-leaf keeps them on its node). */
  declare _hooks: GradHook[] | null;

  /** Wraps a storage as a view; most code uses `Tensor.fromData` or the creation functions. */
  constructor(storage: Storage, shape: Shape, strides: readonly number[], offset: number, dtype: DType) {
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = dtype;
    this._grad = null;
    this._storage = storage;
    this._requiresGrad = false;
    this._node = null;
    this._hooks = null;
  }

  /**
   * A contiguous tensor over `data` (not copied). `data` must be the dtype's typed array
   * (`DTypeMap`: Float32Array, Float64Array, Int32Array, Uint8Array for bool) with exactly as many
   * elements as `shape` has; otherwise a DTypeError or ShapeError.
   * @example
   * Tensor.fromData(new Float32Array([1, 2, 3, 4]), [2, 2], 'float32');
   */
  static fromData(data: TypedArray, shape: Shape, dtype: DType): Tensor {
    checkDType(dtype, 'Tensor.fromData');
    checkShape(shape, 'Tensor.fromData', 'shape');
    const kind = ARRAY_OF[dtype];
    check(data instanceof kind, DTypeError, () => `[Tensor.fromData] dtype ${dtype} needs data of type ${kind.name}, got ${arrayKind(data)} for shape ${showShape(shape)}`);
    check(data.length === numel(shape), ShapeError,
      () => `[Tensor.fromData] data of length ${data.length} does not fit shape ${showShape(shape)} (${numel(shape)} element${numel(shape) === 1 ? '' : 's'})`);
    return new Tensor(new Storage(data), [...shape], contiguousStrides(shape), 0, dtype);
  }

  /**
   * The typed array this tensor views (shared with other views of the same storage); throws once
   * disposed. NOTE: it is the raw memory, not a copy: an array taken from here must not be used
   * after the tensor is freed (dispose, the end of a scope), when the heap may hand its block to
   * another tensor, nor after a backward pass that relocated the storage (a loop without `scope`
   * once the wasm heap holds 16 MiB: the tensor then reads a JS-heap copy and its old block is
   * reused). Read `t.data` again when you need it; `toTypedArray()` returns a copy.
   */
  get data(): TypedArray {
    return this._storage.data;
  }

  /**
   * Frees this tensor's storage now instead of when it is garbage-collected (a wasm heap block goes
   * back to its pool at once). Every view of the same storage becomes unusable: reading one throws.
   * Calling it twice does nothing. `using t = …` disposes at the end of the block.
   * @example
   * const t = randn([1024, 1024]);
   * t.dispose(); // t.sum() would now throw
   */
  dispose(): void {
    this._storage.dispose();
  }

  /** Disposes the tensor (for `using`). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** True once this tensor's storage has been disposed. */
  get disposed(): boolean {
    return this._storage.disposed;
  }

  /** A view of this tensor's storage with another shape, strides and offset (no copy, no grad). */
  _view(shape: Shape, strides: readonly number[], offset: number): Tensor {
    return new Tensor(this._storage, shape, strides, offset, this.dtype);
  }

  // ── properties ─────────────────────────────────────────────────────────────────────────

  /** Number of dims. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  numel(): number {
    return numel(this.shape);
  }

  /** The shape, or the size of one dim (negative dims count from the end). */
  size(): Shape;
  size(dim: number): number;
  size(dim?: number): Shape | number {
    return dim === undefined ? this.shape : this.shape[ops.dimArg(dim, this.ndim, 'size')]!;
  }

  /** The gradient accumulated by `backward()` (leaves, and tensors that called `retainGrad()`); null until then. */
  get grad(): Tensor | null {
    return this._grad;
  }

  /** Sets or clears the gradient; it must have this tensor's shape and dtype. */
  set grad(g: Tensor | null) {
    if (g !== null) {
      check(g instanceof Tensor, ArgumentError, () => `[grad] assigned gradient must be a Tensor or null, got ${fmt(g)}`);
      check(ops.sameShapeOf(g, this), ShapeError,
        () => `[grad] assigned gradient has shape ${showShape(g.shape)}, but the tensor has shape ${showShape(this.shape)}`);
      check(g.dtype === this.dtype, DTypeError, () => `[grad] assigned gradient has dtype ${g.dtype}, but the tensor is ${this.dtype}`);
      disownGrad(g);
    }
    this._grad = g;
  }

  /** True when the tensor records gradients (a leaf that asked for them, or an op's output that depends on one). */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(on: boolean) {
    this.requiresGrad_(on);
  }

  /** True for tensors not produced by a recorded op (user-created, or detached). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** The name of the op that produced this tensor (`'mul'`), or null for a leaf. */
  get gradFn(): string | null {
    return this._node?.op.name ?? null;
  }

  /** The storage's version counter, bumped by every in-place op. */
  get version(): number {
    return this._storage.version;
  }

  /** True when the elements are laid out in row-major order without gaps. */
  isContiguous(): boolean {
    return ops.isContiguousView(this);
  }

  // ── conversion out ─────────────────────────────────────────────────────────────────────

  /** The value of a one-element tensor as a number (booleans as 0/1). */
  item(): number {
    check(this.numel() === 1, ShapeError, () => `[item] only one-element tensors can be converted to a number, got shape ${showShape(this.shape)}`);
    return this.data[this.offset]!;
  }

  /** The elements as nested JS arrays (a number for a 0-d tensor; booleans for bool). */
  toArray(): NestedArray {
    return toNested(this.contiguous().toTypedArray(), this.shape, this.dtype);
  }

  /** A contiguous copy of the elements as a typed array of the tensor's dtype. */
  toTypedArray(): TypedArray {
    const c = this.contiguous();
    const n = c.numel();
    // always a copy: a view of heap storage would outlive the tensor that owns the block
    return c.data.slice(c.offset, c.offset + n);
  }

  /** Prints like PyTorch: `tensor([[1.0000, 2.0000]], requiresGrad=true)`. */
  toString(): string {
    return formatTensor(this);
  }

  // ── autograd ───────────────────────────────────────────────────────────────────────────

  /**
   * Computes the gradient of this tensor w.r.t. the graph leaves and accumulates it into their `.grad`.
   * A non-scalar tensor needs `gradient` (the vector of the vector-Jacobian product). The options may
   * come first for a scalar, as PyTorch's keywords do: `loss.backward({ retainGraph: true })`.
   */
  backward(options?: BackwardOptions): void;
  backward(gradient?: Tensor, options?: BackwardOptions): void;
  backward(gradientOrOptions?: Tensor | BackwardOptions, maybeOptions: BackwardOptions = {}): void {
    const optionsFirst = isOptionsObject(gradientOrOptions);
    check(!optionsFirst || arguments.length < 2, ArgumentError,
      () => '[backward] options given twice: pass backward(gradient, options) or backward(options)');
    const gradient = optionsFirst ? undefined : (gradientOrOptions as Tensor | undefined);
    const options = optionsFirst ? gradientOrOptions : maybeOptions;
    check(this._requiresGrad, AutogradError,
      () => '[backward] the tensor does not require grad and has no gradFn: nothing to differentiate');
    if (gradient === undefined) {
      check(this.numel() === 1, AutogradError,
        () => `[backward] grad can be implicitly created only for scalar outputs, got shape ${showShape(this.shape)}; pass a gradient`);
      runBackward([this], [ops.onesLikeRaw(this)], options);
      return;
    }
    const g = gradient;
    check(g instanceof Tensor, ArgumentError, () => `[backward] gradient must be a Tensor, got ${fmt(g)}`);
    check(ops.sameShapeOf(g, this), ShapeError, () => `[backward] gradient has shape ${showShape(g.shape)}, expected ${showShape(this.shape)}`);
    runBackward([this], [g], options);
  }

  /** Sets whether this leaf records gradients (floating dtypes only); returns this. */
  requiresGrad_(on = true): this {
    check(!on || isFloating(this.dtype), DTypeError,
      () => `[requiresGrad] only floating-point tensors can require gradients, got ${this.dtype}`);
    check(this._node === null || on, AutogradError,
      () => `[requiresGrad] cannot turn off requiresGrad on a non-leaf tensor (produced by '${this.gradFn}'); use detach()`);
    this._requiresGrad = on;
    return this;
  }

  /** A tensor sharing this one's storage, cut from the graph (`requiresGrad` false). */
  detach(): Tensor {
    return this._view(this.shape, this.strides, this.offset);
  }

  /** Asks a non-leaf tensor to keep its `.grad` after backward (leaves always do). */
  retainGrad(): this {
    if (this._node !== null) this._node.retained = this;
    return this;
  }

  /** Registers `hook(grad)`, called with this tensor's gradient during backward; a returned tensor replaces it. */
  registerHook(hook: GradHook): RemovableHandle {
    check(this._requiresGrad, AutogradError, () => "[registerHook] cannot register a hook on a tensor that doesn't require grad");
    const owner = this._node ?? this;
    (owner instanceof Tensor ? (owner._hooks ??= []) : (owner.hooks ??= [])).push(hook);
    return {
      remove: () => {
        const list = owner instanceof Tensor ? owner._hooks : owner.hooks;
        const i = list?.indexOf(hook) ?? -1;
        if (i >= 0) list!.splice(i, 1);
      },
    };
  }

  // ── copies and dtypes ──────────────────────────────────────────────────────────────────

  /** A contiguous copy (differentiable). */
  clone(): Tensor { return ops.clone(this); }
  /** This tensor if already contiguous, else a contiguous copy (differentiable). */
  contiguous(): Tensor { return ops.contiguous(this); }
  /** A copy converted to `dtype` (differentiable between floating dtypes); this tensor if already of that dtype. */
  to(dtype: DType): Tensor { return ops.toDType(this, dtype); }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  int(): Tensor { return this.to('int32'); }
  bool(): Tensor { return this.to('bool'); }

  // ── elementwise ────────────────────────────────────────────────────────────────────────

  add(other: TensorLike, options?: { alpha?: number }): Tensor { return ops.add(this, other, options); }
  sub(other: TensorLike, options?: { alpha?: number }): Tensor { return ops.sub(this, other, options); }
  mul(other: TensorLike): Tensor { return ops.mul(this, other); }
  div(other: TensorLike): Tensor { return ops.div(this, other); }
  pow(exponent: TensorLike): Tensor { return ops.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return ops.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return ops.minimum(this, other); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  erf(): Tensor { return ops.erf(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor { return ops.clamp(this, min, max); }
  eq(other: TensorLike): Tensor { return ops.eq(this, other); }
  ne(other: TensorLike): Tensor { return ops.ne(this, other); }
  lt(other: TensorLike): Tensor { return ops.lt(this, other); }
  le(other: TensorLike): Tensor { return ops.le(this, other); }
  gt(other: TensorLike): Tensor { return ops.gt(this, other); }
  ge(other: TensorLike): Tensor { return ops.ge(this, other); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  logicalAnd(other: TensorLike): Tensor { return ops.logicalAnd(this, other); }
  logicalOr(other: TensorLike): Tensor { return ops.logicalOr(this, other); }
  isnan(): Tensor { return ops.isnan(this); }
  /** `where(condition, this, other)`, as `torch.Tensor.where`. */
  where(condition: Tensor, other: TensorLike): Tensor { return ops.where(condition, this, other); }
  maskedFill(mask: Tensor, value: TensorLike): Tensor { return ops.maskedFill(this, mask, value); }

  // ── reductions ─────────────────────────────────────────────────────────────────────────

  sum(...args: ReduceArgs): Tensor { return ops.sum(this, ...args); }
  mean(...args: ReduceArgs): Tensor { return ops.mean(this, ...args); }
  max(...args: ReduceArgs): Tensor { return ops.max(this, ...args); }
  min(...args: ReduceArgs): Tensor { return ops.min(this, ...args); }
  prod(...args: ReduceArgs): Tensor { return ops.prod(this, ...args); }
  any(...args: ReduceArgs): Tensor { return ops.any(this, ...args); }
  all(...args: ReduceArgs): Tensor { return ops.all(this, ...args); }
  argmax(dim?: number, keepdim?: boolean): Tensor { return ops.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim?: boolean): Tensor { return ops.argmin(this, dim, keepdim); }
  var(...args: VarArgs): Tensor { return ops.variance(this, ...args); }
  std(...args: VarArgs): Tensor { return ops.std(this, ...args); }
  logsumexp(dim: number | readonly number[], keepdim?: boolean): Tensor { return ops.logsumexp(this, dim, keepdim); }
  norm(p?: number, dim?: number | readonly number[], keepdim?: boolean): Tensor { return ops.norm(this, p, dim, keepdim); }
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return ops.logSoftmax(this, dim); }
  cumsum(dim: number): Tensor { return ops.cumsum(this, dim); }
  /** Sums a tensor down to `shape` (the reverse of broadcasting); used by the engine for broadcast gradients. */
  sumToShape(shape: Shape): Tensor { return ops.sumToShape(this, shape); }

  // ── linear algebra ─────────────────────────────────────────────────────────────────────

  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  mm(other: Tensor): Tensor { return ops.mm(this, other); }
  bmm(other: Tensor): Tensor { return ops.bmm(this, other); }
  outer(other: Tensor): Tensor { return ops.outer(this, other); }
  /** Transpose of a tensor of at most 2 dims. */
  t(): Tensor { return ops.t(this); }

  // ── shape and indexing ─────────────────────────────────────────────────────────────────

  reshape(...shape: number[] | [readonly number[]]): Tensor { return ops.reshape(this, ops.sizesArg(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return ops.view(this, ops.sizesArg(shape)); }
  flatten(startDim?: number, endDim?: number): Tensor { return ops.flatten(this, startDim, endDim); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return ops.permute(this, ops.sizesArg(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  expand(...sizes: number[] | [readonly number[]]): Tensor { return ops.expand(this, ops.sizesArg(sizes)); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  squeeze(dim?: number | readonly number[]): Tensor { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  split(sizeOrSections: number | readonly number[], dim?: number): Tensor[] { return ops.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim?: number): Tensor[] { return ops.chunk(this, chunks, dim); }
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  slice(...args: SliceArgs): Tensor { return ops.slice(this, ...args); }
  select(dim: number, index: number): Tensor { return ops.select(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return ops.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ops.gather(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ops.scatterAdd(this, dim, index, src); }
  indexAdd(dim: number, index: Tensor, source: Tensor): Tensor { return ops.indexAdd(this, dim, index, source); }
  pad(pads: readonly number[], value?: number): Tensor { return ops.pad(this, pads, value); }
  flip(dims: number | readonly number[]): Tensor { return ops.flip(this, dims); }
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return ops.repeat(this, ops.sizesArg(sizes)); }
  tril(diagonal?: number): Tensor { return ops.tril(this, diagonal); }
  triu(diagonal?: number): Tensor { return ops.triu(this, diagonal); }

  // ── in place (bump the version; refused on tensors that require grad while grad mode is on) ──

  add_(other: TensorLike, options?: { alpha?: number }): this { return ops.updateInPlace(this, 'add_', other, () => ops.add(this, other, options)); }
  sub_(other: TensorLike, options?: { alpha?: number }): this { return ops.updateInPlace(this, 'sub_', other, () => ops.sub(this, other, options)); }
  mul_(other: TensorLike): this { return ops.updateInPlace(this, 'mul_', other, () => ops.mul(this, other)); }
  div_(other: TensorLike): this { return ops.updateInPlace(this, 'div_', other, () => ops.div(this, other)); }
  clamp_(min?: TensorLike | null, max?: TensorLike | null): this { return ops.updateInPlace(this, 'clamp_', 0, () => ops.clamp(this, min, max)); }
  /** Copies `src` (broadcast, converted to this dtype) into this tensor. */
  copy_(src: TensorLike): this { return ops.assignInPlace(this, 'copy_', src); }
  /** Sets every element to `value`. */
  fill_(value: number): this { return ops.assignInPlace(this, 'fill_', ops.numberArg(value, 'fill_', 'value')); }
  zero_(): this { return ops.assignInPlace(this, 'zero_', 0); }
}

/** A plain object that is not a tensor: backward's options given first. */
function isOptionsObject(x: unknown): x is BackwardOptions {
  return x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype && !(TENSOR_BRAND in x);
}

// this copy's brand (see TENSOR_BRAND): errors then tell its tensors from another copy's
Object.defineProperty(Tensor.prototype, TENSOR_BRAND, { value: true });

/**
 * Points a leaf tensor at `source`'s data (storage, shape, strides, dtype), keeping the tensor object:
 * PyTorch's `param.data = source`. `Module.to` casts parameters with it, so that an optimiser built
 * before the cast still updates them. The old storage is left to its other views (or the collector).
 * @example
 * replaceData(param, param.detach().to('float64')); // param is now float64, the same object
 */
export function replaceData(target: Tensor, source: Tensor): void {
  check(target._node === null && source instanceof Tensor, ArgumentError,
    () => `[replaceData] the target must be a leaf tensor and the source a Tensor (target made by ${target.gradFn})`);
  const t = target as unknown as { _storage: Storage; shape: Shape; strides: readonly number[]; offset: number; dtype: DType };
  t._storage = source._storage;
  t.shape = source.shape;
  t.strides = source.strides;
  t.offset = source.offset;
  t.dtype = source.dtype;
}
