/**
 * Elementwise ops. Each primitive is one registry entry: its forward (a backend kernel) and its
 * vjp, written with public ops so that it can itself be differentiated. Composites (square, clamp,
 * maskedFill) need no vjp.
 */
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { backend } from '../backend/index.js';
import { apply, type OpDef, type SaveSpec } from '../core/autograd.js';
import { scalarTensor, zerosLike } from '../core/creation.js';
import { DEFAULT_DTYPE, isFloating, promoteTypes, resultTypeWithNumber, type DType } from '../base/dtype.js';
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { broadcastShapes, broadcastsTo, showShape } from '../base/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { broadcastView, checkTensor, fresh } from './util.js';

// ── unary primitives ──────────────────────────────────────────────────────────────────────

type Vjp = NonNullable<OpDef<undefined>['vjp']>;

/** A unary primitive: `floating` ops give float32 for int/bool inputs. */
function unaryDef(name: string, kernel: UnaryOp, floating: boolean, save: SaveSpec, vjp?: Vjp): OpDef {
  return {
    name,
    save,
    forward([x]) {
      const dtype = floating && !isFloating(x!.dtype) ? DEFAULT_DTYPE : x!.dtype;
      return fresh(backend().unary(kernel, x!, dtype), x!.shape, dtype);
    },
    vjp,
  };
}

const zeroGrad: Vjp = (g, { inputShapes }) => [zerosLike(g).expand(inputShapes[0]!)];

const NOTHING: SaveSpec = {};
const INPUT: SaveSpec = { inputs: [0] };
const OUTPUT: SaveSpec = { output: true };

const NEG = unaryDef('neg', 'neg', false, NOTHING, (g) => [g.neg()]); // d(−x) = −g
const EXP = unaryDef('exp', 'exp', true, OUTPUT, (g, { output }) => [g.mul(output)]); // d eˣ = y·g
const LOG = unaryDef('log', 'log', true, INPUT, (g, { inputs }) => [g.div(inputs[0]!)]); // d ln x = g/x
const LOG1P = unaryDef('log1p', 'log1p', true, INPUT, (g, { inputs }) => [g.div(inputs[0]!.add(1))]); // g/(1+x)
const EXPM1 = unaryDef('expm1', 'expm1', true, OUTPUT, (g, { output }) => [g.mul(output.add(1))]); // g·(y+1)
// d √x = g/(2y)   NOTE: +∞ at x = 0, as in PyTorch.
const SQRT = unaryDef('sqrt', 'sqrt', true, OUTPUT, (g, { output }) => [g.div(output.mul(2))]);
const RSQRT = unaryDef('rsqrt', 'rsqrt', true, OUTPUT, (g, { output }) => [g.mul(output.pow(3)).mul(-0.5)]); // −y³/2·g
// d|x| = sign(x)·g   NOTE: the kink at 0 gets gradient 0, as in PyTorch.
const ABS = unaryDef('abs', 'abs', false, INPUT, (g, { inputs }) => [g.mul(inputs[0]!.sign())]);
const SIGN = unaryDef('sign', 'sign', false, NOTHING, zeroGrad); // piecewise constant: gradient 0
const SIN = unaryDef('sin', 'sin', true, INPUT, (g, { inputs }) => [g.mul(inputs[0]!.cos())]); // cos x·g
const COS = unaryDef('cos', 'cos', true, INPUT, (g, { inputs }) => [g.mul(inputs[0]!.sin()).neg()]); // −sin x·g
// d tanh = (1 − y²)·g   (from the output)
const TANH = unaryDef('tanh', 'tanh', true, OUTPUT, (g, { output }) => [g.mul(output.square().neg().add(1))]);
// d σ = y·(1 − y)·g   (from the output)
const SIGMOID = unaryDef('sigmoid', 'sigmoid', true, OUTPUT, (g, { output }) => [g.mul(output).mul(output.neg().add(1))]);
// d relu = [y > 0]·g, one fused kernel; y > 0 exactly where x > 0, so the output is saved (as PyTorch)
// and the input can be freed.   NOTE: the kink at 0 gets gradient 0, as in PyTorch.
const RELU = unaryDef('relu', 'relu', false, OUTPUT, (g, { output }) => [reluGrad(g, output)]);

// reluGrad(g, x) = [x > 0]·g is linear in g: d/dg = reluGrad(·, x); x only selects (gradient 0 a.e.),
// so only x is saved, not g
const RELU_GRAD: OpDef<DType> = {
  name: 'reluGrad',
  save: { inputs: [1] },
  forward([g, x], dtype) {
    const shape = broadcastShapes(g!.shape, x!.shape, 'reluGrad');
    return fresh(backend().binary('reluGrad', broadcastView(g!, shape), broadcastView(x!, shape), shape, dtype), shape, dtype);
  },
  vjp: (gg, { inputs }) => [reluGrad(gg, inputs[1]!), null],
};

