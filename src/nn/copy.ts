/**
 * `deepCopy`: a module with its own copy of every parameter, buffer and submodule, as Python's
 * `copy.deepcopy(module)` (what PyTorch's TransformerEncoder uses to stack copies of one layer).
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { noGrad } from '../core/grad-mode.js';
import { Tensor } from '../core/tensor.js';
import { Module, Parameter } from './module.js';

/** A copy of a tensor's values, detached (a Parameter stays a Parameter; requiresGrad is kept). */
function copyTensor(t: Tensor): Tensor {
  const data = noGrad(() => t.detach().clone());
  if (t instanceof Parameter) return new Parameter(data, t.requiresGrad);
  return t.requiresGrad ? data.requiresGrad_(true) : data;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Copies `v` deeply; `memo` maps what was copied to its copy, so shared objects stay shared. */
function copyValue(v: unknown, memo: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v; // numbers, strings, functions (activations) are shared
  if (memo.has(v)) return memo.get(v);
  if (v instanceof Tensor) {
    const t = copyTensor(v);
    memo.set(v, t);
    return t;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    for (const item of v) out.push(copyValue(item, memo));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    memo.set(v, out);
    for (const item of v) out.add(copyValue(item, memo));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    memo.set(v, out);
    for (const [k, item] of v) out.set(k, copyValue(item, memo));
    return out;
  }
  if (v instanceof Module || isPlainObject(v)) return copyFields(v, memo);
  return v; // other class instances (a Generator, …) are shared, not copied
}

/** An object of the same prototype whose own properties are copies of `v`'s (readonly ones included). */
function copyFields(v: object, memo: Map<object, unknown>): object {
  const out = Object.create(Object.getPrototypeOf(v)) as object;
  memo.set(v, out);
  for (const key of Reflect.ownKeys(v)) {
    const desc = Object.getOwnPropertyDescriptor(v, key)!;
    if ('value' in desc) desc.value = copyValue(desc.value, memo);
    Object.defineProperty(out, key, desc);
  }
  return out;
}

/**
 * A deep copy of `module`: the same class and settings, with new parameters and buffers holding the
 * same values (gradients are not copied). Tied weights stay tied within the copy; plain functions
 * (an activation) are shared.
 * @example
 * const layer = new nn.Linear(4, 4);
 * const copy = nn.deepCopy(layer);
 * copy.weight === layer.weight; // false, and their values are equal
 */
export function deepCopy<T extends Module>(module: T): T {
  check(module instanceof Module, ArgumentError, () => `[deepCopy] expected a Module, got ${fmt(module)}`);
  return copyValue(module, new Map()) as T;
}
