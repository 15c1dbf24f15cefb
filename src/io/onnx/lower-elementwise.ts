/**
 * Lowerings of the elementwise primitives (unary, binary, comparisons, where) and of the reductions:
 * each turns one traced op into ONNX nodes. Inputs are converted to the dtype nabla computed in
 * (its promotion rules are decided by the public wrapper and passed as the op's attribute).
 */
import { promoteTypes, type DType } from '../../base/dtype.js';
import type { Tensor } from '../../core/tensor.js';
import { attr, type GraphBuilder, type Value } from './graph.js';
import { ONNX_TYPE_CODE, type OnnxType } from './messages.js';
import { broadcastDims, isFixed, mulDims, sizeOf, type Dim } from './symbolic.js';

/** Turns one traced op into nodes; returns the value that stands for its output. */
export type Lowering = (g: GraphBuilder, ins: readonly Value[], attrs: never, out: Tensor) => Value;

/**
 * The value of an op's output: its name, the output's dtype and `dims`.
 * @example
 * return result(g.op('Relu', [x.name]), out, x.dims);
 */
export function result(name: string, out: Tensor, dims: readonly Dim[]): Value {
  return { name, type: out.dtype, dims };
}

const UNARY: Record<string, string> = {
  neg: 'Neg', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', sign: 'Sign', sin: 'Sin', cos: 'Cos', tanh: 'Tanh',
  sigmoid: 'Sigmoid', relu: 'Relu', erf: 'Erf', reciprocal: 'Reciprocal', floor: 'Floor', ceil: 'Ceil', round: 'Round',
};

/** A unary op: x cast to the output's dtype first (floating ops of int inputs give float32). */
function unary(name: string): Lowering {
  return (g, [x], _, out) => {
    const input = g.cast(x!, out.dtype);
    // rounding an integer tensor leaves it as it is (ONNX's Floor/Ceil/Round take floats only)
    const integer = (name === 'floor' || name === 'ceil' || name === 'round') && (out.dtype === 'int32' || out.dtype === 'bool');
    return result(integer ? g.op('Identity', [input]) : g.op(UNARY[name]!, [input]), out, x!.dims);
  };
}

const one = (g: GraphBuilder, type: DType): string => g.scalar(1, type);

/** Unary ops with no single ONNX op: log1p, expm1, rsqrt, logicalNot, isnan. */
const COMPOSED_UNARY: Record<string, Lowering> = {
  log1p: (g, [x], _, out) => result(g.op('Log', [g.op('Add', [g.cast(x!, out.dtype), one(g, out.dtype)])]), out, x!.dims),
  expm1: (g, [x], _, out) => result(g.op('Sub', [g.op('Exp', [g.cast(x!, out.dtype)]), one(g, out.dtype)]), out, x!.dims),
  rsqrt: (g, [x], _, out) => result(g.op('Reciprocal', [g.op('Sqrt', [g.cast(x!, out.dtype)])]), out, x!.dims),
  logicalNot: (g, [x], _, out) => result(g.op('Not', [g.cast(x!, 'bool')]), out, x!.dims),
  isnan: (g, [x], _, out) => result(x!.type === 'float32' || x!.type === 'float64' ? g.op('IsNaN', [x!.name]) : g.op('Not', [g.op('Equal', [x!.name, x!.name])]), out, x!.dims),
};

const ARITHMETIC: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min' };

/** Broadcast dims of the inputs (a ShapeError when a baked example size meets a dynamic axis). */
function dimsOf(g: GraphBuilder, ins: readonly Value[], op: string): Dim[] {
  return broadcastDims(ins.map((v) => v.dims), g.symbols, op);
}

/**
 * The divisor of `sum / n` read at run time when the sum ran over a dynamic axis and n is its count
 * in the example (or the count − 1): that is how `mean` and `var` (unbiased or not) divide, and
 * the example's count would be wrong at any other size. Null when the division is not such a mean.
 */
function meanDivisor(g: GraphBuilder, [sum, n]: readonly Value[], dtype: DType): string | null {
  if (sum?.count === undefined || n?.constant === undefined) return null;
  const correction = sizeOf(sum.count, g.symbols) - n.constant;
  if (correction !== 0 && correction !== 1) return null;
  let count = g.op('Squeeze', [g.dimValue(sum.count)]);
  if (correction === 1) count = g.op('Sub', [count, g.int64([1], [])]);
  return g.cast({ name: count, type: 'int64', dims: [] }, dtype);
}

/** add, sub, mul, div, pow, maximum, minimum: both operands in the result dtype (the attribute). */
function arithmetic(name: string): Lowering {
  return (g, ins, dtype: DType, out) => {
    const dims = dimsOf(g, ins, name);
    // `x ** n` for a number n: one input, the exponent in the attributes
    if (ins.length === 1) {
      const { exponent, dtype: type } = dtype as unknown as { exponent: number; dtype: DType };
      return result(g.op('Pow', [g.cast(ins[0]!, type), g.scalar(exponent, type)]), out, dims);
    }
    const operands = ins.map((v) => g.cast(v, dtype));
    const divisor = name === 'div' ? meanDivisor(g, ins, dtype) : null;
    if (divisor !== null) operands[1] = divisor;
    return result(g.op(ARITHMETIC[name]!, operands), out, dims);
  };
}