function reluGrad(g: Tensor, x: Tensor): Tensor {
  return apply(RELU_GRAD, [g, x], g.dtype);
}
// d erf = 2/√π·e^(−x²)·g
const ERF = unaryDef('erf', 'erf', true, INPUT, (g, { inputs }) => [g.mul(inputs[0]!.square().neg().exp()).mul(2 / Math.sqrt(Math.PI))]);
const RECIPROCAL = unaryDef('reciprocal', 'reciprocal', true, OUTPUT, (g, { output }) => [g.mul(output.square()).neg()]); // −y²·g
const FLOOR = unaryDef('floor', 'floor', false, NOTHING, zeroGrad); // piecewise constant: gradient 0
const CEIL = unaryDef('ceil', 'ceil', false, NOTHING, zeroGrad);
const ROUND = unaryDef('round', 'round', false, NOTHING, zeroGrad);
const LOGICAL_NOT: OpDef = { name: 'logicalNot', save: NOTHING, forward: ([x]) => fresh(backend().unary('logicalNot', x!, 'bool'), x!.shape, 'bool') };
const ISNAN: OpDef = { name: 'isnan', save: NOTHING, forward: ([x]) => fresh(backend().unary('isnan', x!, 'bool'), x!.shape, 'bool') };

function unary(def: OpDef): (x: Tensor) => Tensor {
  return (x) => {
    checkTensor(x, def.name, 'input');
    return apply(def, [x], undefined);
  };
}

/**
 * −x (not defined for bool, as in PyTorch; use logicalNot).
 * @example
 * neg(tensor([1, -2])); // [-1, 2]
 */
export function neg(x: Tensor): Tensor {
  checkTensor(x, 'neg', 'input');
  check(x.dtype !== 'bool', DTypeError, () => '[neg] negation is not supported on bool tensors; use logicalNot()');
  return apply(NEG, [x], undefined);
}
/** eˣ. @example exp(tensor([0, 1])); // [1, 2.7183] */
export const exp = unary(EXP);
/** Natural log (−∞ at 0, NaN below, as in PyTorch). @example log(tensor([1, Math.E])); // [0, 1] */
export const log = unary(LOG);
/** ln(1 + x), accurate near 0. @example log1p(tensor([1e-10])); */
export const log1p = unary(LOG1P);
/** eˣ − 1, accurate near 0. @example expm1(tensor([1e-10])); */
export const expm1 = unary(EXPM1);
/** √x. @example sqrt(tensor([4, 9])); // [2, 3] */
export const sqrt = unary(SQRT);
/** 1/√x. @example rsqrt(tensor([4])); // [0.5] */
export const rsqrt = unary(RSQRT);
/** |x|. @example abs(tensor([-1.5])); // [1.5] */
export const abs = unary(ABS);
/** −1, 0 or 1 by the sign of x. @example sign(tensor([-2, 0, 3])); // [-1, 0, 1] */
export const sign = unary(SIGN);
/** sin x. @example sin(tensor([0])); */
export const sin = unary(SIN);
/** cos x. @example cos(tensor([0])); // [1] */
export const cos = unary(COS);
/** tanh x. @example tanh(tensor([0.5])); */
export const tanh = unary(TANH);
/** 1/(1 + e⁻ˣ). @example sigmoid(tensor([0])); // [0.5] */
export const sigmoid = unary(SIGMOID);
/** max(x, 0). @example relu(tensor([-1, 2])); // [0, 2] */
export const relu = unary(RELU);
/** The error function. @example erf(tensor([1])); // [0.8427] */
export const erf = unary(ERF);
/** 1/x. @example reciprocal(tensor([2])); // [0.5] */
export const reciprocal = unary(RECIPROCAL);
/** ⌊x⌋ (gradient 0). @example floor(tensor([1.5])); // [1] */
export const floor = unary(FLOOR);
/** ⌈x⌉ (gradient 0). @example ceil(tensor([1.5])); // [2] */
export const ceil = unary(CEIL);
/** Rounds half to even, as PyTorch (gradient 0). @example round(tensor([0.5, 1.5])); // [0, 2] */
export const round = unary(ROUND);
/** Elementwise NOT (bool result). @example logicalNot(tensor([true, false])); // [false, true] */
export const logicalNot = unary(LOGICAL_NOT);
/** True where x is NaN. @example isnan(tensor([NaN, 1])); // [true, false] */
export const isnan = unary(ISNAN);

