/**
 * fast-check generators for the op spec table: shapes first, then data of that length. Values are
 * integer-derived (k/100, k/4, ...) so counterexamples shrink to short decimals, and bounded to keep
 * off kinks, jumps and domain edges where a row asks for it. Shapes are small (numel <= 12 by
 * default) so gradcheck compares the full Jacobian.
 */
import fc from 'fast-check';
import { numel, range } from './reference.js';
import type { Case, Input, Kind } from './spec.js';

/** Values of a given length. */
export type Values = (n: number) => fc.Arbitrary<number[]>;

const len = (n: number) => ({ minLength: n, maxLength: n });
const hundredths = (lo: number, hi: number) => fc.integer({ min: Math.round(lo * 100), max: Math.round(hi * 100) });

/** Multiples of 0.01 in [lo, hi]. */
export const uniform = (lo: number, hi: number): Values => (n) => fc.array(hundredths(lo, hi).map((k) => k / 100), len(n));

/** Multiples of 0.01 with gap <= |x| <= hi (off kinks and poles at 0). */
export const awayFromZero = (gap: number, hi: number): Values => (n) =>
  fc.array(fc.tuple(fc.boolean(), hundredths(gap, hi)).map(([neg, k]) => (neg ? -k : k) / 100), len(n));

/** Distinct multiples of 0.01 in [lo, hi] (no ties for max/min). */
export const distinct = (lo: number, hi: number): Values => (n) =>
  fc.uniqueArray(hundredths(lo, hi), len(n)).map((ks) => ks.map((k) => k / 100));

/** Multiples of 0.01 with distinct |x| in [gap, hi] and random signs (no ties of |x|, no zeros). */
export const distinctAbs = (gap: number, hi: number): Values => (n) =>
  fc.tuple(fc.uniqueArray(hundredths(gap, hi), len(n)), fc.array(fc.boolean(), len(n)))
    .map(([ks, negs]) => ks.map((k, i) => (negs[i] ? -k : k) / 100));

/** Multiples of 1/perUnit in [lo, hi]: ties and exact zeros are frequent. */
export const grid = (lo: number, hi: number, perUnit: number): Values => (n) =>
  fc.array(fc.integer({ min: lo * perUnit, max: hi * perUnit }).map((k) => k / perUnit), len(n));

/** Quarters in [lo, hi] with about one element in four exactly 0 (prod's zero cases, one and several per slice). */
export const quartersWithZeros = (lo: number, hi: number): Values => (n) =>
  fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: lo * 4, max: hi * 4 }).map((k) => k / 4) }), len(n));

/** Even (parity 0) or odd (parity 1) multiples of 0.01 in [lo, hi]: operands of different parity never tie. */
export const parity = (lo: number, hi: number, odd: 0 | 1): Values => (n) =>
  fc.array(fc.integer({ min: Math.ceil(lo * 50), max: Math.floor(hi * 50) - odd }).map((k) => (2 * k + odd) / 100), len(n));

/** Quarters plus 0.1: at least 0.1 away from the jumps of floor, ceil and round. */
export const offJumps = (lo: number, hi: number): Values => (n) => grid(lo, hi, 4)(n).map((v) => v.map((x) => x + 0.1));

/** Integers in [lo, hi]. */
export const integers = (lo: number, hi: number): Values => (n) => fc.array(fc.integer({ min: lo, max: hi }), len(n));

export const bits: Values = integers(0, 1);

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  minDim?: number;
  maxDim?: number;
  maxNumel?: number;
}

/** Shapes of rank minRank..maxRank with dims minDim..maxDim and at most maxNumel elements. */
export function shapes({ minRank = 0, maxRank = 3, minDim = 1, maxDim = 4, maxNumel = 12 }: ShapeOptions = {}): fc.Arbitrary<number[]> {
  return fc.integer({ min: minRank, max: maxRank })
    .chain((r) => fc.array(fc.integer({ min: minDim, max: maxDim }), len(r)))
    .filter((s) => numel(s) <= maxNumel);
}

/** An input of `kind` with `shape` and values from `values`. */
export function inputOf(kind: Kind, shape: number[], values: Values): fc.Arbitrary<Input> {
  return values(numel(shape)).map((data) => ({ kind, shape, data }));
}

