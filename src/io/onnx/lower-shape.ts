/**
 * Lowerings of the movement, copy, indexing and matmul primitives. Shapes that hold a dynamic axis
 * are not written as the example's numbers: Reshape copies a dim with 0 or infers one with -1, and
 * otherwise (like Expand) reads the sizes at run time (GraphBuilder.shapeTensor).
 */
import type { DType } from '../../base/dtype.js';
import { ShapeError, check } from '../../base/errors.js';
import type { Shape } from '../../base/shape.js';
import { attr, INT64_MAX, OnnxExportError, type GraphBuilder, type Value } from './graph.js';
import { result, type Lowering } from './lower-elementwise.js';
import { broadcastDims, isFixed, reshapeDims, sameDim, showDim, sizeOf, type Dim } from './symbolic.js';

/** Reshape's shape input: fixed sizes as numbers, a dim kept in place as 0, one other dynamic dim as -1. */
function reshapeTarget(g: GraphBuilder, inDims: readonly Dim[], outDims: readonly Dim[]): string {
  const entries: (number | Dim)[] = outDims.map((d, i) => (isFixed(d) ? d : i < inDims.length && sameDim(inDims[i]!, d) ? 0 : d));
  const open = entries.filter((e) => !isFixed(e));
  if (open.length === 1) entries[entries.indexOf(open[0]!)] = -1;
  // NOTE: a fixed size 0 would read as "copy" (allowzero = 0); empty tensors are not exported
  return g.shapeTensor(entries);
}

/**
 * Reshape of `x` to `shape` (the example's sizes), with its dynamic axes followed.
 * @example
 * reshapeValue(g, x, [6, 4]);
 */
export function reshapeValue(g: GraphBuilder, x: Value, shape: Shape): Value {
  const dims = reshapeDims(x.dims, shape, g);
  return { name: g.op('Reshape', [x.name, reshapeTarget(g, x.dims, dims)]), type: x.type, dims };
}

const reshape: Lowering = (g, [x], { shape }: { shape: Shape }, out) => {
  const y = reshapeValue(g, x!, shape);
  return result(y.name, out, y.dims);
};

const permute: Lowering = (g, [x], { dims }: { dims: readonly number[] }, out) =>
  result(g.op('Transpose', [x!.name], { perm: attr.ints(dims) }), out, dims.map((d) => x!.dims[d]!));

/** Expand keeps the input's own dims with 1 and writes the new ones (read at run time when dynamic). */
const expand: Lowering = (g, [x], { shape }: { shape: Shape }, out) => {
  const lead = shape.length - x!.dims.length;
  const dims: Dim[] = shape.map((s, i) => (i >= lead && x!.dims[i - lead] !== 1 ? x!.dims[i - lead]! : s));
  const target = dims.map((d, i) => (i >= lead && x!.dims[i - lead] !== 1 ? 1 : d));
  return result(g.op('Expand', [x!.name, g.shapeTensor(target)]), out, dims);
};

/**
 * Slice on the dims it changes. On a dynamic dim, positions before the example's end are kept as
 * they are (x[0], x[1:3]) and a slice to the end must start at 0 (x[::2]): x[k:] and x[-k:] look the
 * same in a trace, so those throw rather than guess.
 */
const slice: Lowering = (g, [x], { starts, steps, shape }: { starts: readonly number[]; steps: readonly number[]; shape: Shape }, out) => {
  const axes: number[] = [];
  const from: number[] = [];
  const to: (number | bigint)[] = [];
  const by: number[] = [];
  const dims: Dim[] = [...x!.dims];
  const fresh: number[] = [];
  x!.dims.forEach((d, i) => {
    const size = sizeOf(d, g.symbols);
    if (starts[i] === 0 && steps[i] === 1 && shape[i] === size) return;
    const end = shape[i] === 0 ? starts[i]! : starts[i]! + (shape[i]! - 1) * steps[i]! + 1;
    const toEnd = !isFixed(d) && end >= size;
    if (toEnd) {
      check(starts[i] === 0, ShapeError, () =>
        `[toOnnx] slicing elements ${starts[i]}..${size} (the end) of the dynamic axis ${showDim(d, g.symbols)} (dim ${i}): a trace cannot tell x[${starts[i]}:] from x[${starts[i]! - size}:]; slice from 0 or to a position before the end`);
      fresh.push(i);
    }
    axes.push(i);
    from.push(starts[i]!);
    to.push(toEnd ? INT64_MAX : end);
    by.push(steps[i]!);
    dims[i] = shape[i]!;
  });
  if (axes.length === 0) return result(g.op('Identity', [x!.name]), out, dims);
  const y = g.op('Slice', [x!.name, g.int64(from), g.int64(to), g.int64(axes), g.int64(by)]);
  for (const i of fresh) dims[i] = g.freshSymbol(y, i, shape[i]!, `${showDim(x!.dims[i]!, g.symbols)}-${starts[i]}`);
  return result(y, out, dims);
};

