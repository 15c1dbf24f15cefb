/**
 * LoRA on any model, as Hugging Face PEFT does it: `applyLora` wraps the chosen Linear, Embedding and
 * Conv2d layers (by name or pattern) in LoRA layers, freezes everything else, and returns a handle that
 * merges, unmerges, and saves and loads adapter-only state in PEFT's layout
 * (`base_model.model.<path>.lora_A.weight` + `adapter_config.json`), so adapters move between nabla and PEFT.
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { noGrad } from '../core/grad-mode.js';
import { Tensor } from '../core/tensor.js';
import { Conv2d } from './layers/conv.js';
import { Linear } from './layers/linear.js';
import { LoraConv2d, LoraEmbedding, LoraLayer, LoraLinear, type LoraLayerOptions } from './layers/lora.js';
import { Embedding } from './layers/misc.js';
import { Module, type Parameter } from './module.js';

/** Which layers get adapters: names (a layer matches when its dotted name equals one or ends with `.<name>`, as PEFT's list), or a pattern its whole name must match (PEFT's string form). */
export type LoraTarget = readonly string[] | string | RegExp;

/** `applyLora`'s settings, PEFT's `LoraConfig` camelCased (defaults as PEFT's). */
export interface LoraConfig {
  /** The layers to adapt (Linear, Embedding, Conv2d). */
  targetModules: LoraTarget;
  /** Rank (default 8). */
  r?: number;
  /** Scale numerator (default 8): the update is scaled by `alpha / r`. */
  alpha?: number;
  /** Dropout on the adapter's input (default 0). */
  dropout?: number;
  /** rsLoRA scaling `alpha / √r` (default false). */
  useRslora?: boolean;
  /** PEFT's default init (true: B zeros, so the adapted model starts as the base model). */
  initLoraWeights?: boolean;
}

/** `adapter_config.json` as PEFT writes it (the fields nabla reads and writes; others are kept as given). */
export interface PeftLoraConfig {
  peft_type: 'LORA';
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: string[] | string;
  use_rslora: boolean;
  bias: 'none';
  fan_in_fan_out: boolean;
  init_lora_weights: boolean;
  modules_to_save: null;
  [other: string]: unknown;
}

/** The prefix PEFT's `PeftModel` adds to every key (its `base_model` is a LoraModel whose `model` is yours). */
const PREFIX = 'base_model.model.';

function targetMatches(target: LoraTarget, name: string): boolean {
  if (typeof target === 'string') return new RegExp(`^(?:${target})$`).test(name); // re.fullmatch
  if (target instanceof RegExp) return new RegExp(`^(?:${target.source})$`, target.flags.replace('g', '')).test(name);
  return target.some((t) => name === t || name.endsWith(`.${t}`));
}

function checkTarget(target: unknown): asserts target is LoraTarget {
  const ok = typeof target === 'string' || target instanceof RegExp || (Array.isArray(target) && target.length > 0 && target.every((t) => typeof t === 'string'));
  check(ok, ArgumentError, () => `[applyLora] targetModules must be a non-empty list of names, a pattern string or a RegExp, got ${fmt(target)}`);
}

function wrap(layer: Module, options: LoraLayerOptions, name: string): LoraLayer {
  if (layer instanceof Linear) return new LoraLinear(layer, options);
  if (layer instanceof Embedding) return new LoraEmbedding(layer, options);
  if (layer instanceof Conv2d) return new LoraConv2d(layer, options);
  throw new ArgumentError(`[applyLora] "${name}" is a ${layer.constructor.name}; LoRA adapts Linear, Embedding and Conv2d layers`);
}

/**
 * A model with LoRA adapters: the handle `applyLora` returns. The model itself is changed in place
 * (its targeted layers are LoRA layers, everything else is frozen) and trains as usual.
 * @example
 * const lora = nn.applyLora(model, { targetModules: ['q_proj', 'v_proj'], r: 8, alpha: 16 });
 * const opt = new optim.AdamW(lora.trainableParameters(), { lr: 1e-3 });
 */
export class LoraModel {
  constructor(readonly model: Module, readonly config: Required<LoraConfig>) {}

  /** The LoRA layers with their dotted names in the model. */
  layers(): [string, LoraLayer][] {
    return this.model.namedModules().filter((e): e is [string, LoraLayer] => e[1] instanceof LoraLayer);
  }

