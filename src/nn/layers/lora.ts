/**
 * LoRA layers (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"), laid out as
 * Hugging Face PEFT lays them out, so that their state-dict keys are PEFT's: the wrapped layer is
 * `base_layer`, the adapter is `lora_A.default` / `lora_B.default` (Linear, Conv2d) or the
 * parameters `lora_embedding_A.default` / `lora_embedding_B.default` (Embedding). The output is
 * `base(x) + scaling · B(A(dropout(x)))` with `scaling = alpha / r` (`alpha / √r` with rsLoRA).
 */
import { ArgumentError, check } from '../../base/errors.js';
import { noGrad } from '../../core/grad-mode.js';
import { keep } from '../../core/storage.js';
import type { Tensor } from '../../core/tensor.js';
import { embedding } from '../functional/misc.js';
import { normal_, zeros_ } from '../init.js';
import { Module, Parameter } from '../module.js';
import { ModuleDict } from './container.js';
import { Conv2d } from './conv.js';
import { Identity, Linear } from './linear.js';
import { Dropout, Embedding } from './misc.js';
import { empty } from './util.js';

/** The adapter's settings, as `applyLora` resolved them for one layer. */
export interface LoraLayerOptions {
  /** Rank of the update. */
  r: number;
  /** Scale numerator: the update is multiplied by `alpha / r` (or `alpha / √r` with `useRslora`). */
  alpha: number;
  /** Dropout on the adapter's input (Linear and Conv2d; PEFT applies none to embeddings). */
  dropout: number;
  /** rsLoRA's scaling `alpha / √r`. */
  useRslora: boolean;
  /** PEFT's default init (true): A as the layer's default (Kaiming-uniform), B zeros, so training starts at the base model; false makes B random too (for tests). */
  initLoraWeights: boolean;
}

/** PEFT's attribute names, which hold capitals that nabla's camelCase → snake_case rule would lower. */
const PEFT_KEYS: Record<string, string> = {
  lora_a: 'lora_A', lora_b: 'lora_B', lora_embedding_a: 'lora_embedding_A', lora_embedding_b: 'lora_embedding_B',
};

/** The adapter name PEFT uses when none is given; nabla holds one adapter per layer, under it. */
const ADAPTER = 'default';

/** Checks r, alpha and dropout (before a layer builds adapter modules of rank r). */
function checkOptions({ r, alpha, dropout }: LoraLayerOptions): void {
  check(Number.isSafeInteger(r) && r > 0, ArgumentError, () => `[LoRA] r must be a positive integer, got ${r}`);
  check(typeof alpha === 'number' && Number.isFinite(alpha), ArgumentError, () => `[LoRA] alpha must be a finite number, got ${alpha}`);
  check(typeof dropout === 'number' && dropout >= 0 && dropout < 1, ArgumentError, () => `[LoRA] dropout must be in [0, 1), got ${dropout}`);
}

/** A module holding one parameter under the adapter's name (PEFT's `ParameterDict({'default': …})`). */
class AdapterParameter extends Module {
  constructor(readonly default_: Parameter) {
    super();
  }

  protected override ownEntries(): [string, unknown][] {
    return [[ADAPTER, this.default_]];
  }

  forward(): never {
    throw new ArgumentError('[LoRA] an adapter parameter has no forward');
  }
}

/**
 * What every LoRA layer shares: the frozen base layer, the scaling, and merging the update into the
 * base weight and back. `merge()` keeps a copy of the base weight, and `unmerge()` restores it bit for
 * bit when nothing wrote to the weight in between (otherwise it subtracts the update: equal up to rounding).
 * @example
 * const layer = new nn.LoraLinear(new nn.Linear(16, 8), { r: 4, alpha: 8, dropout: 0, useRslora: false, initLoraWeights: true });
 * layer.merge(); layer.unmerge(); // the base weight is back, bit for bit
 */
export abstract class LoraLayer<B extends Linear | Embedding | Conv2d = Linear | Embedding | Conv2d> extends Module {
  readonly r: number;
  readonly alpha: number;
  readonly scaling: number;
  /** True while the update is folded into the base weight (forward then runs the base layer alone). */
  merged = false;
  private _beforeMerge: { weight: Tensor; version: number } | null = null;

  constructor(readonly baseLayer: B, readonly options: LoraLayerOptions) {
    super();
    checkOptions(options);
    const { r, alpha } = options;
    this.r = r;
    this.alpha = alpha;
    this.scaling = options.useRslora ? alpha / Math.sqrt(r) : alpha / r;
  }