/**
 * x² (composed: x·x).
 * @example
 * square(tensor([3])); // [9]
 */
export function square(x: Tensor): Tensor {
  checkTensor(x, 'square', 'input');
  return x.mul(x);
}

// ── binary primitives ─────────────────────────────────────────────────────────────────────

/** A binary primitive; its attribute is the output dtype, decided by the public wrapper. */
function binaryDef(name: string, kernel: BinaryOp, save: SaveSpec, vjp?: NonNullable<OpDef<DType>['vjp']>): OpDef<DType> {
  return {
    name,
    save,
    forward([a, b], dtype) {
      const shape = broadcastShapes(a!.shape, b!.shape, name);
      return fresh(backend().binary(kernel, broadcastView(a!, shape), broadcastView(b!, shape), shape, dtype), shape, dtype);
    },
    vjp,
  };
}

// d(a+b) = (g, g); the engine sums each down to its input's shape
const ADD = binaryDef('add', 'add', NOTHING, (g) => [g, g]);
const SUB = binaryDef('sub', 'sub', NOTHING, (g, { needsInputGrad }) => [g, needsInputGrad[1] ? g.neg() : null]);
// d(a·b) = (g·b, g·a): each factor is saved only when the other needs a gradient (x·0.5 saves no x)
const MUL = binaryDef('mul', 'mul', { grads: [{ inputs: [1] }, { inputs: [0] }] }, (g, { inputs, needsInputGrad: [da, db] }) => [
  da ? g.mul(inputs[1]!) : null,
  db ? g.mul(inputs[0]!) : null,
]);
// d(a/b) = (g/b, −g·a/b²): a is saved only when b needs a gradient
const DIV = binaryDef('div', 'div', { grads: [{ inputs: [1] }, { inputs: [0, 1] }] }, (g, { inputs, needsInputGrad: [da, db] }) => [
  da ? g.div(inputs[1]!) : null,
  db ? g.mul(inputs[0]!).div(inputs[1]!.square()).neg() : null,
]);
// d(aᵇ) = (g·b·aᵇ⁻¹, g·aᵇ·ln a)   NOTE: as in PyTorch, 0 where b = 0 (first) and where a = 0 with b >= 0 (second).
const POW_SAVE: SaveSpec = { inputs: [0, 1], grads: [null, { output: true }] };
const POW = binaryDef('pow', 'pow', POW_SAVE, (g, ctx) => {
  const [da, db] = ctx.needsInputGrad;
  const a = ctx.inputs[0]!;
  const b = ctx.inputs[1]!;
  return [
    da ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null,
    db ? where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(ctx.output).mul(a.log())) : null,
  ];
});
// d max(a, b) = g to the larger input   NOTE: ties split the gradient in half, as in PyTorch.
const MAXIMUM = binaryDef('maximum', 'maximum', { inputs: [0, 1] }, (g, { inputs: [a, b] }) => [
  where(a!.eq(b!), g.mul(0.5), where(a!.gt(b!), g, 0)),
  where(a!.eq(b!), g.mul(0.5), where(b!.gt(a!), g, 0)),
]);
// d min(a, b) = g to the smaller input   NOTE: ties split the gradient in half, as in PyTorch.
const MINIMUM = binaryDef('minimum', 'minimum', { inputs: [0, 1] }, (g, { inputs: [a, b] }) => [
  where(a!.eq(b!), g.mul(0.5), where(a!.lt(b!), g, 0)),
  where(a!.eq(b!), g.mul(0.5), where(b!.lt(a!), g, 0)),
]);

/** `x ** n` for a number n: only the base has a gradient. */
const POW_SCALAR: OpDef<{ exponent: number; dtype: DType }> = {
  name: 'pow',
  save: INPUT,
  forward([a], { exponent, dtype }) {
    const e = scalarTensor(exponent, dtype);
    return fresh(backend().binary('pow', a!, broadcastView(e, a!.shape), a!.shape, dtype), a!.shape, dtype);
  },
  // d(xⁿ) = n·xⁿ⁻¹·g   NOTE: n = 0 gives 0 everywhere (not 0·∞ at x = 0).
  vjp: (g, { inputs, attrs: { exponent } }) => [exponent === 0 ? zerosLike(g) : g.mul(inputs[0]!.pow(exponent - 1)).mul(exponent)],
};

const comparisons = Object.fromEntries(
  (['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'] as const).map((op) => [op, binaryDef(op, op, NOTHING)]),
) as Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr', OpDef<DType>>;