  /** The adapters' parameters (what trains). */
  trainableParameters(): Parameter[] {
    return this.layers().flatMap(([, l]) => l.adapterParameters());
  }

  /** Folds every adapter into its base weight (inference at the base model's cost). */
  merge(): void {
    for (const [, l] of this.layers()) l.merge();
  }

  /** Takes the adapters back out (bit for bit when the weights were not written to since `merge`). */
  unmerge(): void {
    for (const [, l] of this.layers()) l.unmerge();
  }

  /** Merges the adapters and puts the plain base layers back in place: the model as it would be with the adapted weights. */
  mergeAndUnload(): Module {
    for (const [name, l] of this.layers()) {
      l.merge();
      this.model.setSubmodule(name, l.baseLayer);
    }
    return this.model;
  }

  /** Removes the adapters without merging: the base model back, unchanged (still frozen). */
  unload(): Module {
    for (const [name, l] of this.layers()) {
      l.unmerge();
      this.model.setSubmodule(name, l.baseLayer);
    }
    return this.model;
  }

  /**
   * The adapter weights under PEFT's saved names (`base_model.model.fc1.lora_A.weight`,
   * `…emb.lora_embedding_A`), detached views of the live parameters: write them with `toSafetensors`
   * as `adapter_model.safetensors`.
   */
  adapterStateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(this.model.stateDict())) {
      if (!name.includes('lora_')) continue;
      out[PREFIX + name.replace(/\.default(\.weight)?$/, '$1')] = t;
    }
    return out;
  }

  /**
   * Loads adapter weights saved by PEFT or by `adapterStateDict` (keys with or without
   * `base_model.model.`, with or without the adapter name `.default`); every adapter must be present
   * (missing or unexpected keys throw), shapes must match, values are cast to the model's dtype.
   */
  loadAdapterStateDict(state: Record<string, Tensor>): void {
    check(typeof state === 'object' && state !== null, ArgumentError, () => `[loadAdapterStateDict] expected an object of tensors, got ${fmt(state)}`);
    const own = this.adapterStateDict();
    const given = new Map<string, Tensor>();
    for (const [k, t] of Object.entries(state)) {
      const key = (k.startsWith(PREFIX) ? k : PREFIX + k).replace(/\.default(\.weight)?$/, '$1');
      check(t instanceof Tensor, ArgumentError, () => `[loadAdapterStateDict] "${k}" is not a Tensor (got ${fmt(t)})`);
      given.set(key, t);
    }
    const missing = Object.keys(own).filter((k) => !given.has(k));
    const unexpected = [...given.keys()].filter((k) => !(k in own));
    check(missing.length === 0 && unexpected.length === 0, ArgumentError,
      () => `[loadAdapterStateDict] the adapter does not fit the model: missing ${fmt(missing)}, unexpected ${fmt(unexpected)}`);
    for (const [k, target] of Object.entries(own)) {
      const source = given.get(k)!;
      check(showShape(source.shape) === showShape(target.shape), ShapeError,
        () => `[loadAdapterStateDict] size mismatch for ${k}: the file has ${showShape(source.shape)}, the model ${showShape(target.shape)}`);
    }
    const wasMerged = this.layers().filter(([, l]) => l.merged);
    for (const [, l] of wasMerged) l.unmerge();
    noGrad(() => {
      for (const [k, target] of Object.entries(own)) target.copy_(given.get(k)!);
    });
    for (const [, l] of wasMerged) l.merge();
  }

  /** `adapter_config.json`'s content in PEFT's format (write it with `JSON.stringify(…, null, 2)`). */
  adapterConfig(): PeftLoraConfig {
    const { targetModules, r, alpha, dropout, useRslora, initLoraWeights } = this.config;
    return {
      peft_type: 'LORA',
      task_type: null,
      base_model_name_or_path: null,
      inference_mode: true,
      r,
      lora_alpha: alpha,
      lora_dropout: dropout,
      target_modules: typeof targetModules === 'string' ? targetModules : targetModules instanceof RegExp ? targetModules.source : [...targetModules],
      use_rslora: useRslora,
      use_dora: false,
      bias: 'none',
      fan_in_fan_out: false,
      init_lora_weights: initLoraWeights,
      modules_to_save: null,
      layers_to_transform: null,
      layers_pattern: null,
      rank_pattern: {},
      alpha_pattern: {},
    };
  }
}

