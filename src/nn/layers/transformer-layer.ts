/**
 * The Transformer's encoder and decoder layers with PyTorch's submodules and names (`self_attn`,
 * `multihead_attn`, `linear1`, `linear2`, `norm1`…`norm3`), post-norm (the paper's) or pre-norm
 * (`normFirst`) residual blocks, and PyTorch's options.
 */
import { ArgumentError, DTypeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import type { DType } from '../../base/dtype.js';
import type { Tensor } from '../../core/tensor.js';
import { gelu, relu } from '../functional/activation.js';
import { Module } from '../module.js';
import { MultiheadAttention } from './attention.js';
import { KVCacheLayer } from '../kv-cache.js';
import { Linear } from './linear.js';
import { Dropout } from './misc.js';
import { LayerNorm } from './norm.js';

/** The feed-forward activation: 'relu', 'gelu', a function or a module (registered as the child `activation`). */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/** Options of the encoder and decoder layers (PyTorch's keyword arguments, camelCased). */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on the attention weights (default 0.1). */
  dropout?: number;
  /** Default 'relu'. */
  activation?: TransformerActivation;
  /** The layer norms' eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and output as [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Layer norm before each block (pre-norm) instead of after the residual sum (default false). */
  normFirst?: boolean;
  /** Biases of the linear layers and layer norms (default true). */
  bias?: boolean;
  dtype?: DType;
}

/** The checked settings a layer is built from. */
interface LayerSettings {
  dimFeedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  bias: boolean;
  dtype: DType;
}

const OPTION_NAMES = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'bias', 'dtype'];

/** Checks a layer's arguments and fills in PyTorch's defaults. */
function settings(op: string, dModel: number, nhead: number, options: TransformerLayerOptions): LayerSettings {
  checkOptionNames(options as unknown, OPTION_NAMES, op);
  const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false, bias = true, dtype = 'float32' } = options;
  for (const [arg, v] of [['dModel', dModel], ['nhead', nhead], ['dimFeedforward', dimFeedforward]] as const) {
    check(Number.isSafeInteger(v) && v > 0, ArgumentError, () => `[${op}] ${arg} must be a positive integer, got ${fmt(v)}`);
  }
  check(dModel % nhead === 0, ArgumentError, () => `[${op}] dModel must be divisible by nhead, got dModel ${dModel} and nhead ${nhead}`);
  check(typeof dropout === 'number' && dropout >= 0 && dropout < 1, ArgumentError, () => `[${op}] dropout must be a number in [0, 1), got ${fmt(dropout)}`);
  check(activation === 'relu' || activation === 'gelu' || typeof activation === 'function' || activation instanceof Module, ArgumentError,
    () => `[${op}] activation should be 'relu', 'gelu', a function or a Module, not ${fmt(activation)}`);
  check(typeof layerNormEps === 'number' && layerNormEps > 0, ArgumentError, () => `[${op}] layerNormEps must be a positive number, got ${fmt(layerNormEps)}`);
  for (const [arg, v] of [['batchFirst', batchFirst], ['normFirst', normFirst], ['bias', bias]] as const) {
    check(typeof v === 'boolean', ArgumentError, () => `[${op}] ${arg} must be a boolean, got ${fmt(v)}`);
  }
  check(dtype === 'float32' || dtype === 'float64', DTypeError, () => `[${op}] dtype must be float32 or float64, got ${fmt(dtype)}`);
  return { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, dtype };
}

/** Applies the activation, resolving PyTorch's names. */
function activate(activation: TransformerActivation, x: Tensor): Tensor {
  if (activation === 'relu') return relu(x);
  if (activation === 'gelu') return gelu(x);
  if (activation instanceof Module) return activation.forward(x) as Tensor;
  return activation(x);
}

/** Options of `TransformerEncoderLayer.forward`. */
export interface EncoderLayerForwardOptions {
  /** [L, L] or [N·nhead, L, L]: boolean true = may NOT attend; float: added (see MultiheadAttention). */
  srcMask?: Tensor | null;
  /** [N, L]: true marks padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that srcMask is the causal mask (without srcMask, the causal mask is used). */
  isCausal?: boolean;
}

/**
 * Self-attention then a feed-forward block (linear2(dropout(activation(linear1(x))))), each added to
 * its input and layer-normalised: after the sum (default, as the paper) or before the block
 * (`normFirst`). PyTorch's submodules: `selfAttn`, `linear1`, `dropout`, `linear2`, `norm1`, `norm2`,
 * `dropout1`, `dropout2`.
 * @example
 * const layer = new nn.TransformerEncoderLayer(512, 8);
 * layer.forward(randn([10, 32, 512])).shape; // [10, 32, 512]
 */
