/**
 * Every validation error of the public tensor API: the error class and the exact message
 * (`[op] ...` naming the argument and the shapes/values involved). One table per op family;
 * each row is [label, thunk, error class, exact message].
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, AutogradError, DTypeError, DomainError, Generator, GradcheckError, NablaError, ShapeError, Tensor,
  abs, add, all, any, arange, argmax, argmin, bmm, broadcastTo, cat, ceil, chunk, clamp, clone, contiguous, cos,
  cumsum, div, enableGrad, eq, erf, exp, expand, expm1, eye, flatten, flip, floor, full, fullLike, gather, ge, gt,
  indexAdd, indexSelect, isnan, le, linspace, log, log1p, logicalAnd, logicalNot, logicalOr, logSoftmax, logsumexp,
  listBackends, lt, manualSeed, maskedFill, matmul, max, maximum, mean, min, minimum, mm, mul, narrow, ne, neg, noGrad, norm, ones,
  onesLike, outer, pad, permute, pow, prod, rand, randint, randn, reciprocal, relu, repeat, reshape, round, rsqrt,
  scatterAdd, select, setBackend, sigmoid, sign, sin, slice, softmax, split, sqrt, square, squeeze, stack, std, sub, sum,
  sumToShape, t, tanh, tensor, toDType, transpose, tril, triu, unsqueeze, variance, view, where, zeros, zerosLike,
} from '../src/index.js';

type ErrorClass = new (message: string) => NablaError;
type Case = [label: string, run: () => unknown, type: ErrorClass, message: string];

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw, but it returned normally');
}

/** Asserts the class (and its `name`) and the exact message. */
function expectError(run: () => unknown, type: ErrorClass, message: string): void {
  const e = thrown(run);
  expect(e).toBeInstanceOf(type);
  expect(e).toBeInstanceOf(NablaError);
  expect((e as Error).name).toBe(type.name);
  expect((e as Error).message).toBe(message);
}

function table(cases: Case[]): void {
  it.each(cases)('%s', (_label, run, type, message) => expectError(run, type, message));
}

const i32 = (data: number[] | number[][] | number, shape?: number[]): Tensor =>
  shape ? tensor(new Int32Array(data as number[]), { shape }) : tensor(data, { dtype: 'int32' });
const leaf = (): Tensor => zeros([2], { requiresGrad: true });
const any_ = <T>(x: unknown): T => x as T; // deliberately wrong argument types

describe('error classes', () => {
  it('are NablaErrors and Errors with their own names', () => {
    for (const C of [ShapeError, DTypeError, ArgumentError, AutogradError, DomainError, GradcheckError]) {
      const e = new C('[op] message');
      expect(e).toBeInstanceOf(Error);
      expect(e).toBeInstanceOf(NablaError);
      expect(e.name).toBe(C.name);
      expect(e.message).toBe('[op] message');
    }
  });

  it('the example in the design doc', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow('[matmul] cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ');
  });
});

// ── elementwise ─────────────────────────────────────────────────────────────────────────────

describe('elementwise: broadcasting failures', () => {
  const binary = { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr } as const;
  table(Object.entries(binary).map(([name, f]): Case => [
    `${name} [2,3] with [4]`,
    () => (f as (a: Tensor, b: Tensor) => Tensor)(zeros([2, 3]), zeros([4])),
    ShapeError,
    `[${name}] shapes [2,3] and [4] cannot be broadcast: size 3 and 4 differ at dim -1`,
  ]));
  table([
    ['mismatch at dim -2 with different ranks', () => add(zeros([5, 2, 3]), zeros([4, 1])), ShapeError,
      '[add] shapes [5,2,3] and [4,1] cannot be broadcast: size 2 and 4 differ at dim -2'],
    ['mismatch at dim -3', () => mul(zeros([2, 1, 1]), zeros([3, 4, 5])), ShapeError,
      '[mul] shapes [2,1,1] and [3,4,5] cannot be broadcast: size 2 and 3 differ at dim -3'],
    ['method form names the op', () => zeros([2, 3]).sub(zeros([3, 2])), ShapeError,
      '[sub] shapes [2,3] and [3,2] cannot be broadcast: size 2 and 3 differ at dim -2'],
    ['number first, tensor second still checks the tensor pair', () => div(ones([3]), zeros([2])), ShapeError,
      '[div] shapes [3] and [2] cannot be broadcast: size 3 and 2 differ at dim -1'],
    ['empty dim against 2', () => add(zeros([0]), zeros([2])), ShapeError,
      '[add] shapes [0] and [2] cannot be broadcast: size 0 and 2 differ at dim -1'],
  ]);

  it('size-1 dims and missing leading dims do broadcast (control)', () => {
    expect(add(zeros([2, 1]), ones([3])).shape).toEqual([2, 3]);
    expect(add(zeros([0, 1]), ones([3])).shape).toEqual([0, 3]);
  });
});

describe('elementwise: operand kinds and dtypes', () => {
  table([
    ['add: a string operand', () => add(zeros([2]), any_('a')), ArgumentError, '[add] operands must be Tensors or numbers, got "a"'],
    ['mul: a string first operand', () => mul(any_('a'), zeros([2])), ArgumentError, '[mul] operands must be Tensors or numbers, got "a"'],
    ['sub: an array operand', () => sub(zeros([2]), any_([1, 2])), ArgumentError, '[sub] operands must be Tensors or numbers, got [1,2]'],
    ['div: null operand', () => div(zeros([2]), any_(null)), ArgumentError, '[div] operands must be Tensors or numbers, got null'],
    ['maximum: undefined operand', () => maximum(zeros([2]), any_(undefined)), ArgumentError, '[maximum] operands must be Tensors or numbers, got undefined'],
    ['eq: a boolean operand', () => eq(zeros([2]), any_(true)), ArgumentError, '[eq] operands must be Tensors or numbers, got true'],
    ['add: two numbers', () => add(any_(1), 2), ArgumentError, '[add] expected at least one Tensor operand, got 1 and 2'],
    ['lt: two numbers', () => lt(any_(1), 2), ArgumentError, '[lt] expected at least one Tensor operand, got 1 and 2'],
    ['pow: two numbers', () => pow(any_(2), 3), ArgumentError, '[pow] expected at least one Tensor operand, got 2 and 3'],
    ['sub of two bool tensors', () => sub(tensor([true]), tensor([false])), DTypeError,
      '[sub] is not supported on two bool tensors; convert one with .int() or .float() first'],
    ['sub_ of two bool tensors', () => tensor([true]).sub_(tensor([false])), DTypeError,
      '[sub] is not supported on two bool tensors; convert one with .int() or .float() first'],
    ['pow of two bool tensors', () => pow(tensor([true]), tensor([true])), DTypeError, '[pow] is not supported on bool tensors'],
    ['pow: int32 to a negative integer power', () => pow(i32([2, 3]), -1), ArgumentError,
      '[pow] integers to negative integer powers are not allowed, got exponent -1'],
    ['pow: bool to a negative integer power', () => tensor([true]).pow(-2), ArgumentError,
      '[pow] integers to negative integer powers are not allowed, got exponent -2'],
  ]);

  it('the legal neighbours of those cases work (control)', () => {
    expect(pow(i32([2, 3]), -0.5).dtype).toBe('float32'); // non-integer exponent lifts to float32
    expect(pow(i32([2, 3]), 2).toArray()).toEqual([4, 9]);
    expect(add(tensor([true]), tensor([true])).toArray()).toEqual([true]); // bool add is OR
    expect(sub(tensor([true]), 1).toArray()).toEqual([0]); // bool - number is int32
  });
});

describe('elementwise: unary ops need a Tensor', () => {
  const unaries = {
    neg, exp, log, log1p, expm1, sqrt, rsqrt, abs, sign, sin, cos, tanh, sigmoid, relu, erf, reciprocal, floor, ceil,
    round, logicalNot, isnan, square, clone, contiguous,
  } as const;
  table(Object.entries(unaries).map(([name, f]): Case => [
    name, () => (f as (x: unknown) => Tensor)(3), ArgumentError, `[${name}] input must be a Tensor, got 3`,
  ]));
  table([
    ['exp of an array', () => exp(any_([1, 2])), ArgumentError, '[exp] input must be a Tensor, got [1,2]'],
    ['relu of a string', () => relu(any_('x')), ArgumentError, '[relu] input must be a Tensor, got "x"'],
    ['sigmoid of a plain object', () => sigmoid(any_({})), ArgumentError, '[sigmoid] input must be a Tensor, got Object'],
  ]);

  it('log/sqrt of negative numbers give NaN (as PyTorch), not a DomainError', () => {
    expect(log(tensor([-1, 1])).toArray()).toEqual([NaN, 0]);
    expect(sqrt(tensor([-4, 4])).toArray()).toEqual([NaN, 2]);
    expect(log(tensor([0])).toArray()).toEqual([-Infinity]);
  });
});