  protected override ownEntries(): [string, unknown][] {
    return super.ownEntries().map(([k, v]) => [PEFT_KEYS[k] ?? k, v]);
  }

  /** The effective weight: the base weight plus the update (the base weight alone once merged). */
  get weight(): Tensor {
    return this.merged ? this.baseLayer.weight : this.baseLayer.weight.add(this.deltaWeight());
  }

  /** The update `scaling · ΔW`, shaped like the base weight (differentiable in the adapter's parameters). */
  abstract deltaWeight(): Tensor;

  /** The adapter's own parameters (A, then B). */
  abstract adapterParameters(): Parameter[];

  /** Folds the update into the base weight (`W += scaling · ΔW`); forward then costs what the base layer costs. */
  merge(): void {
    if (this.merged) return;
    const w = this.baseLayer.weight;
    noGrad(() => {
      this._beforeMerge = { weight: keep(w.detach().clone()), version: 0 };
      w.add_(this.deltaWeight());
      this._beforeMerge.version = w._storage.version;
    });
    this.merged = true;
  }

  /** Takes the update back out of the base weight (bit for bit when the weight was not written to since `merge`). */
  unmerge(): void {
    if (!this.merged) return;
    const w = this.baseLayer.weight;
    const saved = this._beforeMerge!;
    noGrad(() => (w._storage.version === saved.version ? w.copy_(saved.weight) : w.sub_(this.deltaWeight())));
    this._beforeMerge = null;
    this.merged = false;
  }

  override extraRepr(): string {
    return `r=${this.r}, alpha=${this.alpha}, scaling=${this.scaling}${this.merged ? ', merged' : ''}`;
  }
}

/**
 * A LoRA layer whose adapter is two modules, `lora_A` then `lora_B` (Linear or Conv2d), on the dropped-out
 * input: `base(x) + scaling · lora_B(lora_A(dropout(x)))`.
 */
abstract class LoraPair<B extends Linear | Conv2d, M extends Linear | Conv2d> extends LoraLayer<B> {
  readonly loraDropout: ModuleDict;
  readonly loraA: ModuleDict;
  readonly loraB: ModuleDict;

  constructor(baseLayer: B, options: LoraLayerOptions, a: M, b: M) {
    super(baseLayer, options);
    this.loraDropout = new ModuleDict({ [ADAPTER]: options.dropout > 0 ? new Dropout(options.dropout) : new Identity() });
    this.loraA = new ModuleDict({ [ADAPTER]: a });
    this.loraB = new ModuleDict({ [ADAPTER]: b });
    if (options.initLoraWeights) noGrad(() => zeros_(b.weight));
  }

  protected get a(): M {
    return this.loraA.get(ADAPTER) as M;
  }

  protected get b(): M {
    return this.loraB.get(ADAPTER) as M;
  }

  adapterParameters(): Parameter[] {
    return [this.a.weight, this.b.weight];
  }

  forward(x: Tensor): Tensor {
    const y = (this.baseLayer as Linear | Conv2d).forward(x);
    if (this.merged) return y;
    // scaling applied to the rank-r activations, not to B's output: the same product, one full-size tensor fewer
    const h = this.a.forward((this.loraDropout.get(ADAPTER) as Dropout | Identity).forward(x));
    return y.add(this.b.forward(h.mul(this.scaling)));
  }
}

/**
 * A `Linear` with a LoRA adapter: `base(x) + scaling · lora_B(lora_A(dropout(x)))`, A `[r, in]`,
 * B `[out, r]`. `weight` and `bias` read as the effective ones (`W + scaling · B·A` until merged), so
 * code that reads a layer's weight (rather than calling forward) sees the adapted layer.
 * @example
 * const layer = new nn.LoraLinear(new nn.Linear(16, 8), { r: 4, alpha: 8, dropout: 0, useRslora: false, initLoraWeights: true });
 * layer.forward(randn([2, 16])).shape; // [2, 8]
 */
export class LoraLinear extends LoraPair<Linear, Linear> {
  constructor(baseLayer: Linear, options: LoraLayerOptions) {
    checkOptions(options);
    const dtype = baseLayer.weight.dtype;
    super(baseLayer, options, new Linear(baseLayer.inFeatures, options.r, { bias: false, dtype }), new Linear(options.r, baseLayer.outFeatures, { bias: false, dtype }));
  }

