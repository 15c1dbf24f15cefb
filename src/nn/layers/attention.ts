/**
 * `MultiheadAttention` with PyTorch's parameters (`in_proj_weight`, or `q_proj_weight`/`k_proj_weight`/
 * `v_proj_weight` when the key or value width differs; `in_proj_bias`, `bias_k`, `bias_v`, `out_proj`),
 * initialisation, shapes and mask conventions.
 *
 * NOTE: its masks follow PyTorch's nn.MultiheadAttention, not scaled_dot_product_attention: a boolean
 * `true` means "may NOT attend" (masked out); float masks are added to the scores. Both are turned
 * into one additive float mask here; the attention itself runs through `F.scaledDotProductAttention`
 * when the weights are not needed, and explicitly (softmax of the scaled scores) when they are.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import type { DType } from '../../base/dtype.js';
import { showShape } from '../../base/shape.js';
import { full, zeros } from '../../core/creation.js';
import { noGrad } from '../../core/grad-mode.js';
import type { Tensor } from '../../core/tensor.js';
import { cat } from '../../ops/copy.js';
import { where } from '../../ops/elementwise.js';
import { checkTensor } from '../../ops/util.js';
import { scaledDotProductAttention } from '../functional/attention.js';
import { linear } from '../functional/conv.js';
import { dropout as dropoutFn } from '../functional/misc.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { Module, Parameter } from '../module.js';
import { KVCacheLayer } from '../kv-cache.js';
import { Linear } from './linear.js';
import { empty } from './util.js';

/** Options of `MultiheadAttention` (PyTorch's keyword arguments, camelCased). */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases of the input and output projections (default true). */
  bias?: boolean;
  /** Learnable `bias_k`/`bias_v` appended to the keys and values as one more position (default false). */
  addBiasKv?: boolean;
  /** Appends a zero key and value position (default false). */
  addZeroAttn?: boolean;
  /** Width of the keys (default embedDim). */
  kdim?: number | null;
  /** Width of the values (default embedDim). */
  vdim?: number | null;
  /** Inputs and output as [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  dtype?: DType;
}

/** Options of `MultiheadAttention.forward`. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] ([S] unbatched): boolean true = that key is padding (ignored); float: added. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: boolean true = may NOT attend; float: added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads ([N, L, S]) rather than per head ([N, heads, L, S]) (default true). */
  averageAttnWeights?: boolean;
  /** A hint that attnMask is the causal mask; without attnMask the causal mask is used. */
  isCausal?: boolean;
  /**
   * Incremental decoding of self-attention: the query, key and value hold only the new positions;
   * their keys and values are appended to the cache and the queries attend to every cached position
   * (masks then cover all S = cached + new keys; the causal mask is aligned to the last positions).
   */
  cache?: KVCacheLayer | null;
  /**
   * Decoding with a fixed `key`/`value` (cross-attention to an encoder's memory): the first call
   * projects them into this cache, later calls reuse it and skip the projections.
   */
  memoryCache?: KVCacheLayer | null;
}

const OPTION_NAMES = ['dropout', 'bias', 'addBiasKv', 'addZeroAttn', 'kdim', 'vdim', 'batchFirst', 'dtype'];
const FORWARD_OPTION_NAMES = ['keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights', 'isCausal', 'cache', 'memoryCache'];
const OP = 'MultiheadAttention';

/** Projected queries, keys and values split into heads, with the merged additive mask. */
interface Heads {
  /** [N·heads, L, headDim]. */
  q: Tensor;
  /** [N·heads, S, headDim] (S counting bias_k and the zero position). */
  k: Tensor;
  v: Tensor;
  /** Broadcastable to [N·heads, L, S]: [1, L, S] or [N·heads, L or 1, S]; null for none. */
  mask: Tensor | null;
}

/**
 * Attention over `numHeads` heads of width embedDim / numHeads: queries, keys and values are
 * projected, each head attends softmax(q·kᵀ/√headDim + mask)·v, and the heads are joined and
 * projected by `outProj`. `forward(query, key, value, options?)` returns `[output, weights | null]`.
 * @example
 * const mha = new nn.MultiheadAttention(64, 8);
 * const x = randn([10, 2, 64]); // [L, N, E]
 * const [out, weights] = mha.forward(x, x, x); // out [10, 2, 64], weights [2, 10, 10]
 */
