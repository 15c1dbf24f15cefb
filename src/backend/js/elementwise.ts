/**
 * Elementwise kernels (unary, binary, where), generated once per op from a one-line expression.
 *
 * One loop template walks any strided operands (outer dims by an odometer, the innermost dim in
 * a tight loop, a separate loop when every operand is contiguous there), and each op plugs its
 * expression into it. Generating a function per op keeps every loop monomorphic: a shared loop
 * calling `f(a, b)` would see all ops at one call site and stop being inlined.
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { allocate } from '../../base/dtype.js';
import { numel, sameShape, type Shape } from '../../base/shape.js';
import type { BinaryOp, StridedView, UnaryOp } from '../backend.js';
import { collapse, isContiguous } from './layout.js';
import { erf } from './math.js';

/** The expression of each unary op, over the element `x`. */
const UNARY: Record<UnaryOp, string> = {
  cast: 'x',
  toBool: 'x !== 0 ? 1 : 0',
  neg: '-x',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  log1p: 'Math.log1p(x)',
  expm1: 'Math.expm1(x)',
  sqrt: 'Math.sqrt(x)',
  rsqrt: '1 / Math.sqrt(x)',
  abs: 'Math.abs(x)',
  sign: 'x > 0 ? 1 : x < 0 ? -1 : x',
  sin: 'Math.sin(x)',
  cos: 'Math.cos(x)',
  tanh: 'Math.tanh(x)',
  sigmoid: '1 / (1 + Math.exp(-x))',
  relu: 'x > 0 || x !== x ? x : 0',
  erf: 'erf(x)',
  reciprocal: '1 / x',
  floor: 'Math.floor(x)',
  ceil: 'Math.ceil(x)',
  round: 'roundHalfEven(x)',
  logicalNot: 'x === 0 ? 1 : 0',
  isnan: 'x !== x ? 1 : 0',
};

/** The expression of each binary op, over the elements `a` and `b`. */
const BINARY: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'a ** b',
  maximum: 'a !== a || a > b ? a : b !== b || b > a ? b : a',
  minimum: 'a !== a || a < b ? a : b !== b || b < a ? b : a',
  eq: 'a === b ? 1 : 0',
  ne: 'a !== b ? 1 : 0',
  lt: 'a < b ? 1 : 0',
  le: 'a <= b ? 1 : 0',
  gt: 'a > b ? 1 : 0',
  ge: 'a >= b ? 1 : 0',
  logicalAnd: 'a !== 0 && b !== 0 ? 1 : 0',
  logicalOr: 'a !== 0 || b !== 0 ? 1 : 0',
  reluGrad: 'b > 0 ? a : 0',
};

/** Rounds half to even, as PyTorch's round does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

type Kernel = (out: TypedArray, shape: readonly number[], ...operands: (TypedArray | number | readonly number[])[]) => void;

/**
 * Builds the loop for `names.length` operands computing `expr`. Operand k is passed as
 * (data, offset, strides); `out` is written contiguously.
 */