/**
 * Wraps every Linear, Embedding and Conv2d layer of `model` whose dotted name matches
 * `targetModules` in a LoRA layer (in place: PEFT's `get_peft_model`), and freezes every other
 * parameter, so only the adapters train. A name list matches a layer whose name equals an entry or
 * ends with `.<entry>`; a string or RegExp must match the whole name. Throws when nothing matches.
 * @example
 * const lora = nn.applyLora(gpt, { targetModules: ['attn.out_proj', 'linear1', 'linear2'], r: 8, alpha: 16 });
 * nn.summary(gpt, x).trainableParams; // the adapters only
 */
export function applyLora(model: Module, config: LoraConfig): LoraModel {
  check(model instanceof Module, ArgumentError, () => `[applyLora] expected a Module, got ${fmt(model)}`);
  check(typeof config === 'object' && config !== null, ArgumentError, () => `[applyLora] expected a config { targetModules, r, alpha, … }, got ${fmt(config)}`);
  checkTarget(config.targetModules);
  const full: Required<LoraConfig> = {
    targetModules: config.targetModules, r: config.r ?? 8, alpha: config.alpha ?? 8, dropout: config.dropout ?? 0,
    useRslora: config.useRslora ?? false, initLoraWeights: config.initLoraWeights ?? true,
  };
  check(!model.modules().some((m) => m instanceof LoraLayer), ArgumentError, () => '[applyLora] the model already has LoRA adapters (one adapter per model)');
  const targets = model.namedModules().filter(([name]) => name !== '' && targetMatches(full.targetModules, name));
  check(targets.length > 0, ArgumentError, () => `[applyLora] no layer of ${model.constructor.name} matches targetModules ${fmt(full.targetModules)}`);
  model.requiresGrad_(false);
  for (const [name, layer] of targets) model.setSubmodule(name, wrap(layer, full, name));
  return new LoraModel(model, full);
}

/**
 * Adds the adapter described by a PEFT `adapter_config.json` to `model` and loads its weights
 * (`adapter_model.safetensors`'s tensors), as PEFT's `PeftModel.from_pretrained`.
 * @example
 * const lora = nn.loadLora(model, JSON.parse(readFileSync('adapter_config.json', 'utf8')),
 *   fromSafetensors(readFileSync('adapter_model.safetensors')).tensors);
 */
export function loadLora(model: Module, adapterConfig: Partial<PeftLoraConfig>, tensors: Record<string, Tensor>): LoraModel {
  check(typeof adapterConfig === 'object' && adapterConfig !== null, ArgumentError, () => `[loadLora] expected the adapter_config.json object, got ${fmt(adapterConfig)}`);
  const c = adapterConfig;
  check(c.peft_type === 'LORA', ArgumentError, () => `[loadLora] peft_type must be "LORA", got ${fmt(c.peft_type)}`);
  check((c.bias ?? 'none') === 'none' && !c.fan_in_fan_out && !c.use_dora && (c.modules_to_save ?? null) === null, ArgumentError,
    () => '[loadLora] nabla loads LoRA adapters with bias "none", no fan_in_fan_out, no DoRA and no modules_to_save');
  for (const key of ['rank_pattern', 'alpha_pattern', 'exclude_modules', 'layers_to_transform', 'layer_replication', 'target_parameters', 'trainable_token_indices', 'lora_bias', 'use_qalora'] as const) {
    const v = c[key];
    const unset = v === undefined || v === null || v === false || (typeof v === 'object' && Object.keys(v).length === 0);
    check(unset, ArgumentError, () => `[loadLora] adapter_config.json sets ${key} to ${fmt(v)}, which nabla does not support (one r and alpha for every targeted layer)`);
  }
  const lora = applyLora(model, {
    targetModules: c.target_modules as LoraTarget, r: c.r ?? 8, alpha: c.lora_alpha ?? 8, dropout: c.lora_dropout ?? 0,
    useRslora: c.use_rslora ?? false, initLoraWeights: true,
  });
  lora.loadAdapterStateDict(tensors);
  return lora;
}