export class MultiheadAttention extends Module {
  // NOTE: declared in PyTorch's registration order, which is the state dict's order
  readonly inProjWeight: Parameter | null;
  readonly qProjWeight: Parameter | null;
  readonly kProjWeight: Parameter | null;
  readonly vProjWeight: Parameter | null;
  readonly inProjBias: Parameter | null;
  readonly outProj: Linear;
  readonly biasK: Parameter | null;
  readonly biasV: Parameter | null;
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;

  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkOptionNames(options as unknown, OPTION_NAMES, OP);
    const { dropout = 0, bias = true, addBiasKv = false, addZeroAttn = false, batchFirst = false, dtype = 'float32' } = options;
    const kdim = options.kdim ?? embedDim;
    const vdim = options.vdim ?? embedDim;
    for (const [arg, v] of [['embedDim', embedDim], ['numHeads', numHeads], ['kdim', kdim], ['vdim', vdim]] as const) {
      check(Number.isSafeInteger(v) && v > 0, ArgumentError, () => `[${OP}] ${arg} must be a positive integer, got ${fmt(v)}`);
    }
    check(embedDim % numHeads === 0, ArgumentError, () => `[${OP}] embedDim must be divisible by numHeads, got embedDim ${embedDim} and numHeads ${numHeads}`);
    check(typeof dropout === 'number' && dropout >= 0 && dropout < 1, ArgumentError, () => `[${OP}] dropout must be a number in [0, 1), got ${fmt(dropout)}`);
    for (const [arg, v] of [['bias', bias], ['addBiasKv', addBiasKv], ['addZeroAttn', addZeroAttn], ['batchFirst', batchFirst]] as const) {
      check(typeof v === 'boolean', ArgumentError, () => `[${OP}] ${arg} must be a boolean, got ${fmt(v)}`);
    }
    check(dtype === 'float32' || dtype === 'float64', DTypeError, () => `[${OP}] dtype must be float32 or float64, got ${fmt(dtype)}`);
    this.kdim = kdim;
    this.vdim = vdim;
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.addZeroAttn = addZeroAttn;
    // PyTorch's init: xavier_uniform_ on the input projections, zero biases, xavier_normal_ on bias_k and bias_v
    const weight = (rows: number, cols: number): Parameter => new Parameter(xavierUniform_(empty([rows, cols], dtype)));
    const packed = kdim === embedDim && vdim === embedDim;
    this.inProjWeight = packed ? weight(3 * embedDim, embedDim) : null;
    this.qProjWeight = packed ? null : weight(embedDim, embedDim);
    this.kProjWeight = packed ? null : weight(embedDim, kdim);
    this.vProjWeight = packed ? null : weight(embedDim, vdim);
    this.inProjBias = bias ? new Parameter(empty([3 * embedDim], dtype)) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias, dtype });
    if (this.outProj.bias !== null) constant_(this.outProj.bias, 0);
    this.biasK = addBiasKv ? new Parameter(xavierNormal_(empty([1, 1, embedDim], dtype))) : null;
    this.biasV = addBiasKv ? new Parameter(xavierNormal_(empty([1, 1, embedDim], dtype))) : null;
  }

  /**
   * Attends from `query` ([L, N, E]; [N, L, E] with batchFirst; [L, E] unbatched) to `key` ([S, N, kdim])
   * and `value` ([S, N, vdim]). Returns the output (shaped like the query) and, with `needWeights`,
   * the attention weights: [N, L, S] averaged over heads or [N, heads, L, S] ([L, S] / [heads, L, S]
   * unbatched), where S counts bias_k and the zero position when present.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    checkOptionNames(options as unknown, FORWARD_OPTION_NAMES, `${OP}.forward`);
    const { keyPaddingMask = null, needWeights = true, attnMask = null, averageAttnWeights = true, isCausal = false, cache = null, memoryCache = null } = options;
    for (const [arg, c] of [['cache', cache], ['memoryCache', memoryCache]] as const) {
      check(c === null || c instanceof KVCacheLayer, ArgumentError, () => `[${OP}.forward] ${arg} must be a KVCacheLayer, got ${fmt(c)}`);
      check(c === null || (this.biasK === null && !this.addZeroAttn), ArgumentError,
        () => `[${OP}.forward] a ${arg} cannot be combined with addBiasKv or addZeroAttn`);
    }
    check(cache === null || memoryCache === null, ArgumentError, () => `[${OP}.forward] give cache (self-attention) or memoryCache (fixed keys and values), not both`);
    for (const [arg, v] of [['needWeights', needWeights], ['averageAttnWeights', averageAttnWeights], ['isCausal', isCausal]] as const) {
      check(typeof v === 'boolean', ArgumentError, () => `[${OP}.forward] ${arg} must be a boolean, got ${fmt(v)}`);
    }
    const batched = this.checkInputs(query, key, value);
    const selfAttention = query === key && key === value;
    let [q, k, v] = [query, key, value];
    if (!batched) [q, k, v] = [q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)];
    else if (this.batchFirst) [q, k, v] = [q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)];
    const [l, n] = q.shape as [number, number, number];
    const past = cache?.length ?? 0;
    const s = k.shape[0]! + past;
    const masks = this.checkMasks(attnMask, keyPaddingMask, batched, l, s, n, q.dtype);
    // PyTorch 2's hint: a causal attnMask without padding runs as SDPA's isCausal (the mask is not read)
    const causalHint = isCausal && past === 0 && !needWeights && masks.padding === null && this.biasK === null && !this.addZeroAttn;
    // with cached positions, new query i (position past + i) sees keys j ≤ past + i
    const causal = (): Tensor | null => (l === 1 && past > 0 ? null : full([l, s], -Infinity, { dtype: q.dtype }).triu(1 + past));
    const mask = causalHint ? null : masks.attn ?? (isCausal ? causal() : null);
    const padding = batched ? masks.padding : masks.padding?.unsqueeze(0) ?? null;
    const reuse = memoryCache !== null && memoryCache.length > 0;
    const projected = reuse ? this.project(q, null, null, false) : this.project(q, k, v, selfAttention);
    const heads = this.heads(projected, mask, padding, n, cache, memoryCache);
    const p = this.training ? this.dropout : 0;
    let [out, weights] = needWeights ? this.attendWithWeights(heads, p) : [this.attend(heads, p, causalHint, n), null];
    out = this.outProj.forward(out);
    if (weights !== null) {
      weights = weights.reshape([n, this.numHeads, l, heads.k.shape[1]!]);
      if (averageAttnWeights) weights = weights.mean(1);
    }
    if (!batched) return [out.squeeze(1), weights?.squeeze(0) ?? null];
    return [this.batchFirst ? out.transpose(0, 1) : out, weights];
  }

  /** Checks the inputs' dims, widths and dtypes; returns whether they are batched. */
  private checkInputs(query: Tensor, key: Tensor, value: Tensor): boolean {
    checkTensor(query, OP, 'query');
    checkTensor(key, OP, 'key');
    checkTensor(value, OP, 'value');
    const shapes = `query ${showShape(query.shape)}, key ${showShape(key.shape)}, value ${showShape(value.shape)}`;
    const layout = this.batchFirst ? '[N, L, E]' : '[L, N, E]';
    check(query.ndim === 2 || query.ndim === 3, ShapeError,
      () => `[${OP}] query should be unbatched 2-d [L, E] or batched 3-d ${layout}, got shape ${showShape(query.shape)}`);
    check(key.ndim === query.ndim && value.ndim === query.ndim, ShapeError,
      () => `[${OP}] key and value must have the query's ${query.ndim} dims, got ${shapes}`);
    const dtype = this.outProj.weight.dtype;
    check(query.dtype === dtype && key.dtype === dtype && value.dtype === dtype, DTypeError,
      () => `[${OP}] query, key and value must be ${dtype} (the parameters' dtype), got ${query.dtype}, ${key.dtype} and ${value.dtype}`);
    const last = (t: Tensor): number => t.shape[t.ndim - 1]!;
    check(last(query) === this.embedDim && last(key) === this.kdim && last(value) === this.vdim, ShapeError,
      () => `[${OP}] expected query, key and value of widths embedDim ${this.embedDim}, kdim ${this.kdim} and vdim ${this.vdim}, got ${shapes}`);
    const lead = (t: Tensor): string => showShape(t.shape.slice(0, -1));
    check(lead(key) === lead(value), ShapeError, () => `[${OP}] key and value must agree on their sequence and batch dims, got ${shapes}`);
    const batchDim = this.batchFirst ? 0 : 1;
    check(query.ndim === 2 || query.shape[batchDim] === key.shape[batchDim], ShapeError,
      () => `[${OP}] query, key and value must have the same batch size (dim ${batchDim}), got ${shapes}`);
    return query.ndim === 3;
  }

  /** Checks the masks' shapes and dtypes; returns them as additive float masks ([L, S] or [N·heads, L, S]; [N, S]). */
  private checkMasks(attnMask: Tensor | null, padding: Tensor | null, batched: boolean, l: number, s: number, n: number, dtype: DType): { attn: Tensor | null; padding: Tensor | null } {
    if (attnMask !== null) {
      checkTensor(attnMask, `${OP}.forward`, 'attnMask');
      const heads = n * this.numHeads;
      check((attnMask.ndim === 2 && attnMask.shape[0] === l && attnMask.shape[1] === s) ||
        (attnMask.ndim === 3 && attnMask.shape[0] === heads && attnMask.shape[1] === l && attnMask.shape[2] === s), ShapeError,
      () => `[${OP}.forward] attnMask must be [L, S] = ${showShape([l, s])} or [N·numHeads, L, S] = ${showShape([heads, l, s])}, got ${showShape(attnMask.shape)}`);
    }
    if (padding !== null) {
      checkTensor(padding, `${OP}.forward`, 'keyPaddingMask');
      const expected = batched ? [n, s] : [s];
      check(showShape(padding.shape) === showShape(expected), ShapeError,
        () => `[${OP}.forward] keyPaddingMask must be ${batched ? '[N, S]' : '[S]'} = ${showShape(expected)}, got ${showShape(padding.shape)}`);
    }
    return { attn: additive(attnMask, 'attnMask', dtype), padding: additive(padding, 'keyPaddingMask', dtype) };
  }

  /**
   * The input projections of `q` [L, N, E], `k` [S, N, kdim] and `v` [S, N, vdim] (one product for
   * self-attention); k and v null: the query's only (their projections come from a memory cache).
   */
  private project(q: Tensor, k: Tensor | null, v: Tensor | null, selfAttention: boolean): [Tensor, Tensor | null, Tensor | null] {
    const [bq, bk, bv] = this.inProjBias?.chunk(3) ?? [null, null, null];
    const [wq, wk, wv] = this.inProjWeight === null ? [this.qProjWeight!, this.kProjWeight!, this.vProjWeight!] : this.inProjWeight.chunk(3) as [Tensor, Tensor, Tensor];
    if (selfAttention && this.inProjWeight !== null) return linear(q, this.inProjWeight, this.inProjBias).chunk(3, -1) as [Tensor, Tensor, Tensor];
    return [linear(q, wq, bq), k === null ? null : linear(k, wk, bk), v === null ? null : linear(v, wv, bv)];
  }

  /** Appends bias_k/bias_v and the zero position, splits into heads and merges the masks. */
  private heads([q, kIn, vIn]: [Tensor, Tensor | null, Tensor | null], attn: Tensor | null, padding: Tensor | null, n: number, cache: KVCacheLayer | null, memoryCache: KVCacheLayer | null): Heads {
    const [h, d, e] = [this.numHeads, this.headDim, this.embedDim];
    let mask = attn === null ? null : attn.ndim === 2 ? attn.unsqueeze(0) : attn;
    const extend = (): void => {
      mask = mask?.pad([0, 1]) ?? null;
      padding = padding?.pad([0, 1]) ?? null;
    };
    const split = (t: Tensor): Tensor => t.reshape([t.shape[0]!, n * h, d]).transpose(0, 1);
    q = split(q);
    let k: Tensor;
    let v: Tensor;
    if (kIn === null || vIn === null) {
      // a filled memory cache: the memory's keys and values as projected on the first call
      [k, v] = [memoryCache!.key!, memoryCache!.value!].map((t) => t.reshape([n * h, -1, d])) as [Tensor, Tensor];
    } else {
      [k, v] = [kIn, vIn];
      if (this.biasK !== null && this.biasV !== null) {
        k = cat([k, this.biasK.expand([1, n, e])], 0);
        v = cat([v, this.biasV.expand([1, n, e])], 0);
        extend();
      }
      [k, v] = [split(k), split(v)];
      // caches hold [N, heads, S, headDim], so that KVCache.reorder picks batch rows
      const into = cache ?? memoryCache;
      if (into !== null) [k, v] = into.append(k.reshape([n, h, -1, d]), v.reshape([n, h, -1, d])).map((t) => t.reshape([n * h, -1, d])) as [Tensor, Tensor];
    }
    if (this.addZeroAttn) {
      const zero = zeros([n * h, 1, d], { dtype: k.dtype });
      [k, v] = [cat([k, zero], 1), cat([v, zero], 1)];
      extend();
    }
    const s = k.shape[1]!;
    if (padding !== null) {
      const perHead = padding.reshape([n, 1, 1, s]).expand([n, h, 1, s]).reshape([n * h, 1, s]);
      mask = mask === null ? perHead : mask.add(perHead);
    }
    return { q, k, v, mask };
  }

  /** The heads' attention through `F.scaledDotProductAttention`, joined → [L, N, E]. */
  private attend({ q, k, v, mask }: Heads, p: number, isCausal: boolean, n: number): Tensor {
    const h = this.numHeads;
    const toBatch = (t: Tensor): Tensor => t.reshape([n, h, t.shape[1]!, this.headDim]);
    const attnMask = mask === null ? null : mask.shape[0] === 1 ? mask.unsqueeze(0) : mask.reshape([n, h, mask.shape[1]!, mask.shape[2]!]);
    const out = scaledDotProductAttention(toBatch(q), toBatch(k), toBatch(v), { attnMask, isCausal, dropoutP: p });
    return out.permute(2, 0, 1, 3).reshape([q.shape[1]!, n, this.embedDim]);
  }

  /** The heads' attention with explicit weights: [L, N, E] and the weights [N·heads, L, S]. */
  private attendWithWeights({ q, k, v, mask }: Heads, p: number): [Tensor, Tensor] {
    let scores = q.mul(1 / Math.sqrt(this.headDim)).matmul(k.transpose(1, 2));
    let weights: Tensor;
    if (mask === null) weights = scores.softmax(-1);
    else {
      scores = scores.add(mask);
      // NOTE: a query that may attend to no key gets zero weights (as F.scaledDotProductAttention), not NaN
      const none = noGrad(() => scores.max(-1, true).eq(-Infinity));
      weights = where(none, 0, where(none, 0, scores).softmax(-1));
    }
    if (p > 0) weights = dropoutFn(weights, p, { training: true });
    const out = weights.matmul(v).transpose(0, 1).reshape([q.shape[1]!, -1, this.embedDim]);
    return [out, weights];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}${this.dropout > 0 ? `, dropout=${this.dropout}` : ''}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}

/** A mask as an additive float mask: boolean true → −∞, false → 0; a float mask of `dtype` as it is. */
function additive(mask: Tensor | null, arg: string, dtype: DType): Tensor | null {
  if (mask === null) return null;
  check(mask.dtype === 'bool' || mask.dtype === dtype, DTypeError,
    () => `[${OP}.forward] ${arg} must be bool (true = masked out) or ${dtype} (added to the scores), got ${mask.dtype}`);
  return mask.dtype === 'bool' ? zeros(mask.shape, { dtype }).maskedFill(mask, -Infinity) : mask;
}
