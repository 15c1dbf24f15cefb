/**
 * `Optimizer`: the base class of nabla's optimisers, with PyTorch's semantics. It holds parameter
 * groups (each with its own hyper-parameters, which LR schedulers change), per-parameter state,
 * `zeroGrad`, `step` (the update runs under `noGrad`), `addParamGroup` and state dicts in
 * PyTorch's shape.
 */
import { releaseGrad } from '../core/autograd.js';
import { ArgumentError, check, fmt } from '../base/errors.js';
import { enableGrad, noGrad } from '../core/grad-mode.js';
import { pin, scope } from '../core/storage.js';
import { Tensor } from '../core/tensor.js';

/** The hyper-parameters every optimiser has: a learning rate. */
export interface OptimizerOptions {
  lr: number;
}

/**
 * A parameter group as stored in `optimizer.paramGroups`: the parameters and the group's
 * hyper-parameters (readable and writable; schedulers add keys such as `initialLr`).
 */
export interface ParamGroup extends OptimizerOptions {
  params: Tensor[];
  /** The learning rate a scheduler started from (set by the first scheduler constructed). */
  initialLr?: number;
  [option: string]: unknown;
}

/** A parameter group as given to a constructor or `addParamGroup`: options it omits come from the defaults. */
export type ParamGroupSpec<O extends OptimizerOptions = OptimizerOptions> = { params: Tensor | Iterable<Tensor> } & Partial<O>;

/** What an optimiser is constructed from: parameters, or parameter groups. */
export type Params<O extends OptimizerOptions = OptimizerOptions> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/** A value kept in an optimiser's per-parameter state. */
export type StateValue = Tensor | number | boolean | null;

/**
 * An optimiser's state in PyTorch's shape: per-parameter state keyed by the parameter's index
 * (counted across groups, in order), and the groups' options with `params` as lists of indices.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateValue>>;
  paramGroups: Array<{ params: number[]; [option: string]: unknown }>;
}

/**
 * Deep-copies a state or option value: tensors are cloned, arrays and plain objects copied.
 * @example
 * copyValue([0.9, 0.999]); // a new array
 */
export function copyValue<T>(value: T): T {
  if (value instanceof Tensor) return noGrad(() => value.detach().clone()) as T;
  if (Array.isArray(value)) return value.map(copyValue) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyValue(v)])) as T;
  }
  return value;
}