/** Turns `a op b` operands into two tensors and the result dtype (see the promotion rules in dtype.ts). */
function operands(op: string, a: TensorLike, b: TensorLike, allowNumbers = false): [Tensor, Tensor, DType] {
  const isA = a instanceof Tensor;
  const isB = b instanceof Tensor;
  if (!isA && !isB && allowNumbers && typeof a === 'number' && typeof b === 'number') {
    return [scalarTensor(a, DEFAULT_DTYPE), scalarTensor(b, DEFAULT_DTYPE), DEFAULT_DTYPE];
  }
  check(isA || isB, ArgumentError, () => `[${op}] expected at least one Tensor operand, got ${fmt(a)} and ${fmt(b)}`);
  if (isA && isB) return [a, b, promoteTypes(a.dtype, b.dtype)];
  const [t, n] = isA ? [a, b] : [b as Tensor, a];
  check(typeof n === 'number', ArgumentError, () => `[${op}] operands must be Tensors or numbers, got ${fmt(n)}`);
  const dtype = resultTypeWithNumber(t.dtype, n);
  const s = scalarTensor(n, dtype);
  return isA ? [t, s, dtype] : [s, t, dtype];
}

/** Two-bool arithmetic, as PyTorch: add/maximum are OR, mul/minimum are AND; sub is refused. */
function boolArithmetic(op: string, dtype: DType): OpDef<DType> | null {
  if (dtype !== 'bool') return null;
  if (op === 'add' || op === 'maximum') return comparisons.logicalOr;
  if (op === 'mul' || op === 'minimum') return comparisons.logicalAnd;
  throw new DTypeError(`[${op}] is not supported on two bool tensors; convert one with .int() or .float() first`);
}

function arithmetic(def: OpDef<DType>, a: TensorLike, b: TensorLike): Tensor {
  const [x, y, dtype] = operands(def.name, a, b);
  return apply(boolArithmetic(def.name, dtype) ?? def, [x, y], dtype);
}

/**
 * a + alpha·b, with broadcasting.
 * @example
 * add(tensor([1, 2]), 10); // [11, 12]
 */
export function add(a: TensorLike, b: TensorLike, options: { alpha?: number } = {}): Tensor {
  return arithmetic(ADD, a, options.alpha === undefined || options.alpha === 1 ? b : mul(b, options.alpha));
}

/**
 * a − alpha·b.
 * @example
 * sub(tensor([5]), tensor([2])); // [3]
 */
export function sub(a: TensorLike, b: TensorLike, options: { alpha?: number } = {}): Tensor {
  return arithmetic(SUB, a, options.alpha === undefined || options.alpha === 1 ? b : mul(b, options.alpha));
}

/**
 * a·b.
 * @example
 * mul(tensor([[1], [2]]), tensor([3, 4])); // [[3, 4], [6, 8]]
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic(MUL, a, b);
}

/**
 * a/b, true division (int32 operands give float32).
 * @example
 * div(tensor([1], { dtype: 'int32' }), 2); // [0.5]
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y, dtype] = operands('div', a, b);
  return apply(DIV, [x, y], isFloating(dtype) ? dtype : DEFAULT_DTYPE);
}

/**
 * a raised to b (a number exponent gives only the base a gradient).
 * @example
 * pow(tensor([2, 3]), 2); // [4, 9]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor && typeof b === 'number') {
    const dtype = resultTypeWithNumber(a.dtype, b);
    check(isFloating(dtype) || b >= 0, ArgumentError, () => `[pow] integers to negative integer powers are not allowed, got exponent ${b}`);
    check(dtype !== 'bool', DTypeError, () => '[pow] is not supported on bool tensors');
    return apply(POW_SCALAR, [a], { exponent: b, dtype });
  }
  const [x, y, dtype] = operands('pow', a, b);
  check(dtype !== 'bool', DTypeError, () => '[pow] is not supported on bool tensors');
  check(isFloating(dtype) || y.toTypedArray().every((v) => v >= 0), ArgumentError,
    () => '[pow] integers to negative integer powers are not allowed');
  return apply(POW, [x, y], dtype);
}

/**
 * The larger of a and b elementwise (NaN propagates).
 * @example
 * maximum(tensor([1, 5]), tensor([3, 2])); // [3, 5]
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic(MAXIMUM, a, b);
}

/**
 * The smaller of a and b elementwise (NaN propagates).
 * @example
 * minimum(tensor([1, 5]), 3); // [1, 3]
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic(MINIMUM, a, b);
}

function comparison(op: keyof typeof comparisons): (a: TensorLike, b: TensorLike) => Tensor {
  return (a, b) => {
    const [x, y] = operands(op, a, b);
    return apply(comparisons[op], [x, y], 'bool');
  };
}

/** a == b (bool). @example eq(tensor([1, 2]), 2); // [false, true] */
export const eq = comparison('eq');
/** a != b (bool). @example ne(tensor([1, 2]), 2); // [true, false] */
export const ne = comparison('ne');
/** a < b (bool). @example lt(tensor([1, 2]), 2); // [true, false] */
export const lt = comparison('lt');
/** a <= b (bool). @example le(tensor([1, 2]), 2); // [true, true] */
export const le = comparison('le');
/** a > b (bool). @example gt(tensor([1, 2]), 1); // [false, true] */
export const gt = comparison('gt');
/** a >= b (bool). @example ge(tensor([1, 2]), 2); // [false, true] */
export const ge = comparison('ge');
/** Elementwise AND of truthiness (bool). @example logicalAnd(tensor([true, true]), tensor([true, false])); */
export const logicalAnd = comparison('logicalAnd');
/** Elementwise OR of truthiness (bool). @example logicalOr(tensor([false]), tensor([true])); // [true] */
export const logicalOr = comparison('logicalOr');