export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly normFirst: boolean;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly activation: TransformerActivation;

  constructor(readonly dModel: number, readonly nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const o = settings('TransformerEncoderLayer', dModel, nhead, options);
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, bias: o.bias, batchFirst: o.batchFirst, dtype: o.dtype });
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias: o.bias, dtype: o.dtype });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias: o.bias, dtype: o.dtype });
    this.normFirst = o.normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias, dtype: o.dtype });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, bias: o.bias, dtype: o.dtype });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.activation = o.activation;
  }

  /** `src` [L, N, dModel] ([N, L, dModel] with batchFirst, [L, dModel] unbatched) → the same shape. */
  forward(src: Tensor, options: EncoderLayerForwardOptions = {}): Tensor {
    checkOptionNames(options as unknown, ['srcMask', 'srcKeyPaddingMask', 'isCausal'], 'TransformerEncoderLayer.forward');
    const { srcMask = null, srcKeyPaddingMask = null, isCausal = false } = options;
    const selfAttention = (x: Tensor): Tensor =>
      this.dropout1.forward(this.selfAttn.forward(x, x, x, { attnMask: srcMask, keyPaddingMask: srcKeyPaddingMask, needWeights: false, isCausal })[0]);
    const feedForward = (x: Tensor): Tensor => this.dropout2.forward(this.linear2.forward(this.dropout.forward(activate(this.activation, this.linear1.forward(x)))));
    let x = src;
    if (this.normFirst) {
      x = x.add(selfAttention(this.norm1.forward(x)));
      return x.add(feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(selfAttention(x)));
    return this.norm2.forward(x.add(feedForward(x)));
  }
}

/** Options of `TransformerDecoderLayer.forward`. */
export interface DecoderLayerForwardOptions {
  /** [T, T] or [N·nhead, T, T] over the target (see MultiheadAttention for the conventions). */
  tgtMask?: Tensor | null;
  /** [T, S] or [N·nhead, T, S] from the target to the memory. */
  memoryMask?: Tensor | null;
  /** [N, T]: true marks target padding. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S]: true marks memory padding. */
  memoryKeyPaddingMask?: Tensor | null;
  /** A hint that tgtMask is the causal mask (without tgtMask, the causal mask is used). */
  tgtIsCausal?: boolean;
  /** A hint that memoryMask is the causal mask. */
  memoryIsCausal?: boolean;
  /**
   * Incremental decoding: `tgt` holds only the new positions; the self-attention appends their keys and
   * values to this cache and attends to every cached position (tgtMask and tgtKeyPaddingMask then cover them all);
   * the cross-attention projects `memory` once into `cache.memory` and reuses it (memory must not change).
   */
  cache?: KVCacheLayer | null;
}

const DECODER_FORWARD_OPTIONS = ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal', 'memoryIsCausal', 'cache'];

/**
 * Self-attention over the target, attention from the target to the encoder's output (`memory`),
 * then a feed-forward block; each added to its input and layer-normalised (after the sum, or before
 * the block with `normFirst`). PyTorch's submodules: `selfAttn`, `multiheadAttn`, `linear1`,
 * `dropout`, `linear2`, `norm1`…`norm3`, `dropout1`…`dropout3`.
 * @example
 * const layer = new nn.TransformerDecoderLayer(512, 8);
 * layer.forward(randn([20, 32, 512]), randn([10, 32, 512])).shape; // [20, 32, 512]
 */
export class TransformerDecoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly normFirst: boolean;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  readonly activation: TransformerActivation;

  constructor(readonly dModel: number, readonly nhead: number, options: TransformerLayerOptions = {}) {
    super();
    const o = settings('TransformerDecoderLayer', dModel, nhead, options);
    const attention = { dropout: o.dropout, bias: o.bias, batchFirst: o.batchFirst, dtype: o.dtype };
    const norm = { eps: o.layerNormEps, bias: o.bias, dtype: o.dtype };
    this.selfAttn = new MultiheadAttention(dModel, nhead, attention);
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, attention);
    this.linear1 = new Linear(dModel, o.dimFeedforward, { bias: o.bias, dtype: o.dtype });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { bias: o.bias, dtype: o.dtype });
    this.normFirst = o.normFirst;
    this.norm1 = new LayerNorm(dModel, norm);
    this.norm2 = new LayerNorm(dModel, norm);
    this.norm3 = new LayerNorm(dModel, norm);
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
    this.activation = o.activation;
  }

  /** `tgt` [T, N, dModel] and `memory` [S, N, dModel] ([N, ·, dModel] with batchFirst; unbatched [·, dModel]) → tgt's shape. */
  forward(tgt: Tensor, memory: Tensor, options: DecoderLayerForwardOptions = {}): Tensor {
    checkOptionNames(options as unknown, DECODER_FORWARD_OPTIONS, 'TransformerDecoderLayer.forward');
    const { tgtMask = null, memoryMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null, tgtIsCausal = false, memoryIsCausal = false, cache = null } = options;
    const selfAttention = (x: Tensor): Tensor => this.dropout1.forward(this.selfAttn.forward(x, x, x,
      { attnMask: tgtMask, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, isCausal: tgtIsCausal, cache })[0]);
    // decoding: the memory's keys and values are projected once, at the first step
    const memoryCache = cache === null ? null : (cache.memory ??= new KVCacheLayer());
    const crossAttention = (x: Tensor): Tensor => this.dropout2.forward(this.multiheadAttn.forward(x, memory, memory,
      { attnMask: memoryMask, keyPaddingMask: memoryKeyPaddingMask, needWeights: false, isCausal: memoryIsCausal, memoryCache })[0]);
    const feedForward = (x: Tensor): Tensor => this.dropout3.forward(this.linear2.forward(this.dropout.forward(activate(this.activation, this.linear1.forward(x)))));
    let x = tgt;
    if (this.normFirst) {
      x = x.add(selfAttention(this.norm1.forward(x)));
      x = x.add(crossAttention(this.norm2.forward(x)));
      return x.add(feedForward(this.norm3.forward(x)));
    }
    x = this.norm1.forward(x.add(selfAttention(x)));
    x = this.norm2.forward(x.add(crossAttention(x)));
    return this.norm3.forward(x.add(feedForward(x)));
  }
}
