/**
 * Stacks of Transformer layers and the whole encoder-decoder model, as PyTorch's
 * `TransformerEncoder`, `TransformerDecoder` and `Transformer` (the same submodule names and so the
 * same state-dict keys: `encoder.layers.0.self_attn.in_proj_weight`, …, `decoder.norm.weight`).
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import type { DType } from '../../base/dtype.js';
import { showShape } from '../../base/shape.js';
import { full } from '../../core/creation.js';
import type { Tensor } from '../../core/tensor.js';
import { checkTensor } from '../../ops/util.js';
import { deepCopy } from '../copy.js';
import { KVCache } from '../kv-cache.js';
import { xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import { ModuleList } from './container.js';
import { LayerNorm } from './norm.js';
import {
  TransformerDecoderLayer, TransformerEncoderLayer, type DecoderLayerForwardOptions, type EncoderLayerForwardOptions, type TransformerActivation,
} from './transformer-layer.js';

/**
 * The float mask of a causal model over `size` positions: 0 on and below the diagonal, −∞ above
 * (position i may attend to positions j ≤ i), as PyTorch's `Transformer.generate_square_subsequent_mask`.
 * @example
 * nn.generateSquareSubsequentMask(3); // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
 */
export function generateSquareSubsequentMask(size: number, options: { dtype?: DType } = {}): Tensor {
  checkOptionNames(options as unknown, ['dtype'], 'generateSquareSubsequentMask');
  check(Number.isSafeInteger(size) && size >= 0, ArgumentError, () => `[generateSquareSubsequentMask] size must be a non-negative integer, got ${fmt(size)}`);
  const { dtype = 'float32' } = options;
  check(dtype === 'float32' || dtype === 'float64', DTypeError, () => `[generateSquareSubsequentMask] dtype must be float32 or float64, got ${fmt(dtype)}`);
  return full([size, size], -Infinity, { dtype }).triu(1);
}

/** `numLayers` deep copies of `layer` in a ModuleList (PyTorch's `_get_clones`). */
function clones(layer: Module, numLayers: number, op: string, kind: string): ModuleList {
  check(layer instanceof Module, ArgumentError, () => `[${op}] ${kind} must be a Module, got ${fmt(layer)}`);
  check(Number.isSafeInteger(numLayers) && numLayers >= 0, ArgumentError, () => `[${op}] numLayers must be a non-negative integer, got ${fmt(numLayers)}`);
  return new ModuleList(Array.from({ length: numLayers }, () => deepCopy(layer)));
}

function checkNorm(norm: unknown, op: string): Module | null {
  check(norm === null || norm instanceof Module, ArgumentError, () => `[${op}] norm must be a Module or null, got ${fmt(norm)}`);
  return norm;
}

/** Options of `TransformerEncoder.forward` (PyTorch's names: the mask is `mask`). */
export interface EncoderForwardOptions {
  /** [L, L] or [N·nhead, L, L], given to every layer (see MultiheadAttention for the conventions). */
  mask?: Tensor | null;
  /** [N, L]: true marks padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** A hint that mask is the causal mask (without mask, the causal mask is used). */
  isCausal?: boolean;
}

/**
 * `numLayers` copies of an encoder layer applied in turn (`layers`, a ModuleList of deep copies, so
 * they start with equal weights as in PyTorch), then the optional final `norm`.
 * @example
 * const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(512, 8), 6);
 * encoder.forward(randn([10, 32, 512])).shape; // [10, 32, 512]
 */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList;
  readonly norm: Module | null;

  constructor(encoderLayer: TransformerEncoderLayer | Module, readonly numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    checkOptionNames(options as unknown, ['norm'], 'TransformerEncoder');
    this.layers = clones(encoderLayer, numLayers, 'TransformerEncoder', 'encoderLayer');
    this.norm = checkNorm(options.norm ?? null, 'TransformerEncoder');
  }

  /** `src` [L, N, dModel] (or as the layers' batchFirst says; [L, dModel] unbatched) → the same shape. */
  forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    checkOptionNames(options as unknown, ['mask', 'srcKeyPaddingMask', 'isCausal'], 'TransformerEncoder.forward');
    const { mask = null, srcKeyPaddingMask = null, isCausal = false } = options;
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, { srcMask: mask, srcKeyPaddingMask, isCausal } satisfies EncoderLayerForwardOptions) as Tensor;
    return this.norm === null ? x : (this.norm.forward(x) as Tensor);
  }
}