  get inFeatures(): number {
    return this.baseLayer.inFeatures;
  }

  get outFeatures(): number {
    return this.baseLayer.outFeatures;
  }

  get bias(): Parameter | null {
    return this.baseLayer.bias;
  }

  // ΔW = B · A (out × in)
  deltaWeight(): Tensor {
    return this.b.weight.matmul(this.a.weight).mul(this.scaling);
  }

}

/**
 * An `Embedding` with a LoRA adapter: `base(x) + scaling · embedding(x, Aᵀ) · Bᵀ`, with PEFT's
 * parameters `lora_embedding_A` `[r, numEmbeddings]` (zeros at init) and `lora_embedding_B`
 * `[embeddingDim, r]` (standard normal at init).
 * @example
 * const layer = new nn.LoraEmbedding(new nn.Embedding(100, 16), { r: 4, alpha: 8, dropout: 0, useRslora: false, initLoraWeights: true });
 * layer.forward(tensor([[1, 2]], { dtype: 'int32' })).shape; // [1, 2, 16]
 */
export class LoraEmbedding extends LoraLayer<Embedding> {
  readonly loraEmbeddingA: AdapterParameter;
  readonly loraEmbeddingB: AdapterParameter;

  constructor(baseLayer: Embedding, options: LoraLayerOptions) {
    super(baseLayer, options);
    const dtype = baseLayer.weight.dtype;
    const a = new Parameter(zeros_(empty([options.r, baseLayer.numEmbeddings], dtype)));
    const b = new Parameter(normal_(empty([baseLayer.embeddingDim, options.r], dtype)));
    if (!options.initLoraWeights) noGrad(() => normal_(a));
    this.loraEmbeddingA = new AdapterParameter(a);
    this.loraEmbeddingB = new AdapterParameter(b);
  }

  // ΔW = (B · A)ᵀ (numEmbeddings × embeddingDim)
  deltaWeight(): Tensor {
    return this.loraEmbeddingB.default_.matmul(this.loraEmbeddingA.default_).t().mul(this.scaling);
  }

  adapterParameters(): Parameter[] {
    return [this.loraEmbeddingA.default_, this.loraEmbeddingB.default_];
  }

  forward(input: Tensor): Tensor {
    const paddingIdx = this.baseLayer.paddingIdx;
    const y = embedding(input, this.baseLayer.weight, { paddingIdx });
    if (this.merged) return y;
    const h = embedding(input, this.loraEmbeddingA.default_.t(), { paddingIdx });
    return y.add(h.matmul(this.loraEmbeddingB.default_.t()).mul(this.scaling));
  }
}

/**
 * A `Conv2d` with a LoRA adapter: `lora_A` is a convolution to r channels with the base layer's
 * kernel, stride, padding and dilation, `lora_B` a 1×1 convolution to the output channels (PEFT's
 * layout); grouped convolutions are refused, as PEFT does.
 * @example
 * const layer = new nn.LoraConv2d(new nn.Conv2d(3, 8, 3, { padding: 1 }), { r: 4, alpha: 8, dropout: 0, useRslora: false, initLoraWeights: true });
 * layer.forward(randn([1, 3, 8, 8])).shape; // [1, 8, 8, 8]
 */
export class LoraConv2d extends LoraPair<Conv2d, Conv2d> {
  constructor(baseLayer: Conv2d, options: LoraLayerOptions) {
    checkOptions(options);
    const { stride, padding, dilation, groups = 1 } = baseLayer.options;
    check(groups === 1, ArgumentError, () => `[LoRA] Conv2d with groups=${groups} is not supported (PEFT refuses it too)`);
    const dtype = baseLayer.weight.dtype;
    super(baseLayer, options, new Conv2d(baseLayer.inChannels, options.r, baseLayer.kernelSize, { stride, padding, dilation, bias: false, dtype }),
      new Conv2d(options.r, baseLayer.outChannels, 1, { bias: false, dtype }));
  }

  // ΔW[o, i, kh, kw] = Σ_r B[o, r] · A[r, i, kh, kw]
  deltaWeight(): Tensor {
    const [r, inC, kh, kw] = this.a.weight.shape as [number, number, number, number];
    const b = this.b.weight.reshape([this.baseLayer.outChannels, r]);
    return b.matmul(this.a.weight.reshape([r, inC * kh * kw])).reshape([this.baseLayer.outChannels, inC, kh, kw]).mul(this.scaling);
  }

}