const COMPARISON: Record<string, [string, boolean]> = {
  eq: ['Equal', false], ne: ['Equal', true], lt: ['Less', false], le: ['LessOrEqual', false], gt: ['Greater', false], ge: ['GreaterOrEqual', false],
};

/** A comparison: both operands in their promoted dtype (int32 for two bools, which ONNX does not order). */
function comparison(name: string): Lowering {
  return (g, [a, b], _, out) => {
    const [opType, negate] = COMPARISON[name]!;
    let common: OnnxType = promoteTypes(a!.type as DType, b!.type as DType);
    if (common === 'bool' && opType !== 'Equal') common = 'int32';
    const y = g.op(opType, [g.cast(a!, common), g.cast(b!, common)]);
    return result(negate ? g.op('Not', [y]) : y, out, dimsOf(g, [a!, b!], name));
  };
}

function logical(opType: 'And' | 'Or'): Lowering {
  return (g, [a, b], _, out) => result(g.op(opType, [g.cast(a!, 'bool'), g.cast(b!, 'bool')]), out, dimsOf(g, [a!, b!], opType));
}

const where: Lowering = (g, [c, a, b], dtype: DType, out) =>
  result(g.op('Where', [g.cast(c!, 'bool'), g.cast(a!, dtype), g.cast(b!, dtype)]), out, dimsOf(g, [c!, a!, b!], 'where'));

/**
 * A reduction node over `axes` (ReduceSum takes them as an input since opset 13, the others since 18).
 * @example
 * reduceNode(g, 'ReduceMax', x.name, [1], true);
 */
export function reduceNode(g: GraphBuilder, opType: string, x: string, axes: readonly number[], keepdims: boolean): string {
  const keep = { keepdims: attr.int(keepdims ? 1 : 0) };
  if (opType === 'ReduceSum' || g.opset >= 18) return g.op(opType, [x, g.int64(axes)], keep);
  return g.op(opType, [x], { ...keep, axes: attr.ints(axes) });
}

const REDUCE: Record<string, string> = { sum: 'ReduceSum', max: 'ReduceMax', min: 'ReduceMin', prod: 'ReduceProd' };

function reducedDims(dims: readonly Dim[], axes: readonly number[], keepdim: boolean): Dim[] {
  return dims.flatMap((d, i) => (axes.includes(i) ? (keepdim ? [1] : []) : [d]));
}

/** sum, max, min, prod over `dims` (sum and prod of integers in int32). */
function reduction(name: string): Lowering {
  return (g, [x], { dims, keepdim }: { dims: number[]; keepdim: boolean }, out) => {
    const input = g.cast(x!, out.dtype);
    const y = dims.length === 0 ? g.op('Identity', [input]) : reduceNode(g, REDUCE[name]!, input, dims, keepdim);
    const count = dims.reduce<Dim>((p, d) => mulDims(p, x!.dims[d]!), 1);
    return { ...result(y, out, reducedDims(x!.dims, dims, keepdim)), ...(name === 'sum' && !isFixed(count) ? { count } : {}) };
  };
}

/** argmax/argmin: ONNX gives int64, nabla int32. */
function argReduction(opType: 'ArgMax' | 'ArgMin'): Lowering {
  return (g, [x], { dim, keepdim }: { dim: number; keepdim: boolean }, out) => {
    const input = x!.type === 'bool' ? g.cast(x!, 'int32') : x!.name;
    const y = g.op(opType, [input], { axis: attr.int(dim), keepdims: attr.int(keepdim ? 1 : 0) });
    return result(g.op('Cast', [y], { to: attr.int(ONNX_TYPE_CODE.int32) }), out, reducedDims(x!.dims, [dim], keepdim));
  };
}

/**
 * Ops whose inputs broadcast against each other (a uniform constant among them may be written as a scalar).
 * @example
 * ELEMENTWISE.has('add'); // true
 */
export const ELEMENTWISE = new Set([...Object.keys(ARITHMETIC), ...Object.keys(COMPARISON), 'logicalAnd', 'logicalOr', 'where']);

/**
 * The lowerings of the elementwise primitives and reductions, by op name.
 * @example
 * ELEMENTWISE_LOWERINGS.exp!(g, [x], undefined as never, out);
 */
export const ELEMENTWISE_LOWERINGS: Record<string, Lowering> = {
  ...Object.fromEntries(Object.keys(UNARY).map((n) => [n, unary(n)])),
  ...COMPOSED_UNARY,
  ...Object.fromEntries(Object.keys(ARITHMETIC).map((n) => [n, arithmetic(n)])),
  ...Object.fromEntries(Object.keys(COMPARISON).map((n) => [n, comparison(n)])),
  logicalAnd: logical('And'),
  logicalOr: logical('Or'),
  where,
  ...Object.fromEntries(Object.keys(REDUCE).map((n) => [n, reduction(n)])),
  argmax: argReduction('ArgMax'),
  argmin: argReduction('ArgMin'),
};