/** Constant padding; interior padding (slice's vjp) has no ONNX form. */
const pad: Lowering = (g, [x], { low, high, interior, value }: { low: readonly number[]; high: readonly number[]; interior: readonly number[]; value: number }, out) => {
  if (interior.some((p) => p !== 0)) throw new OnnxExportError("[toOnnx] op 'pad' with interior padding has no ONNX export");
  const y = g.op('Pad', [x!.name, g.int64([...low, ...high]), g.scalar(value, out.dtype)]);
  const dims = x!.dims.map((d, i) => (low[i] === 0 && high[i] === 0 ? d : isFixed(d) ? d + low[i]! + high[i]! : g.freshSymbol(y, i, out.shape[i]!, `padded_${i}`)));
  return result(y, out, dims);
};

/** Concat along `dim`; the other dims must agree (a baked example size meeting a dynamic axis throws). */
const cat: Lowering = (g, ins, { dim, dtype }: { dim: number; dtype: DType }, out) => {
  const y = g.op('Concat', ins.map((v) => g.cast(v, dtype)), { axis: attr.int(dim) });
  const others = broadcastDims(ins.map((v) => v.dims.map((d, i) => (i === dim ? 1 : d))), g.symbols, 'cat');
  const along = ins.map((v) => v.dims[dim]!);
  others[dim] = along.every(isFixed) ? along.reduce((p, d) => p + d, 0) : g.freshSymbol(y, dim, out.shape[dim]!, `cat_${dim}`);
  return result(y, out, others);
};

/** flip: a Slice with step −1 over the flipped dims. */
const flip: Lowering = (g, [x], { dims }: { dims: readonly number[] }, out) => {
  const y = g.op('Slice', [x!.name, g.int64(dims.map(() => -1)), g.int64(dims.map(() => -INT64_MAX - 1n)), g.int64(dims), g.int64(dims.map(() => -1))]);
  return result(y, out, x!.dims);
};

/** Batched matmul of >= 2-d operands (batch dims broadcast). */
const matmul: Lowering = (g, [a, b], { dtype }: { dtype: DType }, out) => {
  const batch = broadcastDims([a!.dims.slice(0, -2), b!.dims.slice(0, -2)], g.symbols, 'matmul');
  broadcastDims([a!.dims.slice(-1), b!.dims.slice(-2, -1)], g.symbols, 'matmul'); // the inner dims must agree too
  const dims = [...batch, a!.dims[a!.dims.length - 2]!, b!.dims[b!.dims.length - 1]!];
  return result(g.op('MatMul', [g.cast(a!, dtype), g.cast(b!, dtype)]), out, dims);
};

const indexSelect: Lowering = (g, [x, index], { dim }: { dim: number }, out) =>
  result(g.op('Gather', [x!.name, index!.name], { axis: attr.int(dim) }), out, x!.dims.map((d, i) => (i === dim ? index!.dims[0] ?? 1 : d)));

const gather: Lowering = (g, [x, index], { dim }: { dim: number }, out) =>
  result(g.op('GatherElements', [x!.name, index!.name], { axis: attr.int(dim) }), out, index!.dims);

const cumsum: Lowering = (g, [x], { dim }: { dim: number }, out) =>
  result(g.op('CumSum', [g.cast(x!, out.dtype), g.int64([dim], [])]), out, x!.dims);

/**
 * The lowerings of the movement, copy, indexing and matmul primitives, by op name.
 * @example
 * SHAPE_LOWERINGS.permute!(g, [x], { dims: [1, 0] } as never, out);
 */
export const SHAPE_LOWERINGS: Record<string, Lowering> = {
  reshape,
  permute,
  expand,
  slice,
  pad,
  cat,
  flip,
  matmul,
  indexSelect,
  gather,
  cumsum,
  clone: (g, [x], _, out) => result(g.op('Identity', [x!.name]), out, x!.dims),
  to: (g, [x], dtype: DType, out) => result(x!.type === dtype ? g.op('Identity', [x!.name]) : g.cast(x!, dtype), out, x!.dims),
};
