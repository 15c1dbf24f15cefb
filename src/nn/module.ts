/**
 * `Module` and `Parameter`: the base of every layer. Parameters, buffers and submodules are found
 * from a module's fields (also inside arrays), in the order they were assigned, so that names
 * follow PyTorch's dotted scheme (`features.0.weight`).
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { releaseGrad } from '../core/autograd.js';
import { noGrad } from '../core/grad-mode.js';
import { showShape } from '../base/shape.js';
import { Tensor, replaceData } from '../core/tensor.js';
import { keep, pin } from '../core/storage.js';
import { checkDType, isFloating, type DType } from '../base/dtype.js';

/**
 * A tensor that is a module's trainable state: it requires grad by default and is registered
 * when assigned to a module field. It shares the given tensor's storage.
 * @example
 * class Scale extends Module { w = new Parameter(ones([3])); forward(x: Tensor) { return x.mul(this.w); } }
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    check(data instanceof Tensor, ArgumentError, () => `[Parameter] data must be a Tensor, got ${fmt(data)}`);
    super(data._storage, data.shape, data.strides, data.offset, data.dtype);
    if (requiresGrad) this.requiresGrad_(true);
  }
}

/**
 * The state-dict key of a module field: camelCase becomes PyTorch's snake_case (`runningMean` →
 * `running_mean`, `weightIhL0` → `weight_ih_l0`, `selfAttn` → `self_attn`); names without capitals
 * (`fc1`, `weight`) are unchanged. Parameter, buffer and submodule names all follow it, so a model's
 * keys are PyTorch's wherever its fields are PyTorch's attribute names camelCased.
 * @example
 * stateKey('numBatchesTracked'); // 'num_batches_tracked'
 */