// ── where and its composites ──────────────────────────────────────────────────────────────

// d where(c, a, b) = (—, g where c, g where ¬c): only the condition is saved (as derivatives.yaml)
// NOTE: the unselected branch gets exactly 0, but its own vjp still runs: where(x > 0, log(x), 0) at
// x = 0 sends 0/0 = NaN through log's vjp. Make the unselected branch safe (log(where(x > 0, x, 1))).
const WHERE: OpDef<DType> = {
  name: 'where',
  save: { inputs: [0] },
  forward([c, a, b], dtype) {
    const shape = broadcastShapes(broadcastShapes(c!.shape, a!.shape, 'where'), b!.shape, 'where');
    const data = backend().where(broadcastView(c!, shape), broadcastView(a!, shape), broadcastView(b!, shape), shape, dtype);
    return fresh(data, shape, dtype);
  },
  vjp: (g, { inputs, needsInputGrad: [, da, db] }) => [null, da ? where(inputs[0]!, g, 0) : null, db ? where(inputs[0]!, 0, g) : null],
};

/**
 * `a` where `condition` is true, else `b` (broadcast; numbers accepted for a and b).
 * @example
 * where(tensor([true, false]), tensor([1, 2]), 0); // [1, 0]
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor(condition, 'where', 'condition');
  check(condition.dtype === 'bool', DTypeError, () => `[where] condition must be a bool tensor, got ${condition.dtype}`);
  const [x, y, dtype] = operands('where', a, b, true);
  return apply(WHERE, [condition, x, y], dtype);
}

/**
 * `x` with `value` where `mask` is true (composed: where(mask, value, x)).
 * @example
 * maskedFill(scores, causalMask, -Infinity);
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  checkTensor(x, 'maskedFill', 'input');
  checkTensor(mask, 'maskedFill', 'mask');
  check(mask.dtype === 'bool', DTypeError, () => `[maskedFill] mask must be a bool tensor, got ${mask.dtype}`);
  check(broadcastsTo(mask.shape, x.shape), ShapeError,
    () => `[maskedFill] mask of shape ${showShape(mask.shape)} cannot be broadcast to the input's shape ${showShape(x.shape)}`);
  check(typeof value === 'number' || (value instanceof Tensor && value.ndim === 0), ArgumentError,
    () => `[maskedFill] value must be a number or a 0-d tensor, got ${value instanceof Tensor ? `a tensor of shape ${showShape(value.shape)}` : fmt(value)}`);
  const filled = where(mask, value, x);
  return filled.dtype === x.dtype ? filled : filled.to(x.dtype);
}

/**
 * Limits x to [min, max] (either bound may be omitted; tensors broadcast). The gradient passes where
 * min <= x <= max, as in PyTorch (composed from where).
 * @example
 * clamp(tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  checkTensor(x, 'clamp', 'input');
  check(min != null || max != null, ArgumentError, () => '[clamp] at least one of min and max must be given');
  for (const [name, bound] of [['min', min], ['max', max]] as const) {
    check(bound == null || typeof bound === 'number' || bound instanceof Tensor, ArgumentError,
      () => `[clamp] ${name} must be a number, a Tensor or null, got ${fmt(bound)}`);
    if (bound instanceof Tensor) broadcastShapes(x.shape, bound.shape, 'clamp');
  }
  let y = x;
  if (min != null) y = where(y.lt(min), min, y);
  if (max != null) y = where(y.gt(max), max, y);
  return y;
}
