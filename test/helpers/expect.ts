/**
 * Assertions shared by several test files: the exact error a call throws, and summary statistics
 * of a tensor's values.
 */
import { expect } from 'vitest';
import type { Tensor } from '../../src/index.js';

/** An error class of ours (or any Error subclass). */
export type ErrorClass = new (message: string) => Error;

/**
 * Asserts that `fn` throws an instance of `cls` whose message is `message` (or matches it).
 * @example
 * expectError(() => new SGD([], { lr: -1 }), ArgumentError, '[SGD] …');
 */
export function expectError(fn: () => unknown, cls: ErrorClass, message: string | RegExp): void {
  let thrown: unknown = null;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected a ${cls.name}`).toBeInstanceOf(cls);
  if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
  else expect((thrown as Error).message).toMatch(message);
}

/**
 * Awaits `promise` and asserts it rejects with an instance of `cls` whose message is `message` (or matches it).
 * @example
 * await expectRejects(SafetensorsReader.open(bad), ArgumentError, /header/);
 */
export async function expectRejects(promise: Promise<unknown>, cls: ErrorClass, message: string | RegExp): Promise<void> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error, `expected a ${cls.name}`).toBeInstanceOf(cls);
  if (typeof message === 'string') expect((error as Error).message).toBe(message);
  else expect((error as Error).message).toMatch(message);
}

/**
 * A tensor's values as a plain array.
 * @example
 * values(ones([2])); // [1, 1]
 */
export const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

/**
 * Mean, sample standard deviation, min and max.
 * @example
 * stats(values(randn([1000]))).std; // ≈ 1
 */
export function stats(xs: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]!;
    min = Math.min(min, xs[i]!);
    max = Math.max(max, xs[i]!);
  }
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / (xs.length - 1)), min, max };
}