describe('where, maskedFill, clamp', () => {
  table([
    ['where: float32 condition', () => where(tensor([1, 0]), tensor([1, 2]), 0), DTypeError, '[where] condition must be a bool tensor, got float32'],
    ['where: int32 condition', () => where(i32([1, 0]), tensor([1, 2]), 0), DTypeError, '[where] condition must be a bool tensor, got int32'],
    ['where: float64 condition (method form)', () => tensor([1, 2]).where(tensor([1, 0], { dtype: 'float64' }), 0), DTypeError,
      '[where] condition must be a bool tensor, got float64'],
    ['where: condition is an array', () => where(any_([true]), tensor([1]), 0), ArgumentError, '[where] condition must be a Tensor, got [true]'],
    ['where: a string branch', () => where(tensor([true]), tensor([1]), any_('x')), ArgumentError, '[where] operands must be Tensors or numbers, got "x"'],
    ['where: condition does not broadcast with a', () => where(tensor([true, false]), zeros([3]), 0), ShapeError,
      '[where] shapes [2] and [3] cannot be broadcast: size 2 and 3 differ at dim -1'],
    ['where: (c, a) broadcast does not fit b', () => where(tensor([[true], [false]]), zeros([3]), zeros([4])), ShapeError,
      '[where] shapes [2,3] and [4] cannot be broadcast: size 3 and 4 differ at dim -1'],
    ['maskedFill: int32 mask', () => maskedFill(zeros([2]), i32([1, 0]), 0), DTypeError, '[maskedFill] mask must be a bool tensor, got int32'],
    ['maskedFill: float32 mask (method form)', () => zeros([2]).maskedFill(tensor([1, 0]), 0), DTypeError,
      '[maskedFill] mask must be a bool tensor, got float32'],
    ['maskedFill: mask is not a Tensor', () => maskedFill(zeros([2]), any_([true, false]), 0), ArgumentError,
      '[maskedFill] mask must be a Tensor, got [true,false]'],
    ['maskedFill: input is not a Tensor', () => maskedFill(any_(5), tensor([true]), 0), ArgumentError, '[maskedFill] input must be a Tensor, got 5'],
    ['clamp: neither bound', () => clamp(zeros([2])), ArgumentError, '[clamp] at least one of min and max must be given'],
    ['clamp: null bounds', () => zeros([2]).clamp(null, null), ArgumentError, '[clamp] at least one of min and max must be given'],
    ['clamp: input is not a Tensor', () => clamp(any_(1), 0, 1), ArgumentError, '[clamp] input must be a Tensor, got 1'],
    ['clamp: a bound tensor that does not broadcast', () => clamp(zeros([3]), zeros([2])), ShapeError,
      '[clamp] shapes [3] and [2] cannot be broadcast: size 3 and 2 differ at dim -1'],
    ['clamp: max tensor that does not broadcast', () => clamp(zeros([3]), null, zeros([4])), ShapeError,
      '[clamp] shapes [3] and [4] cannot be broadcast: size 3 and 4 differ at dim -1'],
  ]);

  it('maskedFill: a mask that does not broadcast is a ShapeError naming both shapes', () => {
    const e = thrown(() => maskedFill(zeros([2]), tensor([true, false, true]), 0));
    expect(e).toBeInstanceOf(ShapeError);
    expect((e as Error).message).toBe("[maskedFill] mask of shape [3] cannot be broadcast to the input's shape [2]");
    expect(() => maskedFill(zeros([2]), tensor([[true], [false]]), 1)).toThrow("[maskedFill] mask of shape [2,1] cannot be broadcast to the input's shape [2]");
    expect(() => maskedFill(zeros([2]), tensor([true, false]), tensor([5, 6]))).toThrow('[maskedFill] value must be a number or a 0-d tensor, got a tensor of shape [2]');
  });
});

// ── reductions ──────────────────────────────────────────────────────────────────────────────