export const floats = (shape: number[], values: Values) => inputOf('float', shape, values);

/** Cases of one float input. */
export function oneInput(values: Values, shape: fc.Arbitrary<number[]> = shapes()): fc.Arbitrary<Case<{}>> {
  return shape.chain((s) => floats(s, values)).map((x) => ({ inputs: [x], attrs: {} }));
}

/** A shape that broadcasts to `out`: some leading dims dropped, some dims set to 1. */
export function operandShape(out: number[]): fc.Arbitrary<number[]> {
  return fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), len(out.length)))
    .map(([drop, ones]) => out.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s)));
}

/** Shapes of `n` operands that broadcast together (0-d and size-1 dims included). */
export function broadcastShapes(n: number, options: ShapeOptions = {}): fc.Arbitrary<number[][]> {
  return shapes(options).chain((out) => fc.tuple(...range(n).map(() => operandShape(out))));
}

/** Cases of float inputs (one per entry of `values`) with broadcastable shapes. */
export function broadcastInputs(values: Values[], kinds: Kind[] = values.map(() => 'float')): fc.Arbitrary<Case<{}>> {
  return broadcastShapes(values.length)
    .chain((ss) => fc.tuple(...ss.map((s, i) => inputOf(kinds[i]!, s, values[i]!))))
    .map((inputs) => ({ inputs, attrs: {} }));
}

/** A dim in [-ndim, ndim) (negative dims count from the end). */
export const dimOf = (ndim: number) => fc.integer({ min: -ndim, max: ndim - 1 });

/** Two or more distinct dims in any order, each possibly written as a negative dim. */
export function dimsOf(ndim: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray(range(ndim), { minLength: 2 })
    .chain((ds) => fc.array(fc.boolean(), len(ds.length)).map((negs) => ds.map((d, i) => (negs[i] ? d - ndim : d))));
}

export type DimSpec = 'all' | 'one' | 'several';

export interface ReduceAttrs {
  dim: number | number[] | null;
  keepdim: boolean;
}

/** Reduction cases: all dims (dim null), one dim (0-d included: dim 0 or -1), or several dims; keepdim either way. */
export function reduceCases(values: Values, which: DimSpec): fc.Arbitrary<Case<ReduceAttrs>> {
  return shapes({ minRank: which === 'several' ? 2 : 0 }).chain((s) => {
    const dim: fc.Arbitrary<number | number[] | null> = which === 'all' ? fc.constant(null) : which === 'one' ? dimOf(Math.max(s.length, 1)) : dimsOf(s.length);
    return fc.record({ x: floats(s, values), dim, keepdim: fc.boolean() });
  }).map(({ x, dim, keepdim }) => ({ inputs: [x], attrs: { dim, keepdim } }));
}

/** Cases of one float input (rank minRank..3) and one dim of it. */
export function dimCases(values: Values, minRank = 1): fc.Arbitrary<Case<{ dim: number }>> {
  return shapes({ minRank }).chain((s) => fc.record({ x: floats(s, values), dim: dimOf(Math.max(s.length, 1)) }))
    .map(({ x, dim }) => ({ inputs: [x], attrs: { dim } }));
}

/** All shapes of rank <= 3 with `n` elements. */
export function shapesWithNumel(n: number): number[][] {
  const out: number[][] = [[n]];
  if (n === 1) out.push([]);
  for (let a = 1; a <= n; a++) {
    if (n % a !== 0) continue;
    out.push([a, n / a]);
    for (let b = 1; b <= n / a; b++) if ((n / a) % b === 0) out.push([a, b, n / a / b]);
  }
  return out;
}

/** A shape with `n` elements, possibly with one dim written as -1. */
export function reshapeTarget(n: number, allowInferred = true): fc.Arbitrary<number[]> {
  return fc.constantFrom(...shapesWithNumel(n)).chain((s) =>
    !allowInferred || s.length === 0 ? fc.constant(s) : fc.option(fc.integer({ min: 0, max: s.length - 1 })).map((k) => (k === null ? s : s.map((d, i) => (i === k ? -1 : d)))));
}

/** Index values in [0, size). */
export const indices = (size: number): Values => integers(0, size - 1);
