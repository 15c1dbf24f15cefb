/**
 * The default way to merge a list of samples into a batch, as PyTorch's `default_collate`:
 * tensors are stacked along a new first dim, numbers and booleans become a 1-d tensor, strings stay
 * a list, and arrays (tuples) and plain objects are collated field by field.
 */
import { tensor } from '../core/creation.js';
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { Tensor } from '../core/tensor.js';
import { stack } from '../ops/copy.js';

/** The type `defaultCollate` makes of a list of samples of type `T`. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

/**
 * Merges samples into a batch: tensors are stacked (all must have the same shape), numbers become a
 * float32 tensor and booleans a bool tensor of shape [n], strings a string[], and arrays and plain
 * objects are collated element by element / key by key (all samples need the same length / keys).
 * NOTE: JS has no integer type, so numbers give float32 like `tensor()`; return class labels as
 * int32 0-d tensors (or use a `TensorDataset`) when a loss needs int32 targets.
 * @example
 * defaultCollate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]); // [tensor [2,2], tensor [0, 1]]
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  check(Array.isArray(samples) && samples.length > 0, ArgumentError, () => '[defaultCollate] expected a non-empty array of samples');
  return collate(samples, 'sample') as Collated<T>;
}

function collate(items: readonly unknown[], path: string): unknown {
  const first = items[0];
  if (first instanceof Tensor) return collateTensors(items, path);
  if (typeof first === 'number' || typeof first === 'boolean') return collateScalars(items, typeof first === 'number' ? 'number' : 'boolean', path);
  if (typeof first === 'string') {
    items.forEach((v, i) => check(typeof v === 'string', ArgumentError, () => mismatch(path, i, 'a string', v)));
    return items.slice();
  }
  if (Array.isArray(first)) return collateArrays(items, first.length, path);
  if (isPlainObject(first)) return collateObjects(items, Object.keys(first), path);
  throw new ArgumentError(`[defaultCollate] cannot collate ${fmt(first)} at ${path}; pass a collate function`);
}

function collateTensors(items: readonly unknown[], path: string): Tensor {
  const first = items[0] as Tensor;
  items.forEach((v, i) => {
    check(v instanceof Tensor, ArgumentError, () => mismatch(path, i, 'a Tensor', v));
    check(v.ndim === first.ndim && v.shape.every((s, d) => s === first.shape[d]), ShapeError,
      () => `[defaultCollate] tensors at ${path} must have equal shapes to be stacked: sample 0 has ${showShape(first.shape)}, sample ${i} has ${showShape(v.shape)}`);
  });
  return stack(items as Tensor[]);
}

function collateScalars(items: readonly unknown[], kind: 'number' | 'boolean', path: string): Tensor {
  items.forEach((v, i) => check(typeof v === kind, ArgumentError, () => mismatch(path, i, `a ${kind}`, v)));
  return tensor(items as number[] | boolean[]);
}

function collateArrays(items: readonly unknown[], length: number, path: string): unknown[] {
  items.forEach((v, i) => {
    check(Array.isArray(v), ArgumentError, () => mismatch(path, i, 'an array', v));
    check(v.length === length, ShapeError,
      () => `[defaultCollate] samples at ${path} must have equal lengths: sample 0 has ${length} elements, sample ${i} has ${v.length}`);
  });
  return Array.from({ length }, (_, k) => collate(items.map((v) => (v as unknown[])[k]), `${path}[${k}]`));
}

function collateObjects(items: readonly unknown[], keys: string[], path: string): Record<string, unknown> {
  const keyList = keys.join(',');
  items.forEach((v, i) => {
    check(isPlainObject(v), ArgumentError, () => mismatch(path, i, 'an object', v));
    const own = Object.keys(v);
    check(own.length === keys.length && keys.every((k) => Object.hasOwn(v, k)), ShapeError,
      () => `[defaultCollate] samples at ${path} must have the same keys: sample 0 has {${keyList}}, sample ${i} has {${own.join(',')}}`);
  });
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = collate(items.map((v) => (v as Record<string, unknown>)[key]), `${path}.${key}`);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function mismatch(path: string, i: number, expected: string, got: unknown): string {
  return `[defaultCollate] sample ${i} at ${path} must be ${expected} like sample 0, got ${fmt(got)}`;
}