export function stateKey(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** A dotted key with every segment in PyTorch's spelling (for checkpoints saved with camelCase keys). */
function pytorchKey(key: string): string {
  return key.split('.').map(stateKey).join('.');
}

/** True for `{ tensors, metadata, dtypes }` (what `fromSafetensors` returns) rather than a state dict. */
function isSafetensorsContent(state: object): boolean {
  const { tensors, metadata } = state as Record<string, unknown>;
  return Object.keys(state).every((k) => k === 'tensors' || k === 'metadata' || k === 'dtypes') && typeof tensors === 'object' && tensors !== null && !(tensors instanceof Tensor)
    && typeof metadata === 'object' && metadata !== null && !(metadata instanceof Tensor);
}

/**
 * The state with camelCase keys (checkpoints nabla wrote before its keys were PyTorch's, e.g.
 * `bn.runningMean`) renamed to PyTorch's spelling; keys already in it are kept as they are.
 */
function withPytorchKeys(state: Record<string, Tensor>): Record<string, Tensor> {
  const keys = Object.keys(state);
  if (keys.every((k) => pytorchKey(k) === k)) return state;
  const out: Record<string, Tensor> = {};
  for (const k of keys) {
    const renamed = pytorchKey(k);
    out[renamed in state ? k : renamed] = state[k]!; // a key in both spellings keeps each tensor under its own
  }
  return out;
}

/** What `loadStateDict` found missing or unexpected (with `strict: false`). */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * The base class of layers and models. Subclasses assign parameters (`Parameter`), buffers
 * (`registerBuffer`) and submodules to fields and implement `forward`.
 * @example
 * class MLP extends Module {
 *   fc1 = new Linear(784, 128);
 *   fc2 = new Linear(128, 10);
 *   forward(x: Tensor): Tensor { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * new MLP().namedParameters().map(([name]) => name); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 */
export abstract class Module {
  /** True in training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  private readonly _bufferNames = new Set<string>();
  /** Buffers registered with `persistent: false`: listed by `namedBuffers`, left out of `stateDict`. */
  private readonly _nonPersistent = new Set<string>();

  /** The module's computation (a subclass without one throws `[Module] <Class> has no forward method` when called). */
  abstract forward(...args: any[]): any; // eslint-disable-line @typescript-eslint/no-explicit-any

  /**
   * Fields holding modules, parameters or buffers, under their state-dict names (`stateKey`: PyTorch's
   * snake_case); keys starting with `_` are internal and skipped.
   */
  protected ownEntries(): [string, unknown][] {
    return Object.entries(this).filter(([key]) => !key.startsWith('_') && key !== 'training').map(([key, v]) => [stateKey(key), v]);
  }

  /**
   * Registers (or replaces) a buffer: state that is not trained, e.g. running statistics. It is saved in
   * `stateDict` unless `persistent` is false (a table the module recomputes, as PyTorch's `persistent=False`).
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    check(tensor === null || tensor instanceof Tensor, ArgumentError, () => `[registerBuffer] ${name} must be a Tensor or null, got ${fmt(tensor)}`);
    (this as unknown as Record<string, Tensor | null>)[name] = tensor;
    this._bufferNames.add(name);
    if (options.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
  }

  /** Every field holding a module, with its name (array fields give `name.0`, `name.1`, …), repeats included. */
  protected childEntries(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of this.ownEntries()) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) value.forEach((v, i) => v instanceof Module && out.push([`${key}.${i}`, v]));
    }
    return out;
  }

  /** Direct submodules with their names; a module held by two fields is listed once, under the first. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this.childEntries().filter(([, m]) => !seen.has(m) && seen.add(m));
  }

  /** This module's own parameters (not its children's). */
  protected ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [key, value] of this.ownEntries()) {
      if (value instanceof Parameter) out.push([key, value]);
      else if (Array.isArray(value)) value.forEach((v, i) => v instanceof Parameter && out.push([`${key}.${i}`, v]));
    }
    return out;
  }

  /** Every module in the tree with its dotted name (this one is ''), parents before children, each once. */
  namedModules(prefix = '', seen = new Set<Module>()): [string, Module][] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix === '' ? name : `${prefix}.${name}`, seen));
    return out;
  }

  /** Parameters of the whole tree with dotted names, each listed once (shared parameters keep their first name). */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix === '' ? name : `${prefix}.${name}`, p]);
      }
    }
    return out;
  }

  /** Buffers of the whole tree with dotted names. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.namedBuffersOwn()) out.push([prefix === '' ? name : `${prefix}.${name}`, t]);
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * The submodule at a dotted path (`'encoder.layers.0.self_attn'`, state-dict names), as PyTorch's
   * `get_submodule`; '' is this module. Throws an ArgumentError naming the first segment not found.
   * @example
   * model.getSubmodule('layers.0.linear1'); // the Linear
   */
  getSubmodule(target: string): Module {
    return target === '' ? this : this.resolvePath(target, 'getSubmodule').at(-1)![1];
  }

  /**
   * Replaces the submodule at a dotted path with `module`, as PyTorch's `set_submodule` (what LoRA
   * uses to wrap a layer in place).
   * @example
   * model.setSubmodule('fc1', new Linear(784, 256));
   */
  setSubmodule(target: string, module: Module): void {
    check(module instanceof Module, ArgumentError, () => `[setSubmodule] expected a Module for "${target}", got ${fmt(module)}`);
    check(typeof target === 'string' && target !== '', ArgumentError, () => `[setSubmodule] target must name a submodule, got ${fmt(target)}`);
    const path = this.resolvePath(target, 'setSubmodule');
    const parent = path.length === 1 ? this : path.at(-2)![1];
    parent.setChild(path.at(-1)![0], module);
  }

  /** The [child name, module] steps from this module down a dotted path (an array field's child is one step, `layers.0`). */
  private resolvePath(target: string, op: string): [string, Module][] {
    const steps: [string, Module][] = [];
    let m: Module = this;
    let rest = target;
    while (rest !== '') {
      const step = m.childEntries()
        .filter(([name]) => rest === name || rest.startsWith(`${name}.`))
        .sort((a, b) => b[0].length - a[0].length)[0];
      check(step !== undefined, ArgumentError,
        () => `[${op}] ${this.constructor.name} has no submodule "${target}": nothing named "${rest.split('.')[0]}" under "${target.slice(0, target.length - rest.length).replace(/\.$/, '')}"`);
      steps.push(step);
      m = step[1];
      rest = rest.slice(step[0].length + 1);
    }
    return steps;
  }

  /** Replaces the child held under state-dict name `name` (a field, or element `i` of an array field `name.i`). */
  protected setChild(name: string, module: Module): void {
    const fields = this as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (key.startsWith('_')) continue;
      if (value instanceof Module && stateKey(key) === name) {
        fields[key] = module;
        return;
      }
      if (Array.isArray(value) && name.startsWith(`${stateKey(key)}.`)) {
        const i = Number(name.slice(stateKey(key).length + 1));
        if (value[i] instanceof Module) {
          value[i] = module;
          return;
        }
      }
    }
    throw new ArgumentError(`[setSubmodule] ${this.constructor.name} has no field holding "${name}"`);
  }

  /** Sets training mode on the whole tree; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): dropout off, batch norm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears every parameter's gradient (sets it to null, as PyTorch's default) and frees the
   * gradients backward allocated (clone one you want to keep past this call).
   */
  zeroGrad(): void {
    for (const p of this.parameters()) releaseGrad(p);
  }

  /** Calls `fn` on every submodule (children first, as PyTorch) and on this module; returns this. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Turns gradient recording of every parameter on or off (freezing); returns this. */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad_(on);
    return this;
  }

  /**
   * Casts every floating-point parameter and buffer (and parameter gradient) to `dtype`, in place, as
   * PyTorch's `module.to(dtype)`: integer and bool buffers (`num_batches_tracked`) stay as they are.
   * Parameters keep their identity (their data is replaced, as `param.data = …`), so an optimiser
   * built before still updates them; its state (Adam's moments) keeps the old dtype, so cast before
   * the first step. Returns this.
   * @example
   * const model = new nn.Linear(3, 2).to({ dtype: 'float64' });
   * model.weight.dtype; // 'float64'
   */
  to(options: { dtype: DType }): this {
    check(typeof options === 'object' && options !== null, ArgumentError, () => `[Module.to] expected { dtype }, got ${fmt(options)}`);
    const { dtype } = options;
    checkDType(dtype, 'Module.to');
    check(isFloating(dtype), ArgumentError, () => `[Module.to] dtype must be a floating-point dtype (float32 or float64), got ${dtype}`);
    noGrad(() => {
      for (const p of this.parameters()) {
        if (!isFloating(p.dtype) || p.dtype === dtype) continue;
        const grad = p.grad;
        p.grad = null;
        replaceData(p, keep(p.detach().to(dtype)));
        if (grad !== null) p.grad = pin(grad.to(dtype));
      }
      for (const m of this.modules()) {
        const fields = m as unknown as Record<string, Tensor | null>;
        for (const name of m._bufferNames) {
          const b = fields[name];
          if (b instanceof Tensor && isFloating(b.dtype) && b.dtype !== dtype) fields[name] = keep(b.to(dtype));
        }
      }
    });
    return this;
  }

  /**
   * Casts floating-point parameters and buffers to float64 (`to({ dtype: 'float64' })`); returns this.
   * @example
   * const model = new nn.Linear(3, 2).double(); // gradcheck-ready
   */
  double(): this {
    return this.to({ dtype: 'float64' });
  }

  /**
   * Casts floating-point parameters and buffers to float32 (`to({ dtype: 'float32' })`); returns this.
   * @example
   * model.float();
   */
  float(): this {
    return this.to({ dtype: 'float32' });
  }

  /**
   * Parameters and buffers by dotted name (per module: its parameters, then its buffers, then its
   * children's), as detached tensors sharing storage with the model. As in PyTorch, a shared module
   * or tied weight appears under every name that holds it.
   */
  stateDict(prefix = '', out: Record<string, Tensor> = {}): Record<string, Tensor> {
    const key = (name: string): string => (prefix === '' ? name : `${prefix}.${name}`);
    for (const [name, t] of [...this.ownParameters(), ...this.namedBuffersOwn(true)]) out[key(name)] = t.detach();
    for (const [name, child] of this.childEntries()) child.stateDict(key(name), out);
    return out;
  }

  private namedBuffersOwn(persistentOnly = false): [string, Tensor][] {
    return [...this._bufferNames]
      .filter((name) => !persistentOnly || !this._nonPersistent.has(name))
      .map((name) => [stateKey(name), (this as unknown as Record<string, Tensor | null>)[name]] as [string, Tensor | null])
      .filter((e): e is [string, Tensor] => e[1] instanceof Tensor);
  }

  /**
   * Copies parameters and buffers from `state` (by name) into the model. With `strict` (default)
   * missing or unexpected keys throw; with `strict: false` they are returned (`missingKeys`,
   * `unexpectedKeys`) and the rest is loaded. Shape mismatches always throw. Values are cast to each
   * target's dtype as PyTorch's `copy_` does (a float64 checkpoint loads into a float32 model, rounded
   * to nearest; an int32 `num_batches_tracked` from a float file is truncated).
   * @example
   * const { missingKeys } = model.loadStateDict(fromSafetensors(bytes).tensors, { strict: false });
   */
  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const { strict = true } = options;
    check(typeof state === 'object' && state !== null, ArgumentError, () => `[loadStateDict] state must be an object of tensors, got ${fmt(state)}`);
    check(!isSafetensorsContent(state), ArgumentError,
      () => '[loadStateDict] got { tensors, metadata } (what fromSafetensors returns); pass its .tensors: model.loadStateDict(fromSafetensors(bytes).tensors)');
    state = withPytorchKeys(state);
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in own));
    const problems: string[] = [];
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected key(s) in state: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
    if (strict && missingKeys.length > 0) problems.push(`missing key(s) in state: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    for (const [name, target] of Object.entries(own)) {
      const source = state[name];
      if (source === undefined) continue;
      if (!(source instanceof Tensor)) problems.push(`${name} is not a Tensor (got ${fmt(source)})`);
      else if (showShape(source.shape) !== showShape(target.shape)) {
        problems.push(`size mismatch for ${name}: copying a tensor of shape ${showShape(source.shape)}, the shape in the current model is ${showShape(target.shape)}`);
      }
    }
    check(problems.length === 0, problems.some((p) => p.startsWith('size mismatch')) ? ShapeError : ArgumentError,
      () => `[loadStateDict] error(s) loading the state into ${this.constructor.name}: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [name, target] of Object.entries(own)) {
        const source = state[name];
        if (source !== undefined) target.copy_(source);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** The arguments shown in `toString()` (e.g. `inFeatures=784, outFeatures=10, bias=true`). */
  extraRepr(): string {
    return '';
  }

  /** The module tree as PyTorch prints it. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}${this.extraRepr() === '' ? '' : ','}\n${lines.join('\n')}\n)`;
  }
}

// NOTE: forward is abstract for TypeScript, but a JavaScript subclass (or one cast past the compiler) can
// lack it, and calling it — directly, from Sequential or from summary — would fail with a bare
// "forward is not a function". This fallback on the prototype, which every subclass's own forward
// overrides, names the class instead.
Object.defineProperty(Module.prototype, 'forward', {
  value: function forward(this: Module): never {
    throw new ArgumentError(`[Module] ${this.constructor.name} has no forward method`);
  },
  writable: true,
  configurable: true,
});