function compile(names: readonly string[], expr: string): Kernel {
  const args = names.flatMap((_, k) => [`d${k}`, `o${k}`, `s${k}`]).join(', ');
  const load = (pos: (k: number) => string): string => names.map((n, k) => `const ${n} = d${k}[${pos(k)}];`).join(' ');
  const src = `
    return function kernel(out, shape, ${args}) {
      const nd = shape.length;
      if (nd === 0) { ${load((k) => `o${k}`)} out[0] = ${expr}; return; }
      const inner = shape[nd - 1];
      ${names.map((_, k) => `const t${k} = s${k}[nd - 1];`).join(' ')}
      const unit = ${names.map((_, k) => `t${k} === 1`).join(' && ')};
      if (nd === 1 && unit) { for (let j = 0; j < inner; j++) { ${load((k) => `o${k} + j`)} out[j] = ${expr}; } return; }
      let outer = 1;
      for (let d = 0; d < nd - 1; d++) outer *= shape[d];
      const idx = new Array(nd).fill(0);
      ${names.map((_, k) => `let b${k} = o${k};`).join(' ')}
      let o = 0;
      for (let r = 0; r < outer; r++) {
        if (unit) {
          for (let j = 0; j < inner; j++) { ${load((k) => `b${k} + j`)} out[o + j] = ${expr}; }
        } else {
          ${names.map((_, k) => `let p${k} = b${k};`).join(' ')}
          for (let j = 0; j < inner; j++) {
            ${load((k) => `p${k}`)} out[o + j] = ${expr};
            ${names.map((_, k) => `p${k} += t${k};`).join(' ')}
          }
        }
        o += inner;
        for (let d = nd - 2; d >= 0; d--) {
          idx[d]++;
          ${names.map((_, k) => `b${k} += s${k}[d];`).join(' ')}
          if (idx[d] < shape[d]) break;
          ${names.map((_, k) => `b${k} -= s${k}[d] * shape[d];`).join(' ')}
          idx[d] = 0;
        }
      }
    };`;
  return new Function('erf', 'roundHalfEven', src)(erf, roundHalfEven) as Kernel;
}

const unaryKernels = new Map<UnaryOp, Kernel>();
const binaryKernels = new Map<BinaryOp, Kernel>();
let whereKernel: Kernel | undefined;

const UNIT: readonly number[] = [1];

/** Shape and per-operand strides for the kernel: one flat loop when every operand is contiguous. */
function layout(views: readonly StridedView[], shape: Shape, n: number): { shape: readonly number[]; strides: readonly (readonly number[])[] } {
  if (views.every((v) => isContiguous(v) && sameShape(v.shape, shape))) return { shape: [n], strides: views.map(() => UNIT) };
  return collapse(shape, views.map((v) => v.strides));
}

function run1(kernel: Kernel, x: StridedView, dtype: DType): TypedArray {
  const n = numel(x.shape);
  const out = allocate(dtype, n);
  if (n === 0) return out;
  const l = layout([x], x.shape, n);
  kernel(out, l.shape, x.data, x.offset, l.strides[0]!);
  return out;
}

function run2(kernel: Kernel, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  const n = numel(shape);
  const out = allocate(dtype, n);
  if (n === 0) return out;
  const l = layout([a, b], shape, n);
  kernel(out, l.shape, a.data, a.offset, l.strides[0]!, b.data, b.offset, l.strides[1]!);
  return out;
}

/**
 * `op(x)` elementwise into a new contiguous array.
 * @example
 * unary('exp', { data: new Float64Array([0, 1]), shape: [2], strides: [1], offset: 0 }, 'float64'); // [1, e]
 */
export function unary(op: UnaryOp, x: StridedView, dtype: DType): TypedArray {
  let k = unaryKernels.get(op);
  if (k === undefined) unaryKernels.set(op, (k = compile(['x'], UNARY[op])));
  return run1(k, x, dtype);
}

/**
 * `op(a, b)` elementwise; `a` and `b` are already broadcast to `shape`.
 * @example
 * binary('add', a, b, [2, 3], 'float32');
 */
export function binary(op: BinaryOp, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  let k = binaryKernels.get(op);
  if (k === undefined) binaryKernels.set(op, (k = compile(['a', 'b'], BINARY[op])));
  return run2(k, a, b, shape, dtype);
}

/**
 * `cond ? a : b` elementwise, all broadcast to `shape`.
 * @example
 * where(mask, a, b, [4], 'float32');
 */
export function where(cond: StridedView, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  whereKernel ??= compile(['c', 'a', 'b'], 'c !== 0 ? a : b');
  const n = numel(shape);
  const out = allocate(dtype, n);
  if (n === 0) return out;
  const l = layout([cond, a, b], shape, n);
  whereKernel(out, l.shape, cond.data, cond.offset, l.strides[0]!, a.data, a.offset, l.strides[1]!, b.data, b.offset, l.strides[2]!);
  return out;
}
