/**
 * Printing tensors the way PyTorch does: aligned columns, 4 decimals (scientific notation when the
 * magnitudes call for it), rows on their own lines, long dims summarised with `...`.
 */
import type { DType, TypedArray } from '../base/dtype.js';
import type { Shape } from '../base/shape.js';
import type { Tensor } from './tensor.js';

/** Nested JS arrays as returned by `toArray()`. */
export type NestedArray = number | boolean | NestedArray[];

const THRESHOLD = 1000; // more elements than this are summarised
const EDGE_ITEMS = 3; // elements shown at each end of a summarised dim

/**
 * Nested arrays from contiguous data of `shape` (booleans for bool).
 * @example
 * toNested(new Float32Array([1, 2, 3, 4]), [2, 2], 'float32'); // [[1, 2], [3, 4]]
 */
export function toNested(data: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const convert = (x: number): number | boolean => (dtype === 'bool' ? x !== 0 : x);
  const build = (dim: number, start: number): NestedArray => {
    if (dim === shape.length) return convert(data[start]!);
    const size = shape[dim]!;
    const step = shape.slice(dim + 1).reduce((p, s) => p * s, 1);
    return Array.from({ length: size }, (_, i) => build(dim + 1, start + i * step));
  };
  return build(0, 0);
}

/** How every element of one tensor is written, so that columns line up. */
function elementFormatter(values: number[], dtype: DType): (x: number) => string {
  if (dtype === 'bool') return (x) => (x !== 0 ? 'true' : 'false');
  if (dtype === 'int32') return (x) => String(x);
  const finite = values.filter((x) => Number.isFinite(x)).map(Math.abs);
  const nonzero = finite.filter((x) => x !== 0);
  const max = finite.length > 0 ? Math.max(...finite) : 0;
  const min = nonzero.length > 0 ? Math.min(...nonzero) : 0;
  const scientific = max >= 1e8 || (min > 0 && min < 1e-4) || (min > 0 && max / min > 1000);
  return (x) => {
    if (Number.isNaN(x)) return 'nan';
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
    if (Object.is(x, -0)) return scientific ? '-0.0000e+00' : '-0.0000';
    if (!scientific) return x.toFixed(4);
    const [mantissa, exponent] = x.toExponential(4).split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
  };
}

/** Indices shown along a dim of `size` (all, or the edges when summarising; -1 marks the `...`). */
function shownIndices(size: number, summarise: boolean): number[] {
  if (!summarise || size <= 2 * EDGE_ITEMS) return Array.from({ length: size }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => size - EDGE_ITEMS + i);
  return [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), -1, ...tail];
}

/**
 * `tensor([[1.0000, 2.0000]], requiresGrad=true)`, as PyTorch prints it (`dtype=` for non-float32 numbers).
 * @example
 * formatTensor(tensor([1, 2])); // 'tensor([1.0000, 2.0000])'
 */
export function formatTensor(t: Tensor): string {
  const data = t.toTypedArray();
  const shape = t.shape;
  const summarise = data.length > THRESHOLD;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
  // the elements that will be printed decide the format
  const shown: number[] = [];
  const collect = (dim: number, start: number): void => {
    if (dim === shape.length) return void shown.push(data[start]!);
    for (const i of shownIndices(shape[dim]!, summarise)) if (i >= 0) collect(dim + 1, start + i * strides[dim]!);
  };
  collect(0, 0);
  const format = elementFormatter(shown, t.dtype);
  const width = Math.max(0, ...shown.map((x) => format(x).length));
  const indent = 'tensor('.length;

  const render = (dim: number, start: number): string => {
    if (dim === shape.length) return format(data[start]!).padStart(width);
    const parts = shownIndices(shape[dim]!, summarise).map((i) => (i < 0 ? '...' : render(dim + 1, start + i * strides[dim]!)));
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`;
    const gap = ',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${parts.join(gap)}]`;
  };

  const body = data.length === 0 && shape.length !== 1 ? `[], size=[${shape.join(', ')}]` : render(0, 0);
  const suffix: string[] = [];
  if (t.dtype !== 'float32' && t.dtype !== 'bool') suffix.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) suffix.push(`gradFn=<${t.gradFn}>`);
  else if (t.requiresGrad) suffix.push('requiresGrad=true');
  return `tensor(${[body, ...suffix].join(', ')})`;
}