/** Options of `TransformerDecoder.forward`: the layer's masks, and a whole decoder's cache. */
export interface DecoderForwardOptions extends Omit<DecoderLayerForwardOptions, 'cache'> {
  /** Incremental decoding: layer i appends to and attends over `cache.layer(i)`. */
  cache?: KVCache | null;
}

/**
 * `numLayers` copies of a decoder layer applied in turn, each attending to the same `memory`, then
 * the optional final `norm`.
 * @example
 * const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(512, 8), 6);
 * decoder.forward(randn([20, 32, 512]), memory).shape; // [20, 32, 512]
 */
export class TransformerDecoder extends Module {
  readonly layers: ModuleList;
  readonly norm: Module | null;

  constructor(decoderLayer: TransformerDecoderLayer | Module, readonly numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    checkOptionNames(options as unknown, ['norm'], 'TransformerDecoder');
    this.layers = clones(decoderLayer, numLayers, 'TransformerDecoder', 'decoderLayer');
    this.norm = checkNorm(options.norm ?? null, 'TransformerDecoder');
  }

  /**
   * `tgt` [T, N, dModel] and `memory` [S, N, dModel] (or batchFirst; unbatched [·, dModel]) → tgt's
   * shape. With `cache` (incremental decoding), `tgt` holds only the new positions and layer i
   * reuses `cache.layer(i)`.
   */
  forward(tgt: Tensor, memory: Tensor, options: DecoderForwardOptions = {}): Tensor {
    checkOptionNames(options as unknown, ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask', 'tgtIsCausal', 'memoryIsCausal', 'cache'], 'TransformerDecoder.forward');
    const { cache = null, ...rest } = options;
    check(cache === null || cache instanceof KVCache, ArgumentError, () => `[TransformerDecoder.forward] cache must be a KVCache, got ${fmt(cache)}`);
    let x = tgt;
    let i = 0;
    for (const layer of this.layers) x = layer.forward(x, memory, { ...rest, cache: cache?.layer(i++) ?? null }) as Tensor;
    return this.norm === null ? x : (this.norm.forward(x) as Tensor);
  }
}

/** Options of `Transformer` (PyTorch's arguments, all with defaults, camelCased). */
export interface TransformerOptions {
  /** Model width (default 512). */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Default 6. */
  numEncoderLayers?: number;
  /** Default 6. */
  numDecoderLayers?: number;
  /** Default 2048. */
  dimFeedforward?: number;
  /** Default 0.1. */
  dropout?: number;
  /** Default 'relu'. */
  activation?: TransformerActivation;
  /** Used instead of the stack of encoder layers (called as `forward(src, { mask, srcKeyPaddingMask, isCausal })`). */
  customEncoder?: Module | null;
  /** Used instead of the stack of decoder layers (called as TransformerDecoder.forward). */
  customDecoder?: Module | null;
  /** Default 1e-5. */
  layerNormEps?: number;
  /** Inputs and output as [N, L, E] (default false). */
  batchFirst?: boolean;
  /** Pre-norm layers (default false). */
  normFirst?: boolean;
  /** Default true. */
  bias?: boolean;
  dtype?: DType;
}

/** Options of `Transformer.forward`. */
export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

const OPTION_NAMES = ['dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'dropout', 'activation', 'customEncoder',
  'customDecoder', 'layerNormEps', 'batchFirst', 'normFirst', 'bias', 'dtype'];
const FORWARD_OPTION_NAMES = ['srcMask', 'tgtMask', 'memoryMask', 'srcKeyPaddingMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask',
  'srcIsCausal', 'tgtIsCausal', 'memoryIsCausal'];

/**
 * The encoder-decoder Transformer of "Attention Is All You Need", as PyTorch's `nn.Transformer`: an
 * `encoder` (TransformerEncoder with a final LayerNorm `norm`) and a `decoder` (likewise); every
 * parameter with more than one dim is re-initialised with xavier_uniform_. All arguments are options
 * with PyTorch's defaults. Embeddings and positional encodings are the caller's (see
 * `PositionalEncoding`).
 * @example
 * const model = new nn.Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2 });
 * const tgtMask = nn.Transformer.generateSquareSubsequentMask(20);
 * model.forward(randn([10, 32, 64]), randn([20, 32, 64]), { tgtMask }).shape; // [20, 32, 64]
 */
export class Transformer extends Module {
  readonly encoder: Module;
  readonly decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options: TransformerOptions = {}) {
    super();
    checkOptionNames(options as unknown, OPTION_NAMES, 'Transformer');
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, customEncoder = null, customDecoder = null, ...rest } = options;
    const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false, bias = true, dtype = 'float32' } = rest;
    const layer = { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, bias, dtype };
    const norm = (): LayerNorm => new LayerNorm(dModel, { eps: layerNormEps, bias, dtype });
    for (const [arg, m] of [['customEncoder', customEncoder], ['customDecoder', customDecoder]] as const) {
      check(m === null || m instanceof Module, ArgumentError, () => `[Transformer] ${arg} must be a Module, got ${fmt(m)}`);
    }
    this.encoder = customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layer), numEncoderLayers, { norm: norm() });
    this.decoder = customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layer), numDecoderLayers, { norm: norm() });
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /**
   * Encodes `src` ([S, N, dModel]; [N, S, dModel] with batchFirst; [S, dModel] unbatched) and decodes
   * `tgt` ([T, N, dModel], …) attending to it; returns [T, N, dModel] (tgt's layout).
   */
  forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    checkOptionNames(options as unknown, FORWARD_OPTION_NAMES, 'Transformer.forward');
    const { srcMask = null, srcKeyPaddingMask = null, srcIsCausal = false, ...decoding } = options;
    checkTensor(src, 'Transformer', 'src');
    checkTensor(tgt, 'Transformer', 'tgt');
    const shapes = `src ${showShape(src.shape)}, tgt ${showShape(tgt.shape)}`;
    check(src.ndim === tgt.ndim && (src.ndim === 2 || src.ndim === 3), ShapeError,
      () => `[Transformer] src and tgt must both be 3-d (batched) or 2-d (unbatched), got ${shapes}`);
    const batchDim = this.batchFirst ? 0 : 1;
    check(src.ndim === 2 || src.shape[batchDim] === tgt.shape[batchDim], ShapeError,
      () => `[Transformer] the batch number of src and tgt must be equal (dim ${batchDim}), got ${shapes}`);
    check(src.shape[src.ndim - 1] === this.dModel && tgt.shape[tgt.ndim - 1] === this.dModel, ShapeError,
      () => `[Transformer] the feature number of src and tgt must be equal to dModel ${this.dModel}, got ${shapes}`);
    const memory = this.encoder.forward(src, { mask: srcMask, srcKeyPaddingMask, isCausal: srcIsCausal } satisfies EncoderForwardOptions) as Tensor;
    return this.decoder.forward(tgt, memory, decoding satisfies DecoderLayerForwardOptions) as Tensor;
  }

  /**
   * The causal float mask (0 on and below the diagonal, −∞ above); see `generateSquareSubsequentMask`.
   * @example
   * nn.Transformer.generateSquareSubsequentMask(4).shape; // [4, 4]
   */
  static generateSquareSubsequentMask(size: number, options: { dtype?: DType } = {}): Tensor {
    return generateSquareSubsequentMask(size, options);
  }
}