/**
 * The base class of the optimisers. A subclass gives its name, defaults, a `validate` for its
 * hyper-parameters, `initState` (the lazily created per-parameter state) and `update` (one
 * parameter's update, run under `noGrad` for each parameter whose `.grad` is not null). After the
 * updates, `step` frees the tensors they created except those reachable from the state (through
 * arrays and plain objects), the parameters and their gradients: a subclass keeps what it needs
 * between steps in its per-parameter state.
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1 });
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions, S extends object = object> {
  /** The optimiser's name, as used in error messages (`'Adam'`). */
  readonly name: string;
  /** The hyper-parameters a group gets when it does not set them (`undefined`: the group must set it). */
  readonly defaults: Readonly<O>;
  /** The parameter groups; each group's hyper-parameters can be changed between steps. */
  paramGroups: Array<ParamGroup & O> = [];
  /** Per-parameter state (moment estimates, momentum buffers, step counts), created at the first step. */
  state = new Map<Tensor, S>();

  protected constructor(name: string, params: Params<O>, defaults: O) {
    this.name = name;
    this.defaults = defaults;
    check(!(params instanceof Tensor), ArgumentError,
      () => `[${name}] params must be an iterable of Tensors or of parameter groups, got a single Tensor; wrap it in an array`);
    check(params !== null && typeof params === 'object' && Symbol.iterator in params, ArgumentError,
      () => `[${name}] params must be an iterable of Tensors or of parameter groups, got ${fmt(params)}`);
    const list = Array.from(params as Iterable<Tensor | ParamGroupSpec<O>>);
    check(list.length > 0, ArgumentError, () => `[${name}] optimizer got an empty parameter list`);
    this.validate(defaults);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupSpec<O>] : (list as ParamGroupSpec<O>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /** Throws an `ArgumentError` for an out-of-range hyper-parameter (checked for the defaults and each group). */
  protected abstract validate(options: O): void;
  /** The state of a parameter at its first update. */
  protected abstract initState(param: Tensor, group: ParamGroup & O): S;
  /** Updates one parameter in place from its gradient (called under `noGrad`). */
  protected abstract update(param: Tensor, grad: Tensor, state: S, group: ParamGroup & O): void;

  /**
   * Adds a parameter group (e.g. layers unfrozen during fine-tuning); options it omits come from the defaults.
   * @example
   * opt.addParamGroup({ params: head.parameters(), lr: 1e-3 });
   */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const name = this.name;
    check(spec !== null && typeof spec === 'object' && 'params' in spec, ArgumentError,
      () => `[${name}] a parameter group must be an object with a params field, got ${fmt(spec)}`);
    const raw = spec.params;
    check(raw instanceof Tensor || (raw !== null && typeof raw === 'object' && Symbol.iterator in raw), ArgumentError,
      () => `[${name}] a parameter group's params must be a Tensor or an iterable of Tensors, got ${fmt(raw)}`);
    check(!(raw instanceof Set), ArgumentError,
      () => `[${name}] optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs; use an array instead`);
    const params = raw instanceof Tensor ? [raw] : Array.from(raw);
    for (const p of params) {
      check(p instanceof Tensor, ArgumentError, () => `[${name}] optimizer can only optimize Tensors, but one of the params is ${fmt(p)}`);
      check(p.isLeaf, ArgumentError, () => `[${name}] can't optimize a non-leaf Tensor (produced by '${p.gradFn}'); pass leaves, or detach()`);
    }
    const { params: _given, ...options } = spec;
    const group: Record<string, unknown> = { ...copyValue(options), params };
    for (const [key, value] of Object.entries(this.defaults)) {
      check(value !== undefined || group[key] !== undefined, ArgumentError,
        () => `[${name}] parameter group didn't specify a value of required optimization parameter ${key}`);
      if (group[key] === undefined) group[key] = copyValue(value);
    }
    this.validate(group as unknown as O);
    check(new Set(params).size === params.length, ArgumentError,
      () => `[${name}] optimizer contains a parameter group with duplicate parameters`);
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    check(params.every((p) => !taken.has(p)), ArgumentError, () => `[${name}] some parameters appear in more than one parameter group`);
    this.paramGroups.push(group as ParamGroup & O);
  }

  /**
   * Clears the gradients of all optimised parameters: sets them to null (default; the gradients
   * backward allocated are freed, so clone one you want to keep past this call) or, with
   * `setToNone: false`, zeroes them in place.
   * @example
   * opt.zeroGrad();
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone) {
          releaseGrad(p);
        } else {
          if (p.grad.requiresGrad) p.grad = p.grad.detach();
          const grad = p.grad;
          noGrad(() => grad.zero_());
        }
      }
    }
  }

  /**
   * Performs one update of every parameter that has a gradient (parameters with `.grad` null are
   * skipped). The optional closure re-evaluates the model with grad mode on and returns the loss,
   * which `step` returns.
   * @example
   * opt.step();
   * const loss = opt.step(() => { opt.zeroGrad(); const l = lossFn(); l.backward(); return l; });
   */
  step(): undefined;
  step<L>(closure: () => L): L;
  step<L>(closure?: () => L): L | undefined {
    const loss = closure === undefined ? undefined : enableGrad(closure);
    // Lifetime rule: what the updates create is garbage once they are done, except what the
    // optimiser keeps (moment estimates, momentum buffers — in this.state or any other field of a
    // subclass): everything reachable from the optimiser is kept, the rest freed at once so that
    // the wasm heap reuses its blocks.
    scope(() => noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (grad === null) continue;
          let state = this.state.get(p);
          if (state === undefined) {
            state = this.initState(p, group);
            this.state.set(p, state);
          }
          this.update(p, grad, state, group);
        }
      }
      pin(this);
    }));
    return loss;
  }

  /**
   * The optimiser's state in PyTorch's shape: `{ state: { [index]: {...} }, paramGroups: [{ ...options, params: [indices] }] }`,
   * with tensors cloned.
   * @example
   * const saved = opt.stateDict();
   * fresh.loadStateDict(saved);
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      for (const p of params) if (!index.has(p)) index.set(p, index.size);
      return { ...copyValue(options), params: params.map((p) => index.get(p)!) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = copyValue({ ...s }) as Record<string, StateValue>;
    }
    return { state, paramGroups };
  }

  /**
   * Loads a state saved by `stateDict` (of an optimiser with the same group sizes): the groups'
   * options and the per-parameter state (tensors cloned and converted to the parameter's dtype).
   * @example
   * opt.loadStateDict(saved);
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    check(stateDict !== null && typeof stateDict === 'object' && Array.isArray(stateDict.paramGroups)
      && stateDict.state !== null && typeof stateDict.state === 'object', ArgumentError,
    () => `[${op}] expected an object with state and paramGroups, as returned by stateDict(), got ${fmt(stateDict)}`);
    const saved = stateDict.paramGroups;
    check(saved.length === this.paramGroups.length, ArgumentError,
      () => `[${op}] loaded state dict has a different number of parameter groups: ${saved.length}, expected ${this.paramGroups.length}`);
    const byIndex = new Map<number, Tensor>();
    saved.forEach((group, g) => {
      const params = this.paramGroups[g]!.params;
      check(Array.isArray(group.params) && group.params.length === params.length, ArgumentError,
        () => `[${op}] loaded state dict contains a parameter group that doesn't match the size of optimizer's group: group ${g} has ${Array.isArray(group.params) ? group.params.length : fmt(group.params)} parameters, expected ${params.length}`);
      group.params.forEach((id, k) => byIndex.set(id, params[k]!));
    });
    const state = new Map<Tensor, S>();
    for (const [key, values] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      check(p !== undefined, ArgumentError, () => `[${op}] the state refers to parameter ${key}, which no parameter group lists`);
      state.set(p, castState(values, p));
    }
    this.state = state;
    this.paramGroups = saved.map((group, g) => ({ ...copyValue(group), params: this.paramGroups[g]!.params }) as unknown as ParamGroup & O);
  }
}

/** A copy of one parameter's saved state, its tensors converted to the parameter's dtype. */
function castState<S>(values: Record<string, StateValue>, param: Tensor): S {
  const out: Record<string, StateValue> = {};
  for (const [k, v] of Object.entries(values)) out[k] = v instanceof Tensor ? noGrad(() => v.detach().to(param.dtype).clone()) : copyValue(v);
  return out as S;
}