describe('reductions: dims', () => {
  const x = (): Tensor => zeros([2, 3]);
  const reducers = { sum, mean, max, min, prod, any, all } as const;
  const fns = reducers as Record<string, (x: Tensor, ...a: unknown[]) => Tensor>;
  table(Object.keys(reducers).flatMap((name): Case[] => [
    [`${name}: dim 2 of a 2-d tensor`, () => fns[name]!(x(), 2), ShapeError, `[${name}] dim 2 is out of range for a 2-d tensor (expected -2..1)`],
    [`${name}: dim -3 of a 2-d tensor`, () => fns[name]!(x(), -3), ShapeError, `[${name}] dim -3 is out of range for a 2-d tensor (expected -2..1)`],
    [`${name}: dim 0.5`, () => fns[name]!(x(), 0.5), ArgumentError, `[${name}] dim must be an integer, got 0.5`],
    [`${name}: repeated dim [0,-2]`, () => fns[name]!(x(), [0, -2]), ArgumentError, `[${name}] dim 0 appears more than once in [0,-2]`],
    [`${name}: keepdim 1`, () => fns[name]!(x(), 0, 1), ArgumentError, `[${name}] keepdim must be a boolean, got 1`],
    [`${name}: input is not a Tensor`, () => fns[name]!(any_([1, 2])), ArgumentError, `[${name}] input must be a Tensor, got [1,2]`],
  ]));
  table([
    ['sum: one bad dim in a list', () => sum(x(), [0, 5]), ShapeError, '[sum] dim 5 is out of range for a 2-d tensor (expected -2..1)'],
    ['sum: options object with a bad dim', () => sum(x(), { dim: -4 }), ShapeError, '[sum] dim -4 is out of range for a 2-d tensor (expected -2..1)'],
    ['sum: options object with keepdim "yes"', () => x().sum({ dim: 0, keepdim: any_('yes') }), ArgumentError, '[sum] keepdim must be a boolean, got "yes"'],
    ['sum: NaN dim', () => x().sum(NaN), ArgumentError, '[sum] dim must be an integer, got NaN'],
    ['sum: dim 1 of a 0-d tensor', () => sum(tensor(3), 1), ShapeError, '[sum] dim 1 is out of range for a 0-d tensor (expected -1..0)'],
    ['sum: dim -2 of a 0-d tensor', () => sum(tensor(3), -2), ShapeError, '[sum] dim -2 is out of range for a 0-d tensor (expected -1..0)'],
    ['max (method): dim 3 of a 3-d tensor', () => zeros([1, 2, 3]).max(3), ShapeError, '[max] dim 3 is out of range for a 3-d tensor (expected -3..2)'],
    ['var: dim 2', () => variance(x(), 2), ShapeError, '[var] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['var: repeated dims', () => variance(x(), [1, -1]), ArgumentError, '[var] dim 1 appears more than once in [1,-1]'],
    ['var: keepdim 0', () => variance(x(), 0, { keepdim: any_(0) }), ArgumentError, '[var] keepdim must be a boolean, got 0'],
    ['std: dim -3', () => std(x(), -3), ShapeError, '[std] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['logsumexp: dim 1 of a 1-d tensor', () => logsumexp(zeros([3]), 1), ShapeError, '[logsumexp] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['logsumexp: dim 0.5', () => zeros([3]).logsumexp(0.5), ArgumentError, '[logsumexp] dim must be an integer, got 0.5'],
    ['norm: dim 1 of a 1-d tensor', () => norm(zeros([3]), 2, 1), ShapeError, '[norm] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['softmax: dim 1 of a 1-d tensor', () => softmax(zeros([3]), 1), ShapeError, '[softmax] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['softmax: dim -3 (method)', () => x().softmax(-3), ShapeError, '[softmax] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['softmax: no dim', () => softmax(zeros([3]), any_(undefined)), ArgumentError, '[softmax] dim must be an integer, got undefined'],
    ['softmax: not a Tensor', () => softmax(any_(1), 0), ArgumentError, '[softmax] input must be a Tensor, got 1'],
    ['logSoftmax: dim -2 of a 1-d tensor', () => logSoftmax(zeros([3]), -2), ShapeError, '[logSoftmax] dim -2 is out of range for a 1-d tensor (expected -1..0)'],
    ['logSoftmax: dim 1.5', () => zeros([3]).logSoftmax(1.5), ArgumentError, '[logSoftmax] dim must be an integer, got 1.5'],
    ['logSoftmax: not a Tensor', () => logSoftmax(any_(1), 0), ArgumentError, '[logSoftmax] input must be a Tensor, got 1'],
    ['argmax: dim 2', () => argmax(x(), 2), ShapeError, '[argmax] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['argmin: dim -3', () => argmin(x(), -3), ShapeError, '[argmin] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['argmax: dim 0.5 (method)', () => x().argmax(0.5), ArgumentError, '[argmax] dim must be an integer, got 0.5'],
    ['argmax: not a Tensor', () => argmax(any_([1])), ArgumentError, '[argmax] input must be a Tensor, got [1]'],
    ['argmax: dim 1 of a 0-d tensor', () => argmax(tensor(1), 1), ShapeError, '[argmax] dim 1 is out of range for a 0-d tensor (expected -1..0)'],
    ['cumsum: dim 2', () => cumsum(x(), 2), ShapeError, '[cumsum] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['cumsum: dim -3 (method)', () => x().cumsum(-3), ShapeError, '[cumsum] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['cumsum: dim 0.5', () => cumsum(zeros([3]), 0.5), ArgumentError, '[cumsum] dim must be an integer, got 0.5'],
    ['cumsum: dim 1 of a 0-d tensor', () => cumsum(tensor(1), 1), ShapeError, '[cumsum] dim 1 is out of range for a 0-d tensor (expected -1..0)'],
    ['cumsum: not a Tensor', () => cumsum(any_(2), 0), ArgumentError, '[cumsum] input must be a Tensor, got 2'],
  ]);

  it('dims at both ends of the range are accepted (control)', () => {
    expect(sum(tensor([[1, 2, 3], [4, 5, 6]]), -2).toArray()).toEqual([5, 7, 9]);
    expect(sum(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray()).toEqual([6, 15]);
    expect(sum(tensor(3), -1).toArray()).toEqual(3);
    expect(sum(tensor(3), 0).toArray()).toEqual(3);
  });
});

describe('reductions: dtypes, empty inputs, arguments', () => {
  table([
    ['mean of int32', () => mean(i32([1, 2])), DTypeError, '[mean] needs a floating-point input, got int32; convert with .float()'],
    ['mean of bool (method)', () => tensor([true]).mean(), DTypeError, '[mean] needs a floating-point input, got bool; convert with .float()'],
    ['var of int32', () => variance(i32([1, 2, 3])), DTypeError, '[var] needs a floating-point input, got int32'],
    ['var of bool (method)', () => tensor([true, false]).var(), DTypeError, '[var] needs a floating-point input, got bool'],
    ['logsumexp of int32', () => logsumexp(i32([1, 2]), 0), DTypeError, '[logsumexp] needs a floating-point input, got int32'],
    ['norm of int32', () => norm(i32([3, 4])), DTypeError, '[norm] needs a floating-point input, got int32'],
    ['norm of bool', () => tensor([true]).norm(), DTypeError, '[norm] needs a floating-point input, got bool'],
    ['softmax of int32', () => softmax(i32([1, 2]), 0), DTypeError, '[softmax] needs a floating-point input, got int32'],
    ['softmax of bool', () => tensor([true, false]).softmax(0), DTypeError, '[softmax] needs a floating-point input, got bool'],
    ['norm: p = 0', () => norm(zeros([3]), 0), ArgumentError, '[norm] p must be a positive number or Infinity, got 0'],
    ['norm: p = -1', () => norm(zeros([3]), -1), ArgumentError, '[norm] p must be a positive number or Infinity, got -1'],
    ['norm: p = NaN', () => zeros([3]).norm(NaN), ArgumentError, '[norm] p must be a positive number or Infinity, got NaN'],
    ['norm: p = "fro"', () => norm(zeros([3]), any_('fro')), ArgumentError, '[norm] p must be a positive number or Infinity, got "fro"'],
    ['max of an empty tensor', () => max(zeros([0])), ShapeError, '[max] cannot reduce over dim 0 of size 0 (input shape [0])'],
    ['max over an empty dim', () => max(zeros([2, 0]), 1), ShapeError, '[max] cannot reduce over dim 1 of size 0 (input shape [2,0])'],
    ['min of an empty tensor', () => min(zeros([0])), ShapeError, '[min] cannot reduce over dim 0 of size 0 (input shape [0])'],
    ['min over an empty dim (negative dim)', () => zeros([0, 2]).min(-2), ShapeError, '[min] cannot reduce over dim 0 of size 0 (input shape [0,2])'],
    ['norm(Infinity) of an empty tensor (reported by max)', () => norm(zeros([0]), Infinity), ShapeError,
      '[max] cannot reduce over dim 0 of size 0 (input shape [0])'],
    ['argmax of an empty tensor', () => argmax(zeros([0])), ShapeError, '[argmax] cannot take the argmax of an empty tensor'],
    ['argmin over an empty dim', () => argmin(zeros([2, 0]), 1), ShapeError, '[argmin] cannot take the argmin over dim 1 of size 0 (input shape [2,0])'],
    ['sumToShape: shape that does not broadcast', () => sumToShape(zeros([2, 3]), [4]), ShapeError, '[sumToShape] shape [4] does not broadcast to [2,3]'],
    ['sumToShape: more dims than the input (method)', () => zeros([3]).sumToShape([2, 3]), ShapeError, '[sumToShape] shape [2,3] does not broadcast to [3]'],
  ]);

  it('std and logSoftmax refuse non-floating inputs (message currently names the inner op)', () => {
    // NOTE: std reports as [var] and logSoftmax as [logsumexp]; the class and the dtype are what matter.
    for (const [run, ops] of [
      [() => std(i32([1, 2, 3])), 'std|var'],
      [() => logSoftmax(i32([1, 2]), 0), 'logSoftmax|logsumexp'],
    ] as const) {
      const e = thrown(run);
      expect(e).toBeInstanceOf(DTypeError);
      expect((e as Error).message).toMatch(new RegExp(`^\\[(${ops})\\] needs a floating-point input, got int32$`));
    }
  });

  it('max over a non-empty dim of a tensor with an empty other dim is fine (control)', () => {
    expect(max(zeros([0, 2]), 1).shape).toEqual([0]);
  });
});

// ── linear algebra ──────────────────────────────────────────────────────────────────────────

describe('matmul, mm, bmm, outer, t', () => {
  table([
    ['matmul 2-d inner mismatch', () => matmul(zeros([2, 3]), zeros([4, 5])), ShapeError, '[matmul] cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ'],
    ['matmul 1-d · 1-d length mismatch', () => matmul(zeros([3]), zeros([4])), ShapeError, '[matmul] cannot multiply [3] by [4]: inner dimensions 3 and 4 differ'],
    ['matmul 2-d · 1-d mismatch', () => matmul(zeros([2, 3]), zeros([2])), ShapeError, '[matmul] cannot multiply [2,3] by [2]: inner dimensions 3 and 2 differ'],
    ['matmul 1-d · 3-d mismatch', () => matmul(zeros([3]), zeros([2, 4, 5])), ShapeError, '[matmul] cannot multiply [3] by [2,4,5]: inner dimensions 3 and 4 differ'],
    ['matmul (method) batched mismatch', () => zeros([7, 2, 3]).matmul(zeros([7, 2, 3])), ShapeError,
      '[matmul] cannot multiply [7,2,3] by [7,2,3]: inner dimensions 3 and 2 differ'],
    ['matmul 0-d operand', () => matmul(tensor(1), zeros([4])), ShapeError, '[matmul] both arguments need at least 1 dim, got shapes [] and [4]'],
    ['matmul 0-d second operand', () => matmul(zeros([4]), tensor(1)), ShapeError, '[matmul] both arguments need at least 1 dim, got shapes [4] and []'],
    ['matmul batch dims that do not broadcast', () => matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), ShapeError,
      '[matmul] shapes [2] and [3] cannot be broadcast: size 2 and 3 differ at dim -1'],
    ['matmul bool operand', () => matmul(tensor([true]), tensor([true])), DTypeError, '[matmul] is not supported on bool tensors'],
    ['matmul bool second operand', () => matmul(zeros([2, 2]), tensor([[true], [false]])), DTypeError, '[matmul] is not supported on bool tensors'],
    ['matmul input not a Tensor', () => matmul(any_([[1]]), zeros([1, 1])), ArgumentError, '[matmul] input must be a Tensor, got [[1]]'],
    ['matmul other not a Tensor', () => matmul(zeros([2, 3]), any_([1])), ArgumentError, '[matmul] other must be a Tensor, got [1]'],
    ['mm of a 3-d tensor', () => mm(zeros([2, 3, 4]), zeros([4, 5])), ShapeError, '[mm] expects two 2-d tensors, got [2,3,4] and [4,5]'],
    ['mm of a 1-d tensor (method)', () => zeros([2, 3]).mm(zeros([3])), ShapeError, '[mm] expects two 2-d tensors, got [2,3] and [3]'],
    ['mm inner mismatch (reported by matmul)', () => mm(zeros([2, 3]), zeros([4, 5])), ShapeError, '[matmul] cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ'],
    ['mm input not a Tensor', () => mm(any_(1), zeros([1, 1])), ArgumentError, '[mm] input must be a Tensor, got 1'],
    ['mm mat2 not a Tensor', () => mm(zeros([2, 3]), any_(3)), ArgumentError, '[mm] mat2 must be a Tensor, got 3'],
    ['bmm batch sizes differ', () => bmm(zeros([2, 2, 3]), zeros([3, 3, 4])), ShapeError,
      '[bmm] expects two 3-d tensors with the same batch size, got [2,2,3] and [3,3,4]'],
    ['bmm of 2-d tensors', () => bmm(zeros([2, 3]), zeros([3, 4])), ShapeError, '[bmm] expects two 3-d tensors with the same batch size, got [2,3] and [3,4]'],
    ['bmm no broadcasting of batch 1 (method)', () => zeros([1, 2, 3]).bmm(zeros([4, 3, 2])), ShapeError,
      '[bmm] expects two 3-d tensors with the same batch size, got [1,2,3] and [4,3,2]'],
    ['bmm inner mismatch (reported by matmul)', () => bmm(zeros([2, 2, 3]), zeros([2, 4, 4])), ShapeError,
      '[matmul] cannot multiply [2,2,3] by [2,4,4]: inner dimensions 3 and 4 differ'],
    ['bmm input not a Tensor', () => bmm(any_(1), zeros([1, 1, 1])), ArgumentError, '[bmm] input must be a Tensor, got 1'],
    ['bmm mat2 not a Tensor', () => bmm(zeros([1, 1, 1]), any_(null)), ArgumentError, '[bmm] mat2 must be a Tensor, got null'],
    ['outer of a 2-d tensor', () => outer(zeros([2, 3]), zeros([3])), ShapeError, '[outer] expects two 1-d tensors, got [2,3] and [3]'],
    ['outer of a 0-d tensor (method)', () => zeros([2]).outer(tensor(1)), ShapeError, '[outer] expects two 1-d tensors, got [2] and []'],
    ['outer input not a Tensor', () => outer(any_(1), zeros([1])), ArgumentError, '[outer] input must be a Tensor, got 1'],
    ['outer vec2 not a Tensor', () => outer(zeros([2]), any_([1])), ArgumentError, '[outer] vec2 must be a Tensor, got [1]'],
    ['t of a 3-d tensor', () => t(zeros([2, 3, 4])), ShapeError, '[t] expects a tensor of at most 2 dims, got shape [2,3,4]; use transpose()'],
    ['t (method) of a 4-d tensor', () => zeros([1, 1, 1, 1]).t(), ShapeError, '[t] expects a tensor of at most 2 dims, got shape [1,1,1,1]; use transpose()'],
    ['t not a Tensor', () => t(any_(1)), ArgumentError, '[t] input must be a Tensor, got 1'],
  ]);
});

// ── views ───────────────────────────────────────────────────────────────────────────────────

describe('reshape, view, flatten', () => {
  table([
    ['reshape to a different size', () => reshape(zeros([2, 3]), [4, 2]), ShapeError, '[reshape] shape [4,2] is invalid for input of size 6'],
    ['reshape (method, varargs) to 7', () => zeros([2, 3]).reshape(7), ShapeError, '[reshape] shape [7] is invalid for input of size 6'],
    ['reshape with -1 that does not divide', () => reshape(zeros([2, 3]), [-1, 4]), ShapeError, '[reshape] shape [-1,4] is invalid for input of size 6'],
    ['reshape with -1 and a 0 dim', () => reshape(zeros([0, 3]), [-1, 0]), ShapeError, '[reshape] shape [-1,0] is invalid for input of size 0'],
    ['reshape with two -1s', () => reshape(zeros([2, 3]), [-1, -1]), ShapeError, '[reshape] only one dim can be -1, got [-1,-1]'],
    ['reshape with -2', () => reshape(zeros([2, 3]), [-2, 3]), ShapeError, '[reshape] shape must be a list of integers >= -1, got [-2,3]'],
    ['reshape with a fractional size', () => reshape(zeros([2, 3]), [1.5, 4]), ShapeError, '[reshape] shape must be a list of integers >= -1, got [1.5,4]'],
    ['reshape with NaN', () => zeros([2, 3]).reshape([NaN, 6]), ShapeError, '[reshape] shape must be a list of integers >= -1, got [NaN,6]'],
    ['reshape of a 0-d tensor to 2', () => tensor(1).reshape(2), ShapeError, '[reshape] shape [2] is invalid for input of size 1'],
    ['reshape not a Tensor', () => reshape(any_([1]), [1]), ArgumentError, '[reshape] input must be a Tensor, got [1]'],
    ['view of a transposed tensor', () => view(zeros([2, 3]).t(), [6]), ShapeError,
      "[view] shape [6] is not compatible with the input's size [3,2] and strides [1,3]; use reshape()"],
    ['view (method) -1 of a transposed tensor', () => zeros([2, 3]).t().view(-1), ShapeError,
      "[view] shape [6] is not compatible with the input's size [3,2] and strides [1,3]; use reshape()"],
    ['view of a strided slice merging dims', () => zeros([4, 3]).slice(1, 0, 3, 2).view(8), ShapeError,
      "[view] shape [8] is not compatible with the input's size [4,2] and strides [3,2]; use reshape()"],
    ['view of an expanded tensor', () => zeros([3, 1]).expand(3, 4).view(12), ShapeError,
      "[view] shape [12] is not compatible with the input's size [3,4] and strides [1,0]; use reshape()"],
    ['view to a different size', () => view(zeros([2, 3]), [5]), ShapeError, '[view] shape [5] is invalid for input of size 6'],
    ['view with two -1s', () => zeros([2, 3]).view(-1, -1), ShapeError, '[view] only one dim can be -1, got [-1,-1]'],
    ['view with -3', () => zeros([2, 3]).view(-3, 2), ShapeError, '[view] shape must be a list of integers >= -1, got [-3,2]'],
    ['view not a Tensor', () => view(any_(1), [1]), ArgumentError, '[view] input must be a Tensor, got 1'],
    ['flatten start after end', () => flatten(zeros([2, 3, 4]), 2, 1), ShapeError, '[flatten] startDim 2 comes after endDim 1'],
    ['flatten start after end (negative)', () => zeros([2, 3, 4]).flatten(-1, -2), ShapeError, '[flatten] startDim -1 comes after endDim -2'],
    ['flatten startDim out of range', () => flatten(zeros([2, 3, 4]), 3), ShapeError, '[flatten] dim 3 is out of range for a 3-d tensor (expected -3..2)'],
    ['flatten endDim out of range', () => flatten(zeros([2, 3, 4]), 0, -4), ShapeError, '[flatten] endDim -4 is out of range for a 3-d tensor (expected -3..2)'],
    ['flatten fractional endDim', () => flatten(zeros([2, 3]), 0, 0.5), ArgumentError, '[flatten] endDim must be an integer, got 0.5'],
    ['flatten not a Tensor', () => flatten(any_(2)), ArgumentError, '[flatten] input must be a Tensor, got 2'],
  ]);

  it('view works where the layout allows (control)', () => {
    expect(zeros([4, 4]).slice(1, 0, 4, 2).view(8).strides).toEqual([2]); // strides [4,2] do merge
    expect(zeros([4, 3]).slice(1, 0, 3, 2).view(2, 2, 2).shape).toEqual([2, 2, 2]); // splitting a dim is fine
    expect(zeros([2, 3]).t().view(3, 1, 2).shape).toEqual([3, 1, 2]);
  });
});

describe('permute, transpose, expand, squeeze, unsqueeze', () => {
  table([
    ['permute with too few dims', () => permute(zeros([2, 3, 4]), [0, 1]), ShapeError,
      '[permute] dims [0,1] must list each of the 3 dims of a tensor of shape [2,3,4] once'],
    ['permute (method) with too many dims', () => zeros([2, 3]).permute(0, 1, 2), ShapeError,
      '[permute] dims [0,1,2] must list each of the 2 dims of a tensor of shape [2,3] once'],
    ['permute with a repeated dim', () => permute(zeros([2, 3, 4]), [0, 1, 1]), ArgumentError, '[permute] dims [0,1,1] repeat a dim'],
    ['permute with a dim repeated through a negative alias', () => permute(zeros([2, 3, 4]), [0, 1, -2]), ArgumentError, '[permute] dims [0,1,-2] repeat a dim'],
    ['permute with a dim out of range', () => permute(zeros([2, 3, 4]), [0, 1, 3]), ShapeError, '[permute] dim 3 is out of range for a 3-d tensor (expected -3..2)'],
    ['permute not a Tensor', () => permute(any_(1), [0]), ArgumentError, '[permute] input must be a Tensor, got 1'],
    ['permute with a fractional dim', () => permute(zeros([2, 3]), [0, 0.5]), ArgumentError, '[permute] dim must be an integer, got 0.5'],
    ['transpose dim out of range', () => transpose(zeros([2, 3]), 0, 2), ShapeError, '[transpose] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['transpose negative dim out of range', () => zeros([2, 3]).transpose(-3, 0), ShapeError, '[transpose] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['transpose fractional dim', () => transpose(zeros([2, 2]), 0.5, 1), ArgumentError, '[transpose] dim must be an integer, got 0.5'],
    ['transpose not a Tensor', () => transpose(any_(1), 0, 1), ArgumentError, '[transpose] input must be a Tensor, got 1'],
    ['expand to fewer dims', () => expand(zeros([2, 3]), [3]), ShapeError,
      "[expand] the number of sizes [3] must be at least the input's 2 dims (shape [2,3])"],
    ['expand a non-1 dim', () => expand(zeros([2, 3]), [4, 3]), ShapeError, '[expand] cannot expand shape [2,3] to [4,3]: size 2 at dim 0 must be 1 or 4'],
    ['expand (method) a non-1 dim after a new leading dim', () => zeros([2, 3]).expand(5, 2, 4), ShapeError,
      '[expand] cannot expand shape [2,3] to [5,2,4]: size 3 at dim 2 must be 1 or 4'],
    ['expand with -1 for a new leading dim', () => expand(zeros([3]), [-1, 3]), ShapeError, '[expand] invalid size -1 at dim 0 in [-1,3]'],
    ['expand with -2', () => expand(zeros([3]), [2, -2]), ShapeError, '[expand] invalid size -2 at dim 1 in [2,-2]'],
    ['expand with a fractional size', () => expand(zeros([1]), [2.5]), ShapeError, '[expand] invalid size 2.5 at dim 0 in [2.5]'],
    ['broadcastTo an incompatible shape', () => broadcastTo(zeros([2, 3]), [2, 4]), ShapeError,
      '[expand] cannot expand shape [2,3] to [2,4]: size 3 at dim 1 must be 1 or 4'],
    ['expand not a Tensor', () => expand(any_(1), [2]), ArgumentError, '[expand] input must be a Tensor, got 1'],
    ['squeeze dim out of range', () => squeeze(zeros([2, 1]), 2), ShapeError, '[squeeze] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['squeeze (method) list with a negative dim out of range', () => zeros([2, 1]).squeeze([0, -3]), ShapeError,
      '[squeeze] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['squeeze fractional dim', () => squeeze(zeros([2, 1]), 1.5), ArgumentError, '[squeeze] dim must be an integer, got 1.5'],
    ['squeeze not a Tensor', () => squeeze(any_('x')), ArgumentError, '[squeeze] input must be a Tensor, got "x"'],
    // unsqueeze accepts ndim + 1 positions, so the range is that of the result
    ['unsqueeze dim 3 of a 2-d tensor', () => unsqueeze(zeros([2, 3]), 3), ShapeError, '[unsqueeze] dim 3 is out of range for inserting a dim into a 2-d tensor (expected -3..2)'],
    ['unsqueeze dim -4 of a 2-d tensor', () => zeros([2, 3]).unsqueeze(-4), ShapeError, '[unsqueeze] dim -4 is out of range for inserting a dim into a 2-d tensor (expected -3..2)'],
    ['unsqueeze dim 2 of a 0-d tensor', () => unsqueeze(tensor(1), 2), ShapeError, '[unsqueeze] dim 2 is out of range for inserting a dim into a 0-d tensor (expected -1..0)'],
    ['unsqueeze fractional dim', () => unsqueeze(zeros([2, 3]), 0.5), ArgumentError, '[unsqueeze] dim must be an integer, got 0.5'],
    ['unsqueeze not a Tensor', () => unsqueeze(any_(1), 0), ArgumentError, '[unsqueeze] input must be a Tensor, got 1'],
  ]);

  it('the edges of the unsqueeze range are accepted (control)', () => {
    expect(unsqueeze(zeros([2, 3]), 2).shape).toEqual([2, 3, 1]);
    expect(unsqueeze(zeros([2, 3]), -3).shape).toEqual([1, 2, 3]);
    expect(unsqueeze(zeros([2, 3]), -1).shape).toEqual([2, 3, 1]);
  });
});

describe('slice, narrow, select, split, chunk', () => {
  table([
    ['slice a 0-d tensor', () => slice(tensor(1), 0), ShapeError, '[slice] cannot slice a 0-d tensor'],
    ['slice dim out of range', () => slice(zeros([4]), 1), ShapeError, '[slice] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['slice (method) negative dim out of range', () => zeros([4, 2]).slice(-3, 0, 1), ShapeError, '[slice] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['slice step 0', () => slice(zeros([4]), 0, 0, 4, 0), ArgumentError, '[slice] step must be an integer >= 1, got 0'],
    ['slice negative step', () => slice(zeros([4]), 0, 0, 4, -1), ArgumentError, '[slice] step must be an integer >= 1, got -1'],
    ['slice fractional step', () => zeros([4]).slice(0, 0, 4, 1.5), ArgumentError, '[slice] step must be an integer >= 1, got 1.5'],
    ['slice fractional start', () => slice(zeros([4]), 0, 0.5), ArgumentError, '[slice] start must be an integer, got 0.5'],
    ['slice fractional end', () => slice(zeros([4]), 0, 0, 2.5), ArgumentError, '[slice] end must be an integer, got 2.5'],
    ['slice NaN start', () => slice(zeros([4]), 0, NaN), ArgumentError, '[slice] start must be an integer, got NaN'],
    ['slice not a Tensor', () => slice(any_([1]), 0), ArgumentError, '[slice] input must be a Tensor, got [1]'],
    ['narrow start past the end', () => narrow(zeros([4]), 0, 5, 0), ArgumentError, '[narrow] start must be an integer in [-4, 4], got 5'],
    ['narrow start before the beginning', () => narrow(zeros([4]), 0, -5, 1), ArgumentError, '[narrow] start must be an integer in [-4, 4], got -5'],
    ['narrow length past the end', () => narrow(zeros([4]), 0, 2, 3), ArgumentError, '[narrow] length must be an integer in [0, 2], got 3'],
    ['narrow length past the end from a negative start', () => zeros([4]).narrow(0, -1, 2), ArgumentError, '[narrow] length must be an integer in [0, 1], got 2'],
    ['narrow negative length', () => narrow(zeros([4]), 0, 2, -1), ArgumentError, '[narrow] length must be an integer in [0, 2], got -1'],
    ['narrow fractional start', () => narrow(zeros([4]), 0, 1.5, 1), ArgumentError, '[narrow] start must be an integer in [-4, 4], got 1.5'],
    ['narrow dim out of range', () => narrow(zeros([4]), 1, 0, 1), ShapeError, '[narrow] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['narrow not a Tensor', () => narrow(any_(1), 0, 0, 1), ArgumentError, '[narrow] input must be a Tensor, got 1'],
    ['select index past the end', () => select(zeros([2, 3]), 1, 3), ArgumentError, '[select] index must be an integer in [-3, 2], got 3'],
    ['select negative index before the beginning', () => select(zeros([2, 3]), 1, -4), ArgumentError, '[select] index must be an integer in [-3, 2], got -4'],
    ['select (method) fractional index', () => zeros([2, 3]).select(0, 0.5), ArgumentError, '[select] index must be an integer in [-2, 1], got 0.5'],
    ['select dim out of range', () => select(zeros([2, 3]), 2, 0), ShapeError, '[select] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['select not a Tensor', () => select(any_(1), 0, 0), ArgumentError, '[select] input must be a Tensor, got 1'],
    ['split size 0', () => split(zeros([4]), 0), ArgumentError, '[split] size must be an integer >= 1, got 0'],
    ['split fractional size', () => zeros([4]).split(1.5), ArgumentError, '[split] size must be an integer >= 1, got 1.5'],
    ['split sections that do not sum to the dim', () => split(zeros([4]), [1, 2]), ShapeError, '[split] section sizes [1,2] must sum to 4, the size of dim 0'],
    ['split sections along dim -1', () => split(zeros([2, 5]), [2, 2], -1), ShapeError, '[split] section sizes [2,2] must sum to 5, the size of dim 1'],
    ['split negative section', () => split(zeros([4]), [5, -1]), ArgumentError, '[split] section size must be an integer >= 0, got -1'],
    ['split fractional section', () => split(zeros([4]), [1.5, 2.5]), ArgumentError, '[split] section size must be an integer >= 0, got 1.5'],
    ['split dim out of range', () => split(zeros([4]), 2, 1), ShapeError, '[split] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['split not a Tensor', () => split(any_(1), 1), ArgumentError, '[split] input must be a Tensor, got 1'],
    ['chunk 0 chunks', () => chunk(zeros([4]), 0), ArgumentError, '[chunk] chunks must be an integer >= 1, got 0'],
    ['chunk fractional chunks', () => zeros([4]).chunk(2.5), ArgumentError, '[chunk] chunks must be an integer >= 1, got 2.5'],
    ['chunk dim out of range', () => chunk(zeros([4]), 2, -2), ShapeError, '[chunk] dim -2 is out of range for a 1-d tensor (expected -1..0)'],
    ['chunk not a Tensor', () => chunk(any_(1), 1), ArgumentError, '[chunk] input must be a Tensor, got 1'],
  ]);

  it('bounds at the edges are accepted (control)', () => {
    expect(narrow(arange(4), 0, -4, 4).toArray()).toEqual([0, 1, 2, 3]);
    expect(narrow(arange(4), 0, 4, 0).toArray()).toEqual([]);
    expect(select(arange(6).reshape(2, 3), 1, -3).toArray()).toEqual([0, 3]);
    expect(slice(arange(4), 0, -100, 100).toArray()).toEqual([0, 1, 2, 3]); // slice clamps, as Python
  });
});

// ── copies ──────────────────────────────────────────────────────────────────────────────────

describe('cat, stack, pad, flip, repeat, tril, triu, to', () => {
  table([
    ['cat of an empty list', () => cat([]), ArgumentError, '[cat] expected a non-empty list of tensors'],
    ['cat of a tensor instead of a list', () => cat(any_(zeros([2]))), ArgumentError, '[cat] expected a non-empty list of tensors'],
    ['cat with a non-tensor first entry', () => cat([any_(1)]), ArgumentError, '[cat] tensors[0] must be a Tensor, got 1'],
    ['cat with a non-tensor entry', () => cat([zeros([2]), any_([1])]), ArgumentError, '[cat] tensors[1] must be a Tensor, got [1]'],
    ['cat of 0-d tensors', () => cat([tensor(1), tensor(2)]), ShapeError, '[cat] zero-dimensional tensors cannot be concatenated; use stack'],
    ['cat mismatch outside the dim', () => cat([zeros([2, 3]), zeros([2, 4])], 0), ShapeError,
      '[cat] tensors[1] has shape [2,4], which does not match [2,3] outside dim 0'],
    ['cat mismatch with a negative dim', () => cat([zeros([2, 3]), zeros([2, 3]), zeros([3, 3])], -1), ShapeError,
      '[cat] tensors[2] has shape [3,3], which does not match [2,3] outside dim 1'],
    ['cat tensors of different ranks', () => cat([zeros([2, 3]), zeros([3])], 0), ShapeError,
      '[cat] tensors[1] has shape [3], which does not match [2,3] outside dim 0'],
    ['cat dim out of range', () => cat([zeros([2, 3]), zeros([2, 3])], 2), ShapeError, '[cat] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['stack of an empty list', () => stack([]), ArgumentError, '[stack] expected a non-empty list of tensors'],
    ['stack shapes differ', () => stack([zeros([2]), zeros([3])]), ShapeError, '[stack] tensors[1] has shape [3], expected [2] like tensors[0]'],
    ['stack a non-tensor entry', () => stack([zeros([2]), any_(3)]), ArgumentError, '[stack] tensors[1] must be a Tensor, got 3'],
    // stack inserts a dim, so the range is that of the result
    ['stack dim 2 of 1-d tensors', () => stack([zeros([2]), zeros([2])], 2), ShapeError, '[stack] dim 2 is out of range for stacking 1-d tensors (expected -2..1)'],
    ['stack dim -3 of 1-d tensors', () => stack([zeros([2]), zeros([2])], -3), ShapeError, '[stack] dim -3 is out of range for stacking 1-d tensors (expected -2..1)'],
    ['pad with an odd count', () => pad(zeros([2, 2]), [1]), ShapeError, '[pad] pads must hold (before, after) pairs for at most 2 dims, got [1]'],
    ['pad more dims than the input has', () => pad(zeros([2]), [1, 1, 1, 1]), ShapeError, '[pad] pads must hold (before, after) pairs for at most 1 dims, got [1,1,1,1]'],
    ['pad given a number', () => pad(zeros([2]), any_(1)), ShapeError, '[pad] pads must hold (before, after) pairs for at most 1 dims, got 1'],
    ['pad negative padding', () => pad(zeros([2]), [-1, 1]), ArgumentError, '[pad] padding must be an integer >= 0, got -1'],
    ['pad (method) fractional padding', () => zeros([2]).pad([0, 0.5]), ArgumentError, '[pad] padding must be an integer >= 0, got 0.5'],
    ['pad a string value', () => pad(zeros([2]), [1, 1], any_('a')), ArgumentError, '[pad] value must be a number, got "a"'],
    ['pad not a Tensor', () => pad(any_(1), [1, 1]), ArgumentError, '[pad] input must be a Tensor, got 1'],
    ['flip dim out of range', () => flip(zeros([2]), 1), ShapeError, '[flip] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['flip (method) negative dim out of range in a list', () => zeros([2]).flip([0, -2]), ShapeError, '[flip] dim -2 is out of range for a 1-d tensor (expected -1..0)'],
    ['flip fractional dim', () => flip(zeros([2, 2]), 0.5), ArgumentError, '[flip] dim must be an integer, got 0.5'],
    ['flip not a Tensor', () => flip(any_(1), 0), ArgumentError, '[flip] input must be a Tensor, got 1'],
    ['repeat with fewer sizes than dims', () => repeat(zeros([2, 3]), [2]), ShapeError,
      '[repeat] the number of repeats [2] must be at least the number of dims of the input (shape [2,3])'],
    ['repeat negative count', () => repeat(zeros([2]), [-1]), ArgumentError, '[repeat] repeat count must be an integer >= 0, got -1'],
    ['repeat (method) fractional count', () => zeros([2]).repeat(1.5), ArgumentError, '[repeat] repeat count must be an integer >= 0, got 1.5'],
    ['repeat not a Tensor', () => repeat(any_(1), [1]), ArgumentError, '[repeat] input must be a Tensor, got 1'],
    ['tril of a 1-d tensor', () => tril(zeros([3])), ShapeError, '[tril] expects a tensor of at least 2 dims, got shape [3]'],
    ['triu of a 0-d tensor', () => triu(tensor(1)), ShapeError, '[triu] expects a tensor of at least 2 dims, got shape []'],
    ['tril fractional diagonal', () => tril(zeros([3, 3]), 0.5), ArgumentError, '[tril] diagonal must be an integer, got 0.5'],
    ['triu (method) NaN diagonal', () => zeros([3, 3]).triu(NaN), ArgumentError, '[triu] diagonal must be an integer, got NaN'],
    ['tril not a Tensor', () => tril(any_(1)), ArgumentError, '[tril] input must be a Tensor, got 1'],
    ['to an unknown dtype', () => zeros([2]).to(any_('float16')), DTypeError, '[to] unknown dtype "float16"; expected one of bool, int32, float32, float64'],
    ['toDType int64', () => toDType(zeros([2]), any_('int64')), DTypeError, '[to] unknown dtype "int64"; expected one of bool, int32, float32, float64'],
    ['to undefined', () => zeros([2]).to(any_(undefined)), DTypeError, '[to] unknown dtype undefined; expected one of bool, int32, float32, float64'],
    ['to not a Tensor', () => toDType(any_(1), 'float32'), ArgumentError, '[to] input must be a Tensor, got 1'],
  ]);
});

// ── indexing ────────────────────────────────────────────────────────────────────────────────

describe('indexSelect, indexAdd, gather, scatterAdd', () => {
  table([
    ['indexSelect float32 index', () => indexSelect(zeros([3]), 0, tensor([0])), DTypeError, '[indexSelect] index must be an int32 tensor, got float32'],
    ['indexSelect bool index', () => indexSelect(zeros([3]), 0, tensor([true])), DTypeError, '[indexSelect] index must be an int32 tensor, got bool'],
    ['indexSelect float64 index (method)', () => zeros([3]).indexSelect(0, tensor([0], { dtype: 'float64' })), DTypeError,
      '[indexSelect] index must be an int32 tensor, got float64'],
    ['indexSelect index == size', () => indexSelect(zeros([3]), 0, i32([3])), ShapeError, '[indexSelect] index 3 is out of bounds for dim 0 with size 3'],
    ['indexSelect negative index', () => indexSelect(zeros([3]), 0, i32([0, -1])), ShapeError, '[indexSelect] index -1 is out of bounds for dim 0 with size 3'],
    ['indexSelect along dim -1', () => indexSelect(zeros([2, 4]), -1, i32([1, 4])), ShapeError, '[indexSelect] index 4 is out of bounds for dim 1 with size 4'],
    ['indexSelect into an empty dim', () => indexSelect(zeros([0, 2]), 0, i32([0])), ShapeError, '[indexSelect] index 0 is out of bounds for dim 0 with size 0'],
    ['indexSelect 2-d index', () => indexSelect(zeros([3]), 0, i32([[0]])), ShapeError, '[indexSelect] index must be 1-d, got shape [1,1]'],
    ['indexSelect dim out of range', () => indexSelect(zeros([3]), 1, i32([0])), ShapeError, '[indexSelect] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['indexSelect index not a Tensor', () => indexSelect(zeros([3]), 0, any_([0])), ArgumentError, '[indexSelect] index must be a Tensor, got [0]'],
    ['indexSelect input not a Tensor', () => indexSelect(any_(1), 0, i32([0])), ArgumentError, '[indexSelect] input must be a Tensor, got 1'],
    ['indexAdd float32 index', () => indexAdd(zeros([3]), 0, tensor([0]), ones([1])), DTypeError, '[indexAdd] index must be an int32 tensor, got float32'],
    ['indexAdd index out of bounds', () => indexAdd(zeros([3]), 0, i32([5]), ones([1])), ShapeError, '[indexAdd] index 5 is out of bounds for dim 0 with size 3'],
    ['indexAdd negative index (method)', () => zeros([3]).indexAdd(0, i32([-3]), ones([1])), ShapeError, '[indexAdd] index -3 is out of bounds for dim 0 with size 3'],
    ['indexAdd 2-d index', () => indexAdd(zeros([3]), 0, i32([[0]]), ones([1])), ShapeError, '[indexAdd] index must be 1-d, got shape [1,1]'],
    ['indexAdd source of the wrong shape', () => indexAdd(zeros([3, 2]), 0, i32([0]), ones([1, 3])), ShapeError, '[indexAdd] source has shape [1,3], expected [1,2]'],
    ['indexAdd source with too few rows', () => indexAdd(zeros([3, 2]), 0, i32([0, 1]), ones([1, 2])), ShapeError, '[indexAdd] source has shape [1,2], expected [2,2]'],
    ['indexAdd source of the wrong rank', () => indexAdd(zeros([3, 2]), 0, i32([0]), ones([2])), ShapeError, '[indexAdd] source has shape [2], expected [1,2]'],
    ['indexAdd float32 source into int32', () => indexAdd(zeros([3], { dtype: 'int32' }), 0, i32([0]), ones([1])), DTypeError,
      '[indexAdd] cannot add float32 source into a int32 tensor'],
    ['indexAdd float64 source into float32', () => indexAdd(zeros([3]), 0, i32([0]), ones([1], { dtype: 'float64' })), DTypeError,
      '[indexAdd] cannot add float64 source into a float32 tensor'],
    ['indexAdd dim out of range', () => indexAdd(zeros([3]), -2, i32([0]), ones([1])), ShapeError, '[indexAdd] dim -2 is out of range for a 1-d tensor (expected -1..0)'],
    ['indexAdd source not a Tensor', () => indexAdd(zeros([3]), 0, i32([0]), any_([1])), ArgumentError, '[indexAdd] source must be a Tensor, got [1]'],
    ['indexAdd input not a Tensor', () => indexAdd(any_(1), 0, i32([0]), ones([1])), ArgumentError, '[indexAdd] input must be a Tensor, got 1'],
    ['indexAdd index not a Tensor', () => indexAdd(zeros([3]), 0, any_([0]), ones([1])), ArgumentError, '[indexAdd] index must be a Tensor, got [0]'],
    ['gather float32 index', () => gather(zeros([2, 2]), 1, tensor([[0], [1]])), DTypeError, '[gather] index must be an int32 tensor, got float32'],
    ['gather index out of bounds', () => gather(zeros([2, 2]), 1, i32([[0], [2]])), ShapeError, '[gather] index 2 is out of bounds for dim 1 with size 2'],
    ['gather negative index (method)', () => zeros([2, 2]).gather(1, i32([[0], [-1]])), ShapeError, '[gather] index -1 is out of bounds for dim 1 with size 2'],
    ['gather index of another rank', () => gather(zeros([2, 2]), 1, i32([0])), ShapeError,
      '[gather] index of shape [1] must have as many dims as the input [2,2] and no larger sizes outside dim 1'],
    ['gather index larger outside dim', () => gather(zeros([2, 2]), 1, i32([[0], [1], [0]])), ShapeError,
      '[gather] index of shape [3,1] must have as many dims as the input [2,2] and no larger sizes outside dim 1'],
    ['gather dim out of range', () => gather(zeros([2, 2]), 2, i32([[0], [1]])), ShapeError, '[gather] dim 2 is out of range for a 2-d tensor (expected -2..1)'],
    ['gather input not a Tensor', () => gather(any_(1), 0, i32([0])), ArgumentError, '[gather] input must be a Tensor, got 1'],
    ['gather index not a Tensor', () => gather(zeros([2, 2]), 1, any_([[0]])), ArgumentError, '[gather] index must be a Tensor, got [[0]]'],
    ['scatterAdd float32 index', () => scatterAdd(zeros([2, 2]), 1, tensor([[0], [1]]), ones([2, 1])), DTypeError, '[scatterAdd] index must be an int32 tensor, got float32'],
    ['scatterAdd index out of bounds', () => scatterAdd(zeros([2, 2]), 1, i32([[0], [2]]), ones([2, 1])), ShapeError,
      '[scatterAdd] index 2 is out of bounds for dim 1 with size 2'],
    ['scatterAdd src smaller than index', () => scatterAdd(zeros([2, 2]), 1, i32([[0, 1], [1, 0]]), ones([2, 1])), ShapeError,
      '[scatterAdd] src of shape [2,1] must be at least as large as index [2,2] in every dim'],
    ['scatterAdd src of another rank (method)', () => zeros([2, 2]).scatterAdd(1, i32([[0], [1]]), ones([2])), ShapeError,
      '[scatterAdd] src of shape [2] must be at least as large as index [2,1] in every dim'],
    ['scatterAdd index larger than input outside dim', () => scatterAdd(zeros([2, 2]), 1, i32([[0], [1], [1]]), ones([3, 1])), ShapeError,
      '[scatterAdd] index of shape [3,1] must have as many dims as the input [2,2] and no larger sizes outside dim 1'],
    ['scatterAdd float32 src into int32', () => scatterAdd(zeros([2, 2], { dtype: 'int32' }), 1, i32([[0], [1]]), ones([2, 1])), DTypeError,
      '[scatterAdd] cannot add float32 src into a int32 tensor'],
    ['scatterAdd dim out of range', () => scatterAdd(zeros([2, 2]), -3, i32([[0], [1]]), ones([2, 1])), ShapeError,
      '[scatterAdd] dim -3 is out of range for a 2-d tensor (expected -2..1)'],
    ['scatterAdd input not a Tensor', () => scatterAdd(any_(1), 0, i32([0]), ones([1])), ArgumentError, '[scatterAdd] input must be a Tensor, got 1'],
    ['scatterAdd index not a Tensor', () => scatterAdd(zeros([2]), 0, any_([0]), ones([1])), ArgumentError, '[scatterAdd] index must be a Tensor, got [0]'],
    ['scatterAdd src not a Tensor', () => scatterAdd(zeros([2, 2]), 1, i32([[0], [1]]), any_(1)), ArgumentError, '[scatterAdd] src must be a Tensor, got 1'],
  ]);

  it('valid indices at the edges work (control)', () => {
    expect(indexSelect(tensor([10, 20, 30]), 0, i32([2, 0, 2])).toArray()).toEqual([30, 10, 30]);
    expect(gather(tensor([[1, 2], [3, 4]]), 1, i32([[1, 1, 0], [0, 0, 1]])).toArray()).toEqual([[2, 2, 1], [3, 3, 4]]);
    expect(indexAdd(zeros([3], { dtype: 'float64' }), 0, i32([0, 0]), ones([2])).toArray()).toEqual([2, 0, 0]); // float32 into float64 is fine
  });
});

// ── in place ────────────────────────────────────────────────────────────────────────────────

describe('in-place ops', () => {
  const refused = (op: string, what = 'a leaf'): string =>
    `[${op}] a tensor that requires grad (${what}) cannot be modified in place while grad mode is on; wrap the update in noGrad()`;
  table([
    ['add_ on a leaf that requires grad', () => leaf().add_(1), AutogradError, refused('add_')],
    ['sub_ on a leaf that requires grad', () => leaf().sub_(ones([2])), AutogradError, refused('sub_')],
    ['mul_ on a leaf that requires grad', () => leaf().mul_(2), AutogradError, refused('mul_')],
    ['div_ on a leaf that requires grad', () => leaf().div_(2), AutogradError, refused('div_')],
    ['clamp_ on a leaf that requires grad', () => leaf().clamp_(0, 1), AutogradError, refused('clamp_')],
    ['copy_ on a leaf that requires grad', () => leaf().copy_(ones([2])), AutogradError, refused('copy_')],
    ['fill_ on a leaf that requires grad', () => leaf().fill_(1), AutogradError, refused('fill_')],
    ['zero_ on a leaf that requires grad', () => leaf().zero_(), AutogradError, refused('zero_')],
    ['add_ on a non-leaf', () => leaf().mul(2).add_(1), AutogradError, refused('add_', "produced by 'mul'")],
    ['zero_ on a view of a leaf', () => leaf().slice(0, 0, 1).zero_(), AutogradError, refused('zero_', "produced by 'slice'")],
    ['add_ inside enableGrad within noGrad', () => noGrad(() => enableGrad(() => leaf().add_(1))), AutogradError, refused('add_')],
    ['add_ with an operand that requires grad', () => zeros([2]).add_(leaf()), AutogradError,
      '[add_] in-place ops with an operand that requires grad are not supported; use the out-of-place op'],
    ['copy_ from a tensor that requires grad', () => zeros([2]).copy_(leaf()), AutogradError,
      '[copy_] in-place ops with an operand that requires grad are not supported; use the out-of-place op'],
    ['add_ operand larger than the target', () => zeros([2]).add_(ones([2, 2])), ShapeError,
      "[add_] operand of shape [2,2] cannot be broadcast to the tensor's shape [2]"],
    ['mul_ operand that would grow the target', () => zeros([3, 1]).mul_(ones([3])), ShapeError,
      "[mul_] operand of shape [3] cannot be broadcast to the tensor's shape [3,1]"],
    ['copy_ source of another size', () => zeros([2]).copy_(ones([3])), ShapeError,
      "[copy_] operand of shape [3] cannot be broadcast to the tensor's shape [2]"],
    ['copy_ source with more dims', () => zeros([2]).copy_(ones([2, 2])), ShapeError,
      "[copy_] operand of shape [2,2] cannot be broadcast to the tensor's shape [2]"],
    ['add_ operand that does not broadcast', () => zeros([2]).add_(ones([3])), ShapeError,
      "[add_] operand of shape [3] cannot be broadcast to the tensor's shape [2]"],
    ['div_ on int32 (true division gives float32)', () => zeros([2], { dtype: 'int32' }).div_(2), DTypeError,
      '[div_] the result type float32 cannot be written into a int32 tensor in place'],
    ['add_ 0.5 on int32', () => zeros([2], { dtype: 'int32' }).add_(0.5), DTypeError, '[add_] the result type float32 cannot be written into a int32 tensor in place'],
    ['mul_ float tensor into int32', () => zeros([2], { dtype: 'int32' }).mul_(ones([2])), DTypeError, '[mul_] the result type float32 cannot be written into a int32 tensor in place'],
    ['add_ an int32 result into bool', () => zeros([2], { dtype: 'bool' }).add_(5), DTypeError, '[add_] the result type int32 cannot be written into a bool tensor in place'],
    ['writing into an expanded view', () => zeros([1]).expand([3]).add_(1), ArgumentError,
      '[add_] some elements of the written-to tensor (shape [3], strides [0]) refer to a single memory location; clone() it first'],
    ['fill_ with a string', () => zeros([2]).fill_('a' as unknown as number), ArgumentError, '[fill_] value must be a number, got "a"'],
    ['clamp_ with a float bound on int32', () => i32([1, 5]).clamp_(0, 2.5), DTypeError, '[clamp_] the result type float32 cannot be written into a int32 tensor in place'],
  ]);

  it('the same updates are allowed inside noGrad and write through (control)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const v0 = x.version;
    noGrad(() => x.add_(1).mul_(2).sub_(tensor([1, 1])).div_(3));
    expect(x.toArray()).toEqual([1, 5 / 3].map(Math.fround));
    expect(x.version).toBe(v0 + 4);
    expect(x.requiresGrad).toBe(true);
    noGrad(() => x.copy_(leaf())); // an operand that requires grad is fine under noGrad
    expect(x.toArray()).toEqual([0, 0]);
  });
});

// ── Tensor methods: item, backward, requiresGrad, hooks, size ──────────────────────────────

describe('Tensor: item, size, backward, requiresGrad, registerHook', () => {
  table([
    ['item of 2 elements', () => zeros([2]).item(), ShapeError, '[item] only one-element tensors can be converted to a number, got shape [2]'],
    ['item of a 2×3 tensor', () => zeros([2, 3]).item(), ShapeError, '[item] only one-element tensors can be converted to a number, got shape [2,3]'],
    ['item of an empty tensor', () => zeros([0]).item(), ShapeError, '[item] only one-element tensors can be converted to a number, got shape [0]'],
    ['size(dim) out of range', () => zeros([2]).size(1), ShapeError, '[size] dim 1 is out of range for a 1-d tensor (expected -1..0)'],
    ['size(dim) fractional', () => zeros([2]).size(0.5), ArgumentError, '[size] dim must be an integer, got 0.5'],
    ['backward of a tensor that does not require grad', () => zeros([2]).sum().backward(), AutogradError,
      '[backward] the tensor does not require grad and has no gradFn: nothing to differentiate'],
    ['backward of a leaf with requiresGrad false', () => tensor(1).backward(), AutogradError,
      '[backward] the tensor does not require grad and has no gradFn: nothing to differentiate'],
    ['backward of a result computed under noGrad', () => noGrad(() => leaf().sum()).backward(), AutogradError,
      '[backward] the tensor does not require grad and has no gradFn: nothing to differentiate'],
    ['backward of a non-scalar without a gradient', () => leaf().mul(2).backward(), AutogradError,
      '[backward] grad can be implicitly created only for scalar outputs, got shape [2]; pass a gradient'],
    ['backward of a 2×3 result without a gradient', () => zeros([2, 3], { requiresGrad: true }).exp().backward(), AutogradError,
      '[backward] grad can be implicitly created only for scalar outputs, got shape [2,3]; pass a gradient'],
    ['backward with a gradient of the wrong shape', () => leaf().mul(2).backward(ones([3])), ShapeError, '[backward] gradient has shape [3], expected [2]'],
    ['backward with a broadcastable but different gradient', () => zeros([2, 2], { requiresGrad: true }).mul(2).backward(ones([2])), ShapeError,
      '[backward] gradient has shape [2], expected [2,2]'],
    ['requiresGrad_ on int32', () => zeros([2], { dtype: 'int32' }).requiresGrad_(), DTypeError,
      '[requiresGrad] only floating-point tensors can require gradients, got int32'],
    ['requiresGrad setter on bool', () => { zeros([2], { dtype: 'bool' }).requiresGrad = true; }, DTypeError,
      '[requiresGrad] only floating-point tensors can require gradients, got bool'],
    ['requiresGrad_(false) on a non-leaf', () => leaf().mul(2).requiresGrad_(false), AutogradError,
      "[requiresGrad] cannot turn off requiresGrad on a non-leaf tensor (produced by 'mul'); use detach()"],
    ['registerHook on a tensor that does not require grad', () => zeros([2]).registerHook(() => undefined), AutogradError,
      "[registerHook] cannot register a hook on a tensor that doesn't require grad"],
    ['registerHook on an int32 tensor', () => i32([1]).registerHook(() => undefined), AutogradError,
      "[registerHook] cannot register a hook on a tensor that doesn't require grad"],
  ]);

  it('backward twice through freed saved tensors', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expectError(() => y.backward(), AutogradError,
      "[backward] trying to backward through the graph a second time (the tensors saved by 'exp' have been freed); " +
        'pass { retainGraph: true } to the first backward if you need to backward twice');
  });

  it('backward after a saved tensor was modified in place', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const e = x.exp(); // exp saves its output
    noGrad(() => e.detach().add_(1));
    expectError(() => e.sum().backward(), AutogradError,
      '[backward] one of the tensors needed for gradient computation has been modified by an in-place operation: ' +
        "the float32 [2] tensor saved by 'exp' is at version 1; expected version 0 instead");
  });

  it('a saved input modified in place is named with its dtype and shape', () => {
    const x = tensor([[1, 2]], { dtype: 'float64', requiresGrad: true });
    const w = tensor([[3], [4]], { dtype: 'float64' });
    const y = x.matmul(w);
    noGrad(() => w.mul_(2).mul_(2));
    expectError(() => y.sum().backward(), AutogradError,
      '[backward] one of the tensors needed for gradient computation has been modified by an in-place operation: ' +
        "the float64 [2,1] tensor saved by 'matmul' is at version 2; expected version 0 instead");
  });

  it('retainGraph lets backward run twice (control)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
  });

  it('a one-element non-0-d output backpropagates without a gradient (control)', () => {
    const x = tensor([[2]], { requiresGrad: true });
    x.mul(3).backward();
    expect(x.grad!.toArray()).toEqual([[3]]);
  });
});

// ── creation ────────────────────────────────────────────────────────────────────────────────

describe('creation functions', () => {
  const badDType = (op: string, d: string): string => `[${op}] unknown dtype "${d}"; expected one of bool, int32, float32, float64`;
  const noGradDType = (op: string, d: string): string => `[${op}] only floating-point tensors can require gradients, got dtype ${d}`;
  table([
    ['tensor: ragged rows', () => tensor([[1, 2], [3]]), ShapeError, '[tensor] ragged nested array: expected 2 elements at [1], got 1'],
    ['tensor: ragged at depth 2', () => tensor([[[1], [2]], [[3], [4, 5]]]), ShapeError, '[tensor] ragged nested array: expected 1 elements at [1][1], got 2'],
    ['tensor: a number where a row is expected', () => tensor(any_([[1, 2], 3])), ShapeError, '[tensor] ragged nested array: expected 2 elements at [1], got 3'],
    ['tensor: empty row next to a full one', () => tensor([[], [1]]), ShapeError, '[tensor] ragged nested array: expected 0 elements at [1], got 1'],
    ['tensor: a row where a number is expected', () => tensor(any_([1, [2]])), ArgumentError, '[tensor] elements must be numbers or booleans, got [2] at [1]'],
    ['tensor: a string element', () => tensor(any_([1, 'a'])), ArgumentError, '[tensor] elements must be numbers or booleans, got "a" at [1]'],
    ['tensor: a nested string element', () => tensor(any_([[1], ['x']])), ArgumentError, '[tensor] elements must be numbers or booleans, got "x" at [1][0]'],
    ['tensor: a string', () => tensor(any_('a')), ArgumentError, '[tensor] elements must be numbers or booleans, got "a" at the top level'],
    ['tensor: null', () => tensor(any_(null)), ArgumentError, '[tensor] elements must be numbers or booleans, got null at the top level'],
    ['tensor: undefined element', () => tensor(any_([1, undefined])), ArgumentError, '[tensor] elements must be numbers or booleans, got undefined at [1]'],
    ['tensor: a typed array inside a list', () => tensor(any_([new Float32Array([1, 2])])), ArgumentError,
      '[tensor] elements must be numbers or booleans, got Float32Array at [0]'],
    ['tensor: unknown dtype', () => tensor([1], { dtype: any_('float16') }), DTypeError, badDType('tensor', 'float16')],
    ['tensor: unknown dtype for a typed array', () => tensor(new Float32Array(2), { dtype: any_('uint8') }), DTypeError, badDType('tensor', 'uint8')],
    ['tensor: requiresGrad on int32', () => tensor([1], { dtype: 'int32', requiresGrad: true }), DTypeError, noGradDType('tensor', 'int32')],
    ['tensor: requiresGrad on booleans', () => tensor([true], { requiresGrad: true }), DTypeError, noGradDType('tensor', 'bool')],
    ['tensor: requiresGrad on an Int32Array', () => tensor(new Int32Array(2), { requiresGrad: true }), DTypeError, noGradDType('tensor', 'int32')],
    ['tensor: typed array shape with too few elements', () => tensor(new Float32Array(6), { shape: [4] }), ShapeError,
      '[tensor] shape [4] has 4 elements but the typed array has 6'],
    ['tensor: typed array shape with too many elements', () => tensor(new Int32Array(6), { shape: [2, 2, 2] }), ShapeError,
      '[tensor] shape [2,2,2] has 8 elements but the typed array has 6'],
    ['tensor: typed array negative shape', () => tensor(new Float32Array(6), { shape: [2, -3] }), ShapeError,
      '[tensor] shape must be a list of non-negative integers, got [2,-3]'],
    ['tensor: typed array fractional shape', () => tensor(new Float32Array(6), { shape: [1.5, 4] }), ShapeError,
      '[tensor] shape must be a list of non-negative integers, got [1.5,4]'],
    ['zeros: negative size', () => zeros([2, -1]), ShapeError, '[full] size must be a list of non-negative integers, got [2,-1]'],
    ['zeros: fractional size', () => zeros([2.5]), ShapeError, '[full] size must be a list of non-negative integers, got [2.5]'],
    ['zeros: a negative number', () => zeros(-1), ShapeError, '[full] size must be a list of non-negative integers, got [-1]'],
    ['zeros: NaN', () => zeros(NaN), ShapeError, '[full] size must be a list of non-negative integers, got [NaN]'],
    ['ones: a string size', () => ones(any_('3')), ShapeError, '[full] size must be a list of non-negative integers, got "3"'],
    ['zeros: unknown dtype', () => zeros([2], { dtype: any_('int64') }), DTypeError, badDType('full', 'int64')],
    ['zeros: requiresGrad on int32', () => zeros([2], { dtype: 'int32', requiresGrad: true }), DTypeError, noGradDType('full', 'int32')],
    ['ones: requiresGrad on bool', () => ones([2], { dtype: 'bool', requiresGrad: true }), DTypeError, noGradDType('full', 'bool')],
    ['full: a string value', () => full([2], any_('a')), ArgumentError, '[full] fill value must be a number or boolean, got "a"'],
    ['full: a null value', () => full([2], any_(null)), ArgumentError, '[full] fill value must be a number or boolean, got null'],
    ['full: negative size', () => full([-2], 1), ShapeError, '[full] size must be a list of non-negative integers, got [-2]'],
    ['full: unknown dtype', () => full([2], 1, { dtype: any_('x') }), DTypeError, badDType('full', 'x')],
    ['full: requiresGrad with a boolean value', () => full([2], true, { requiresGrad: true }), DTypeError, noGradDType('full', 'bool')],
    ['fullLike: a string value', () => fullLike(zeros([2]), any_('x')), ArgumentError, '[full] fill value must be a number or boolean, got "x"'],
    ['zerosLike: requiresGrad on an int32 model', () => zerosLike(i32([1]), { requiresGrad: true }), DTypeError, noGradDType('full', 'int32')],
    ['onesLike: unknown dtype', () => onesLike(zeros([1]), { dtype: any_('half') }), DTypeError, badDType('full', 'half')],
    ['arange: step 0', () => arange(0, 5, 0), ArgumentError, '[arange] step must be non-zero'],
    ['arange: infinite end', () => arange(0, Infinity), ArgumentError, '[arange] start, end and step must be finite numbers, got 0, Infinity, 1'],
    ['arange: NaN end', () => arange(NaN), ArgumentError, '[arange] start, end and step must be finite numbers, got 0, NaN, 1'],
    ['arange: NaN step', () => arange(0, 3, NaN), ArgumentError, '[arange] start, end and step must be finite numbers, got 0, 3, NaN'],
    ['arange: unknown dtype', () => arange(5, undefined, 1, { dtype: any_('f') }), DTypeError, badDType('arange', 'f')],
    ['arange: requiresGrad on int32', () => arange(5, undefined, 1, { dtype: 'int32', requiresGrad: true }), DTypeError, noGradDType('arange', 'int32')],
    ['linspace: negative steps', () => linspace(0, 1, -1), ArgumentError, '[linspace] steps must be a non-negative integer, got -1'],
    ['linspace: fractional steps', () => linspace(0, 1, 2.5), ArgumentError, '[linspace] steps must be a non-negative integer, got 2.5'],
    ['linspace: unknown dtype', () => linspace(0, 1, 3, { dtype: any_('q') }), DTypeError, badDType('linspace', 'q')],
    ['linspace: requiresGrad on int32', () => linspace(0, 1, 3, { dtype: 'int32', requiresGrad: true }), DTypeError, noGradDType('linspace', 'int32')],
    ['eye: negative n', () => eye(-1), ShapeError, '[eye] size must be a list of non-negative integers, got [-1,-1]'],
    ['eye: fractional m', () => eye(2, 1.5), ShapeError, '[eye] size must be a list of non-negative integers, got [2,1.5]'],
    ['eye: unknown dtype', () => eye(2, 2, { dtype: any_('z') }), DTypeError, badDType('eye', 'z')],
    ['eye: requiresGrad on int32', () => eye(2, 2, { dtype: 'int32', requiresGrad: true }), DTypeError, noGradDType('eye', 'int32')],
    ['rand: int32 dtype', () => rand([2], { dtype: 'int32' }), DTypeError, '[rand] needs a floating dtype, got int32'],
    ['randn: bool dtype', () => randn([2], { dtype: 'bool' }), DTypeError, '[randn] needs a floating dtype, got bool'],
    ['rand: negative size', () => rand([-1]), ShapeError, '[rand] size must be a list of non-negative integers, got [-1]'],
    ['randn: fractional size', () => randn(2.5), ShapeError, '[randn] size must be a list of non-negative integers, got [2.5]'],
    ['rand: unknown dtype', () => rand([2], { dtype: any_('x') }), DTypeError, badDType('rand', 'x')],
    ['randint: low == high', () => randint(5, 5, [2]), ArgumentError, '[randint] needs integers low < high, got low=5 high=5'],
    ['randint: low > high', () => randint(3, 1, [2]), ArgumentError, '[randint] needs integers low < high, got low=3 high=1'],
    ['randint: fractional low', () => randint(0.5, 5, [2]), ArgumentError, '[randint] needs integers low < high, got low=0.5 high=5'],
    ['randint: fractional size', () => randint(0, 5, [2.5]), ShapeError, '[randint] size must be a list of non-negative integers, got [2.5]'],
    ['randint: requiresGrad on the default int32', () => randint(0, 5, [2], { requiresGrad: true }), DTypeError, noGradDType('randint', 'int32')],
    ['randint: unknown dtype', () => randint(0, 5, [2], { dtype: any_('u8') }), DTypeError, badDType('randint', 'u8')],
    ['manualSeed: negative seed', () => manualSeed(-1), ArgumentError, '[manualSeed] seed must be a non-negative safe integer, got -1'],
    ['Generator: fractional seed', () => new Generator(1.5), ArgumentError, '[manualSeed] seed must be a non-negative safe integer, got 1.5'],
    ['Generator.permutation: negative n', () => new Generator(0).permutation(-1), ArgumentError,
      '[permutation] n must be a non-negative integer, got -1'],
    ['Generator.permutation: fractional n', () => new Generator(0).permutation(1.5), ArgumentError,
      '[permutation] n must be a non-negative integer, got 1.5'],
    ['Generator.randint: empty range', () => new Generator(0).randint(2, 2), ArgumentError, '[randint] needs integers low < high, got low=2 high=2'],
  ]);

  it('setBackend: an unknown name is an ArgumentError listing the registered backends', () => {
    const e = thrown(() => setBackend(any_('no-such-backend')));
    expect(e).toBeInstanceOf(ArgumentError);
    expect((e as Error).message).toMatch(/^\[setBackend\] unknown backend "no-such-backend"; registered: .*\bjs\b/);
    expect((e as Error).message.split('registered: ')[1]!.split(', ')).toEqual(listBackends());
  });

  it('empty and 0-d shapes are valid sizes (control)', () => {
    expect(zeros([]).shape).toEqual([]);
    expect(zeros([0, 3]).shape).toEqual([0, 3]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(eye(0).shape).toEqual([0, 0]);
  });
});

describe('gaps found in review, now validated', () => {
  const i32 = (v: number[]): Tensor => tensor(v, { dtype: 'int32' });
  table([
    ['pow of int32 tensors with a negative int32 exponent', () => pow(i32([2, 3]), i32([-1, 2])), ArgumentError, '[pow] integers to negative integer powers are not allowed'],
    ['transpose of a 0-d tensor with an out-of-range dim', () => transpose(tensor(1), 0, 5), ShapeError, '[transpose] dim 5 is out of range for a 0-d tensor (expected -1..0)'],
    ['flip with a repeated dim', () => flip(zeros([2, 2]), [0, -2]), ArgumentError, '[flip] dims [0,-2] repeat a dim'],
    ['select from a 0-d tensor', () => select(tensor(1), 0, 0), ShapeError, '[select] cannot select from a 0-d tensor'],
    ['select from an empty dim', () => select(zeros([0, 2]), 0, 0), ShapeError, '[select] index 0 is out of range for dim 0 of size 0'],
    ['narrow a 0-d tensor', () => narrow(tensor(1), 0, 0, 1), ShapeError, '[narrow] cannot narrow a 0-d tensor'],
    ['split a 0-d tensor', () => split(tensor(1), 1), ShapeError, '[split] cannot split a 0-d tensor'],
    ['chunk a 0-d tensor', () => chunk(tensor(1), 1), ShapeError, '[chunk] cannot chunk a 0-d tensor'],
    ['indexAdd into a 0-d tensor', () => indexAdd(tensor(1), 0, i32([0]), ones([1])), ShapeError, '[indexAdd] the input must have at least 1 dim'],
    ['tensor() of a Uint16Array', () => tensor(any_(new Uint16Array([300, 0]))), DTypeError,
      '[tensor] unsupported typed array Uint16Array; use Float32Array, Float64Array, Int32Array or Uint8Array (bool)'],
    ['tensor() with a shape option for nested arrays', () => tensor([1, 2, 3, 4], { shape: [2, 2] }), ArgumentError,
      '[tensor] the shape option applies to typed arrays; reshape nested arrays instead'],
    ['backward with a non-Tensor gradient', () => tensor([1, 2], { requiresGrad: true }).mul(2).backward(any_([1, 1])), ArgumentError,
      '[backward] gradient must be a Tensor, got [1,1]'],
    ['randint past int32', () => randint(0, 2 ** 40, [3]), ArgumentError, '[randint] int32 values need -2^31 <= low and high <= 2^31, got low=0 high=1099511627776'],
    ['arange of 1e10 elements', () => arange(0, 1e10), ArgumentError, '[arange] would create 10000000000 elements (more than 2147483647)'],
    ['linspace to Infinity', () => linspace(0, Infinity, 3), ArgumentError, '[linspace] start and end must be finite numbers, got 0 and Infinity'],
    ['neg of a bool tensor', () => neg(tensor([true])), DTypeError, '[neg] negation is not supported on bool tensors; use logicalNot()'],
    ['clamp with a string bound', () => clamp(zeros([2]), any_('a')), ArgumentError, '[clamp] min must be a number, a Tensor or null, got "a"'],
    ['argmax with a non-boolean keepdim', () => argmax(zeros([2]), 0, any_('x')), ArgumentError, '[argmax] keepdim must be a boolean, got "x"'],
    ['zerosLike of a plain array', () => zerosLike(any_([1, 2])), ArgumentError, '[zerosLike] input must be a Tensor, got [1,2]'],
    ['logSoftmax of int32', () => logSoftmax(i32([1, 2]), 0), DTypeError, '[logSoftmax] needs a floating-point input, got int32'],
  ]);

  it('tensor() of mixed booleans and numbers is numeric (float32), booleans as 0/1', () => {
    for (const data of [[true, 2], [2, true]]) {
      const t = tensor(data as unknown as number[]);
      expect(t.dtype).toBe('float32');
    }
    expect(tensor([true, 2] as unknown as number[]).toArray()).toEqual([1, 2]);
  });

  it('where with two numbers gives a float32 tensor', () => {
    expect(where(tensor([true, false]), 1, 2).toArray()).toEqual([1, 2]);
  });

  it('argmax along a non-empty dim of a tensor with no elements is an empty index tensor', () => {
    expect(argmax(zeros([0, 3]), 1).shape).toEqual([0]);
    expect(argmin(zeros([2, 0]), 0).shape).toEqual([0]);
  });

  it('sum over an empty dim list reduces every dim, as in PyTorch', () => {
    expect(sum(ones([2, 3]), []).item()).toBe(6);
  });
});
