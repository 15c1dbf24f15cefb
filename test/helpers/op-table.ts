/**
 * The op spec table, registered by test/ops-spec*.test.ts once per backend: one row per public op and variant, checked against two oracles:
 * independent float64 references (test/helpers/reference.ts) for the forward pass in float64 and
 * float32, and numerical gradients (gradcheck and gradgradcheck) for the backward pass. Shapes and
 * values come from fast-check (test/helpers/spec-gen.ts); the runner is test/helpers/spec.ts.
 * Hand-computed cases that pin a semantic (ties, zeros, kinks, overflow) follow the table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, autograd, cat, clamp, cumprod, div, fold, unfold, gather, indexAdd, indexSelect, maskedFill, matmul, mm, bmm, outer, pow,
  scatterAdd, stack, sub, tensor, where, arange, zeros, ones, ShapeError, type Tensor,
} from '../../src/index.js';
import * as R from './reference.js';
import { numel, range, type Arr } from './reference.js';
import {
  awayFromZero, bits, broadcastInputs, dimCases, dimOf, distinct, distinctAbs, floats, grid, indices, inputOf,
  offJumps, oneInput, operandShape, parity, quartersWithZeros, reduceCases, reshapeTarget, shapes, uniform,
  type DimSpec, type ReduceAttrs, type Values,
} from './spec-gen.js';
import { row, specSuite, type Case, type OpRow, type SuiteOptions } from './spec.js';
import { cellRows } from './rnn-rows.js';
import { fusedRows } from './fused-rows.js';
import { attentionRows } from './attention-rows.js';

// ── row builders ────────────────────────────────────────────────────────────────────────────

type NoAttrs = Record<string, never>;

function unary(name: string, run: (x: Tensor) => Tensor, f: (x: number) => number, values: Values, more: Partial<OpRow<NoAttrs>> = {}): OpRow<NoAttrs> {
  return { name, cases: oneInput(values), run: ([x]) => run(x!), ref: ([x]) => R.map(x!, f), ...more };
}

function binary(
  name: string, run: (a: Tensor, b: Tensor) => Tensor, f: (a: number, b: number) => number,
  va: Values, vb: Values = va, more: Partial<OpRow<NoAttrs>> = {},
): OpRow<NoAttrs> {
  return { name, cases: broadcastInputs([va, vb]), run: ([a, b]) => run(a!, b!), ref: ([a, b]) => R.zip(a!, b!, f), ...more };
}

const DIM_LABEL: Record<DimSpec, string> = { all: 'all dims', one: 'one dim', several: 'several dims' };

/** Three rows per reduction: over all dims, one dim and several dims (keepdim generated). */
function reductionRows(
  name: string, run: (x: Tensor, a: ReduceAttrs) => Tensor, f: (v: number[]) => number, values: Values,
  more: Partial<OpRow<ReduceAttrs>> = {},
): OpRow<ReduceAttrs>[] {
  return (['all', 'one', 'several'] as const).map((which) => ({
    name: `${name}: ${DIM_LABEL[which]}`,
    cases: reduceCases(values, which),
    run: ([x], a) => run(x!, a),
    ref: ([x], a) => R.reduce(x!, a.dim, a.keepdim, f),
    ...more,
  }));
}

/** The number of elements each slice of a reduction holds. */
function reducedCount(shape: number[], dim: number | number[] | null): number {
  return numel(R.reducedDims(dim, shape.length).map((d) => shape[d]!));
}

type VarAttrs = ReduceAttrs & { correction: number };

function varianceRows(name: 'var' | 'std', sqrt: boolean): OpRow<VarAttrs>[] {
  return (['all', 'one', 'several'] as const).map((which) => ({
    name: `${name}: ${DIM_LABEL[which]}`,
    cases: reduceCases(distinct(-3, 3), which)
      .chain((c) => fc.constantFrom(0, 1).map((correction) => ({ ...c, attrs: { ...c.attrs, correction } })))
      .filter((c) => reducedCount(c.inputs[0]!.shape, c.attrs.dim) >= 2),
    run: ([x], { dim, keepdim, correction }) => (sqrt ? x!.std(dim, { correction, keepdim }) : x!.var(dim, { correction, keepdim })),
    ref: ([x], { dim, keepdim, correction }) => R.reduce(x!, dim, keepdim, (v) => (sqrt ? Math.sqrt(R.varOf(correction)(v)) : R.varOf(correction)(v))),
    tol32: { rtol: 1e-4 },
  }));
}

/** Cases of two float operands with the given shapes. */
function pairCases(shapePairs: fc.Arbitrary<number[][]>, values: Values): fc.Arbitrary<Case<NoAttrs>> {
  return shapePairs.chain((ss) => fc.tuple(...ss.map((s) => floats(s, values)))).map((inputs) => ({ inputs, attrs: {} }));
}

const size = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
const withDim = (shape: number[], d: number, n: number) => shape.map((s, k) => (k === d ? n : s));
const nd = (x: Tensor | Arr) => x.shape.length;

// ── elementwise unary ───────────────────────────────────────────────────────────────────────

const unaryRows: OpRow[] = [
  unary('neg', (x) => x.neg(), (x) => -x, uniform(-3, 3)),
  unary('exp', (x) => x.exp(), Math.exp, uniform(-3, 3)),
  unary('log', (x) => x.log(), Math.log, uniform(0.5, 3)),
  unary('log1p', (x) => x.log1p(), Math.log1p, uniform(-0.5, 3)),
  unary('expm1', (x) => x.expm1(), Math.expm1, uniform(-3, 3)),
  unary('sqrt', (x) => x.sqrt(), Math.sqrt, uniform(0.5, 3)),
  unary('rsqrt', (x) => x.rsqrt(), (x) => 1 / Math.sqrt(x), uniform(0.5, 3)),
  unary('abs', (x) => x.abs(), Math.abs, uniform(-3, 3), { gradCases: oneInput(awayFromZero(0.05, 3)) }),
  unary('sign', (x) => x.sign(), R.sign, grid(-2, 2, 4), { gradCases: oneInput(awayFromZero(0.05, 3)) }),
  unary('sin', (x) => x.sin(), Math.sin, uniform(-3, 3)),
  unary('cos', (x) => x.cos(), Math.cos, uniform(-3, 3)),
  unary('tanh', (x) => x.tanh(), Math.tanh, uniform(-3, 3)),
  unary('sigmoid', (x) => x.sigmoid(), R.sigmoid, uniform(-4, 4)),
  unary('relu', (x) => x.relu(), R.relu, uniform(-3, 3), { gradCases: oneInput(awayFromZero(0.05, 3)) }),
  unary('erf', (x) => x.erf(), R.erf, uniform(-2.5, 2.5)),
  unary('square', (x) => x.square(), (x) => x * x, uniform(-3, 3)),
  unary('reciprocal', (x) => x.reciprocal(), (x) => 1 / x, awayFromZero(0.5, 3)),
  unary('floor', (x) => x.floor(), Math.floor, grid(-3, 3, 4), { gradCases: oneInput(offJumps(-3, 3)) }),
  unary('ceil', (x) => x.ceil(), Math.ceil, grid(-3, 3, 4), { gradCases: oneInput(offJumps(-3, 3)) }),
  unary('round', (x) => x.round(), R.roundHalfEven, grid(-3, 3, 4), { gradCases: oneInput(offJumps(-3, 3)) }),
];

// ── elementwise binary ──────────────────────────────────────────────────────────────────────

const POW_EXPONENTS = [2, 3, -1, 0.5, -2.5, 0, 1];

const binaryRows: OpRow[] = [
  binary('add: broadcast', (a, b) => a.add(b), (a, b) => a + b, uniform(-3, 3)),
  binary('add: alpha', (a, b) => a.add(b, { alpha: 2.5 }), (a, b) => a + 2.5 * b, uniform(-3, 3)),
  unary('add: tensor + number', (x) => x.add(1.25), (x) => x + 1.25, uniform(-3, 3)),
  unary('add: number + tensor', (x) => add(-2, x), (x) => -2 + x, uniform(-3, 3)),
  binary('sub: broadcast', (a, b) => a.sub(b), (a, b) => a - b, uniform(-3, 3)),
  binary('sub: alpha', (a, b) => a.sub(b, { alpha: -0.5 }), (a, b) => a + 0.5 * b, uniform(-3, 3)),
  unary('sub: number - tensor', (x) => sub(2.5, x), (x) => 2.5 - x, uniform(-3, 3)),
  binary('mul: broadcast', (a, b) => a.mul(b), (a, b) => a * b, uniform(-3, 3)),
  unary('mul: tensor * number', (x) => x.mul(-1.5), (x) => -1.5 * x, uniform(-3, 3)),
  binary('div: broadcast', (a, b) => a.div(b), (a, b) => a / b, uniform(-3, 3), awayFromZero(0.5, 3)),
  unary('div: tensor / number', (x) => x.div(4), (x) => x / 4, uniform(-3, 3)),
  unary('div: number / tensor', (x) => div(1.5, x), (x) => 1.5 / x, awayFromZero(0.5, 3)),
  // gradient cases keep the exponent off 0, where PyTorch (and nabla) mask d/da to exactly 0, so that
  // the mixed second derivative d²/da·db = 1/a is lost there by convention
  binary('pow: tensor exponent (broadcast)', (a, b) => a.pow(b), Math.pow, uniform(0.5, 2.5), uniform(-2, 2), {
    gradCases: broadcastInputs([uniform(0.5, 2.5), awayFromZero(0.05, 2)]),
  }),
  unary('pow: number base', (x) => pow(2, x), (x) => Math.pow(2, x), uniform(-2, 2)),
  row<{ exponent: number }>({
    name: 'pow: number exponent',
    cases: fc.record({ c: oneInput(uniform(0.5, 2.5)), exponent: fc.constantFrom(...POW_EXPONENTS) }).map(({ c, exponent }) => ({ ...c, attrs: { exponent } })),
    run: ([x], { exponent }) => x!.pow(exponent),
    ref: ([x], { exponent }) => R.map(x!, (v) => Math.pow(v, exponent)),
  }),
  row<{ exponent: number }>({
    name: 'pow: negative base, integer number exponent',
    cases: fc.record({ c: oneInput(awayFromZero(0.3, 2)), exponent: fc.constantFrom(2, 3, -1, -2) }).map(({ c, exponent }) => ({ ...c, attrs: { exponent } })),
    run: ([x], { exponent }) => x!.pow(exponent),
    ref: ([x], { exponent }) => R.map(x!, (v) => Math.pow(v, exponent)),
  }),
  binary('maximum: broadcast, no ties', (a, b) => a.maximum(b), Math.max, parity(-3, 3, 0), parity(-3, 3, 1)),
  binary('minimum: broadcast, no ties', (a, b) => a.minimum(b), Math.min, parity(-3, 3, 0), parity(-3, 3, 1)),
  unary('maximum: tensor, number', (x) => x.maximum(0.25), (x) => Math.max(x, 0.25), parity(-3, 3, 0)),
  unary('minimum: tensor, number', (x) => x.minimum(-0.25), (x) => Math.min(x, -0.25), parity(-3, 3, 0)),
];

// ── comparisons (forward only, bool result) ─────────────────────────────────────────────────

const COMPARISONS: [string, (a: number, b: number) => boolean][] = [
  ['eq', (a, b) => a === b], ['ne', (a, b) => a !== b], ['lt', (a, b) => a < b],
  ['le', (a, b) => a <= b], ['gt', (a, b) => a > b], ['ge', (a, b) => a >= b],
];
type CmpName = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

const comparisonRows: OpRow[] = COMPARISONS.flatMap(([op, f]) => [
  binary(`${op}: broadcast, with ties`, (a, b) => a[op as CmpName](b), (a, b) => (f(a, b) ? 1 : 0), grid(-1, 1, 2), grid(-1, 1, 2), { out: 'bool', grad: false }),
  unary(`${op}: tensor, number`, (x) => x[op as CmpName](0.5), (x) => (f(x, 0.5) ? 1 : 0), grid(-1, 1, 2), { out: 'bool', grad: false }),
]);

// ── where, maskedFill, clamp ────────────────────────────────────────────────────────────────

/** Cases of a float input and a bool mask that broadcasts to it (plus more inputs from `extra`). */
function maskCases(extra: fc.Arbitrary<Case<NoAttrs>['inputs']> = fc.constant([])): fc.Arbitrary<Case<NoAttrs>> {
  return shapes().chain((s) => fc.tuple(floats(s, uniform(-3, 3)), operandShape(s).chain((ms) => inputOf('bool', ms, bits)), extra))
    .map(([x, mask, more]) => ({ inputs: [x, mask, ...more], attrs: {} }));
}

const selectionRows: OpRow[] = [
  row<NoAttrs>({
    name: 'where: condition, tensor, tensor (broadcast)',
    cases: broadcastInputs([bits, uniform(-3, 3), uniform(-3, 3)], ['bool', 'float', 'float']),
    run: ([c, a, b]) => where(c!, a!, b!),
    ref: ([c, a, b]) => R.zip3(c!, a!, b!, (ci, ai, bi) => (ci ? ai : bi)),
  }),
  row<NoAttrs>({
    name: 'where: Tensor.where with a number',
    cases: broadcastInputs([bits, uniform(-3, 3)], ['bool', 'float']),
    run: ([c, a]) => a!.where(c!, -1.5),
    ref: ([c, a]) => R.zip(c!, a!, (ci, ai) => (ci ? ai : -1.5)),
  }),
  row<NoAttrs>({
    name: 'maskedFill: number value, broadcast mask',
    cases: maskCases(),
    run: ([x, m]) => x!.maskedFill(m!, -2.5),
    ref: ([x, m]) => R.zip(x!, m!, (xi, mi) => (mi ? -2.5 : xi)),
  }),
  row<NoAttrs>({
    name: 'maskedFill: 0-d tensor value',
    cases: maskCases(floats([], uniform(-3, 3)).map((v) => [v])),
    run: ([x, m, v]) => maskedFill(x!, m!, v!),
    ref: ([x, m, v]) => R.zip(x!, m!, (xi, mi) => (mi ? v!.data[0]! : xi)),
  }),
  // x on even hundredths, bounds on odd ones: never equal, so the gradient is defined
  unary('clamp: min only', (x) => x.clamp(-0.51), (x) => R.clampScalar(x, -0.51, null), parity(-3, 3, 0)),
  unary('clamp: max only', (x) => x.clamp(null, 0.49), (x) => R.clampScalar(x, null, 0.49), parity(-3, 3, 0)),
  unary('clamp: min and max', (x) => x.clamp(-0.51, 0.49), (x) => R.clampScalar(x, -0.51, 0.49), parity(-3, 3, 0)),
  row<NoAttrs>({
    name: 'clamp: tensor bounds (broadcast)',
    cases: broadcastInputs([parity(-3, 3, 0), parity(-3, -0.5, 1), parity(0.5, 3, 1)]),
    run: ([x, lo, hi]) => clamp(x!, lo!, hi!),
    ref: ([x, lo, hi]) => R.zip3(x!, lo!, hi!, R.clampScalar),
  }),
];

// ── reductions ──────────────────────────────────────────────────────────────────────────────

const NORM_PS = [1, 2, 3, Infinity];

const reductionTableRows: OpRow[] = [
  ...reductionRows('sum', (x, { dim, keepdim }) => x.sum(dim, keepdim), R.sumOf, uniform(-3, 3)),
  ...reductionRows('mean', (x, { dim, keepdim }) => x.mean(dim, keepdim), R.meanOf, uniform(-3, 3)),
  ...reductionRows('max', (x, { dim, keepdim }) => x.max(dim, keepdim), R.maxOf, distinct(-3, 3)),
  ...reductionRows('min', (x, { dim, keepdim }) => x.min(dim, keepdim), R.minOf, distinct(-3, 3)),
  // about one element in four is 0: slices with no zero, one zero and several zeros all occur
  ...reductionRows('prod', (x, { dim, keepdim }) => x.prod(dim, keepdim), R.prodOf, quartersWithZeros(-2, 2), { tol32: { rtol: 1e-4 }, runs: { grad: 25, gradgrad: 15 } }),
  ...varianceRows('var', false),
  ...varianceRows('std', true),
  ...reductionRows('logsumexp', (x, { dim, keepdim }) => x.logsumexp(dim ?? range(nd(x)), keepdim), R.logsumexpOf, uniform(-3, 3)),
  ...NORM_PS.flatMap((p) => reductionRows(
    `norm p=${p}`, (x, { dim, keepdim }) => x.norm(p, dim ?? undefined, keepdim), R.normOf(p),
    p === Infinity ? distinctAbs(0.05, 3) : awayFromZero(0.05, 3), { tol32: { rtol: 1e-4 } },
  )),
  row<{ dim: number }>({
    name: 'softmax: each dim, negative dims',
    cases: dimCases(uniform(-3, 3), 0),
    run: ([x], { dim }) => x!.softmax(dim),
    ref: ([x], { dim }) => R.alongDim(x!, dim, R.softmaxOf),
  }),
  row<{ dim: number }>({
    name: 'logSoftmax: each dim, negative dims',
    cases: dimCases(uniform(-3, 3), 0),
    run: ([x], { dim }) => x!.logSoftmax(dim),
    ref: ([x], { dim }) => R.alongDim(x!, dim, R.logSoftmaxOf),
  }),
  row<{ dim: number }>({
    name: 'cumsum: each dim, negative dims',
    cases: dimCases(uniform(-3, 3), 0),
    run: ([x], { dim }) => x!.cumsum(dim),
    ref: ([x], { dim }) => R.alongDim(x!, dim, R.cumsumOf),
  }),
  // quarters with zeros: the doubling scan must keep exact gradients of every order at 0
  row<{ dim: number }>({
    name: 'cumprod: each dim, negative dims, with zeros',
    cases: dimCases(quartersWithZeros(-2, 2), 0),
    run: ([x], { dim }) => cumprod(x!, dim),
    ref: ([x], { dim }) => R.alongDim(x!, dim, R.cumprodOf),
  }),
  // halves in [-2, 2]: ties are frequent; PyTorch returns the first index of the extreme
  unary('argmax: flattened, with ties', (x) => x.argmax(), (x) => x, grid(-2, 2, 2), {
    out: 'int32', grad: false, ref: ([x]) => R.reduce(x!, null, false, R.argmaxOf),
  }),
  unary('argmin: flattened, with ties', (x) => x.argmin(), (x) => x, grid(-2, 2, 2), {
    out: 'int32', grad: false, ref: ([x]) => R.reduce(x!, null, false, R.argminOf),
  }),
  row<ReduceAttrs>({
    name: 'argmax: one dim, with ties',
    cases: reduceCases(grid(-2, 2, 2), 'one'),
    run: ([x], { dim, keepdim }) => x!.argmax(dim as number, keepdim),
    ref: ([x], { dim, keepdim }) => R.reduce(x!, dim, keepdim, R.argmaxOf),
    out: 'int32',
    grad: false,
  }),
  row<ReduceAttrs>({
    name: 'argmin: one dim, with ties',
    cases: reduceCases(grid(-2, 2, 2), 'one'),
    run: ([x], { dim, keepdim }) => x!.argmin(dim as number, keepdim),
    ref: ([x], { dim, keepdim }) => R.reduce(x!, dim, keepdim, R.argminOf),
    out: 'int32',
    grad: false,
  }),
  ...reductionRows('any', (x, { dim, keepdim }) => x.any(dim, keepdim), R.anyOf, grid(-1, 1, 2), { out: 'bool', grad: false }),
  ...reductionRows('all', (x, { dim, keepdim }) => x.all(dim, keepdim), R.allOf, grid(-1, 1, 2), { out: 'bool', grad: false }),
];

// ── linear algebra ──────────────────────────────────────────────────────────────────────────

function matmulRow(name: string, shapePairs: fc.Arbitrary<number[][]>, run = (a: Tensor, b: Tensor) => matmul(a, b), more: Partial<OpRow<NoAttrs>> = {}): OpRow<NoAttrs> {
  return { name, cases: pairCases(shapePairs, uniform(-2, 2)), run: ([a, b]) => run(a!, b!), ref: ([a, b]) => R.matmul(a!, b!), tol32: { rtol: 1e-4 }, ...more };
}

/** Batched operands [...batchA, m, k] and [...batchB, k, n] whose batch dims broadcast. */
const batchedPairs = shapes({ minRank: 1, maxRank: 2, maxDim: 3, maxNumel: 6 })
  .chain((batch) => fc.tuple(operandShape(batch), operandShape(batch), size(1, 3), size(1, 3), size(1, 3)))
  .map(([ba, bb, m, k, n]) => [[...ba, m, k], [...bb, k, n]])
  .filter(([a, b]) => numel(a!) <= 12 && numel(b!) <= 12);

const linalgRows: OpRow[] = [
  matmulRow('matmul: 1-d · 1-d', size(1, 6).map((k) => [[k], [k]])),
  matmulRow('matmul: 1-d · 2-d', fc.tuple(size(1, 4), size(1, 3)).map(([k, n]) => [[k], [k, n]])),
  matmulRow('matmul: 2-d · 1-d', fc.tuple(size(1, 3), size(1, 4)).map(([m, k]) => [[m, k], [k]])),
  matmulRow('matmul: 2-d · 2-d', fc.tuple(size(1, 3), size(1, 3), size(1, 3)).map(([m, k, n]) => [[m, k], [k, n]])),
  matmulRow('matmul: batched, broadcast batch dims', batchedPairs),
  matmulRow('matmul: 1-d · batched', fc.tuple(size(1, 2), size(1, 3), size(1, 2)).map(([b, k, n]) => [[k], [b, k, n]])),
  matmulRow('matmul: batched · 1-d', fc.tuple(size(1, 2), size(1, 2), size(1, 3)).map(([b, m, k]) => [[b, m, k], [k]])),
  matmulRow('matmul: [2,1,3,4] · [5,4,2]', fc.constant([[2, 1, 3, 4], [5, 4, 2]]), undefined, { runs: { forward: 5, grad: 2, gradgrad: 1 } }),
  matmulRow('mm', fc.tuple(size(1, 3), size(1, 3), size(1, 3)).map(([m, k, n]) => [[m, k], [k, n]]), (a, b) => mm(a, b)),
  matmulRow('bmm', fc.tuple(size(1, 2), size(1, 2), size(1, 3), size(1, 2)).map(([b, m, k, n]) => [[b, m, k], [b, k, n]]), (a, b) => bmm(a, b)),
  row<NoAttrs>({
    name: 'outer',
    cases: pairCases(fc.tuple(size(1, 4), size(1, 3)).map(([m, n]) => [[m], [n]]), uniform(-2, 2)),
    run: ([a, b]) => outer(a!, b!),
    ref: ([a, b]) => R.outer(a!, b!),
  }),
  unary('t: 0-d, 1-d and 2-d', (x) => x.t(), (x) => x, uniform(-3, 3), {
    cases: oneInput(uniform(-3, 3), shapes({ maxRank: 2 })),
    ref: ([x]) => (nd(x!) < 2 ? x! : R.transpose(x!, 0, 1)),
  }),
];

// ── shapes and indexing ─────────────────────────────────────────────────────────────────────

/** Cases of one float input of a generated shape and attributes that depend on the shape. */
function shapedCases<A>(shape: fc.Arbitrary<number[]>, attrs: (s: number[]) => fc.Arbitrary<A>, values: Values = uniform(-3, 3)): fc.Arbitrary<Case<A>> {
  return shape.chain((s) => fc.tuple(floats(s, values), attrs(s))).map(([x, a]) => ({ inputs: [x], attrs: a }));
}

/** A shape row: one float input, attributes from the shape, a reference. */
function shapeRow<A>(name: string, shape: fc.Arbitrary<number[]>, attrs: (s: number[]) => fc.Arbitrary<A>, run: (x: Tensor, a: A) => Tensor | Tensor[], ref: (x: Arr, a: A) => Arr | Arr[]): OpRow<A> {
  return { name, cases: shapedCases(shape, attrs), run: ([x], a) => run(x!, a), ref: ([x], a) => ref(x!, a) };
}

/** A window geometry that fits an h×w image. */
function windowOf(h: number, w: number): fc.Arbitrary<R.Win> {
  const pair = (lo: number, hi: number) => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));
  return fc.record({ kernel: pair(1, 3), stride: pair(1, 2), padding: pair(0, 1), dilation: pair(1, 2) })
    .filter((win) => [0, 1].every((d) => (d === 0 ? h : w) + 2 * win.padding[d]! - win.dilation[d]! * (win.kernel[d]! - 1) - 1 >= 0)) as fc.Arbitrary<R.Win>;
}

/** unfold and fold on small images with every window option. */
function windowRows(): OpRow<R.Win & { size: [number, number] }>[] {
  const images = fc.tuple(size(1, 2), size(1, 2), size(2, 4), size(2, 4));
  const unfoldCases = images.chain(([n, c, h, w]) => fc.tuple(floats([n, c, h, w], uniform(-3, 3)), windowOf(h, w)))
    .map(([x, win]) => ({ inputs: [x], attrs: { ...win, size: [x.shape[2]!, x.shape[3]!] as [number, number] } }));
  const foldCases = images.chain(([n, c, h, w]) => windowOf(h, w).chain((win) => {
    const positions = [0, 1].map((d) => Math.floor(((d === 0 ? h : w) + 2 * win.padding[d]! - win.dilation[d]! * (win.kernel[d]! - 1) - 1) / win.stride[d]!) + 1);
    return floats([n, c * win.kernel[0] * win.kernel[1], positions[0]! * positions[1]!], uniform(-3, 3)).map((x) => ({ inputs: [x], attrs: { ...win, size: [h, w] as [number, number] } }));
  }));
  return [
    { name: 'unfold: kernel, stride, padding, dilation', cases: unfoldCases, run: ([x], a) => unfold(x!, a.kernel, a), ref: ([x], a) => R.unfold(x!, a) },
    { name: 'fold: kernel, stride, padding, dilation', cases: foldCases, run: ([x], a) => fold(x!, a.size, a.kernel, a), ref: ([x], a) => R.fold(x!, a.size, a) },
  ];
}

/** A permutation of 0..n-1, each entry possibly written as a negative dim. */
const permutationOf = (n: number) => fc.shuffledSubarray(range(n), { minLength: n, maxLength: n })
  .chain((ds) => fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((negs) => ds.map((d, i) => (negs[i] ? d - n : d))));

/** One or more distinct dims, possibly negative. */
const someDims = (n: number) => fc.shuffledSubarray(range(n), { minLength: 1 })
  .chain((ds) => fc.array(fc.boolean(), { minLength: ds.length, maxLength: ds.length }).map((negs) => ds.map((d, i) => (negs[i] ? d - n : d))));

const nonContiguous = shapes({ minRank: 2, minDim: 2 });

/** Expand targets: a shape `out` and an input shape that broadcasts to it; -1 where a dim is kept. */
const expandCases = (withInferred: boolean): fc.Arbitrary<Case<{ sizes: number[] }>> => shapes().chain((out) =>
  operandShape(out).chain((inShape) => fc.tuple(
    floats(inShape, uniform(-3, 3)),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }).map((keep) => out.map((s, d) => {
      const own = inShape[d - (out.length - inShape.length)];
      return withInferred && keep[d] && own === s ? -1 : s;
    })),
  ))).map(([x, sizes]) => ({ inputs: [x], attrs: { sizes } }));

/** Cases of 2-3 float inputs that agree outside `dim` (for cat). */
const catCases = shapes({ minRank: 1, maxNumel: 8, maxDim: 3 })
  .chain((s) => fc.tuple(dimOf(s.length), fc.array(size(1, 3), { minLength: 2, maxLength: 3 })).chain(([dim, sizes]) =>
    fc.tuple(...sizes.map((n) => floats(withDim(s, R.normDim(dim, s.length), n), uniform(-3, 3)))).map((inputs) => ({ inputs, attrs: { dim } }))));

const stackCases = shapes({ maxRank: 2, maxNumel: 6 })
  .chain((s) => fc.tuple(fc.integer({ min: -(s.length + 1), max: s.length }), fc.array(fc.constant(s), { minLength: 2, maxLength: 3 })).chain(([dim, ss]) =>
    fc.tuple(...ss.map((si) => floats(si, uniform(-3, 3)))).map((inputs) => ({ inputs, attrs: { dim } }))));

/** Cut points of n into sections (empty sections allowed). */
const sectionsOf = (n: number) => fc.array(size(0, n), { maxLength: 3 }).map((cuts) => {
  const points = [0, ...cuts.sort((a, b) => a - b), n];
  return points.slice(1).map((p, i) => p - points[i]!);
});

/** gather/scatterAdd: an index shaped like x but at most x's size outside dim, any size (1-3) along dim. */
const gatherCases = shapes({ minRank: 1, maxNumel: 8, maxDim: 3 }).chain((s) => dimOf(s.length).chain((dim) => {
  const d = R.normDim(dim, s.length);
  return fc.tuple(...s.map((sz, k) => (k === d ? size(1, 3) : size(1, sz)))).chain((is) =>
    fc.tuple(floats(s, uniform(-3, 3)), inputOf('int32', is, indices(s[d]!)), fc.constant(dim), fc.constant(is)));
}));

/** scatterAdd: src shaped like index, or larger than index in at least one dim. */
const scatterAddCases = (larger: boolean) => gatherCases.chain(([x, index, dim, is]) =>
  fc.tuple(...is.map((n) => size(n, larger ? n + 1 : n))).filter((ss) => !larger || ss.some((n, k) => n > is[k]!))
    .chain((srcShape) => floats(srcShape, uniform(-3, 3)))
    .map((src) => ({ inputs: [x, index, src], attrs: { dim } })));

const indexAddCases = shapes({ minRank: 1, maxNumel: 8, maxDim: 3 }).chain((s) => fc.tuple(dimOf(s.length), size(1, 4)).chain(([dim, n]) => {
  const d = R.normDim(dim, s.length);
  return fc.tuple(floats(s, uniform(-3, 3)), inputOf('int32', [n], indices(s[d]!)), floats(withDim(s, d, n), uniform(-3, 3)))
    .map((inputs) => ({ inputs, attrs: { dim } }));
}));

const indexSelectCases = shapes({ minRank: 1 }).chain((s) => fc.tuple(dimOf(s.length), size(1, 4)).chain(([dim, n]) =>
  fc.tuple(floats(s, uniform(-3, 3)), inputOf('int32', [n], indices(s[R.normDim(dim, s.length)]!))).map((inputs) => ({ inputs, attrs: { dim } }))));

const shapeRows: OpRow[] = [
  shapeRow('reshape: contiguous input, -1 inferred', shapes(), (s) => reshapeTarget(numel(s)).map((shape) => ({ shape })),
    (x, { shape }) => x.reshape(shape), (x, { shape }) => R.reshape(x, shape)),
  shapeRow('reshape: non-contiguous input (copies)', nonContiguous, (s) => reshapeTarget(numel(s)).map((shape) => ({ shape })),
    (x, { shape }) => x.transpose(0, -1).reshape(shape), (x, { shape }) => R.reshape(R.transpose(x, 0, -1), shape)),
  { ...shapeRow('view: contiguous input', shapes(), (s) => reshapeTarget(numel(s)).map((shape) => ({ shape })),
    (x, { shape }) => x.view(shape), (x, { shape }) => R.reshape(x, shape)), nonContiguous: false },
  shapeRow('flatten: startDim..endDim', shapes(), (s) => fc.tuple(dimOf(Math.max(s.length, 1)), dimOf(Math.max(s.length, 1)))
    .filter(([a, b]) => s.length === 0 || R.normDim(a, s.length) <= R.normDim(b, s.length)).map(([start, end]) => ({ start, end })),
  (x, { start, end }) => x.flatten(start, end), (x, { start, end }) => R.flatten(x, start, end)),
  shapeRow('permute', shapes(), (s) => permutationOf(s.length).map((dims) => ({ dims })),
    (x, { dims }) => x.permute(dims), (x, { dims }) => R.permute(x, dims)),
  shapeRow('transpose', shapes({ minRank: 1 }), (s) => fc.tuple(dimOf(s.length), dimOf(s.length)).map(([d0, d1]) => ({ d0, d1 })),
    (x, { d0, d1 }) => x.transpose(d0, d1), (x, { d0, d1 }) => R.transpose(x, d0, d1)),
  row<{ sizes: number[] }>({ name: 'expand: size-1 and new dims, -1 keeps a dim', cases: expandCases(true),
    run: ([x], { sizes }) => x!.expand(sizes), ref: ([x], { sizes }) => R.expand(x!, sizes) }),
  row<{ sizes: number[] }>({ name: 'broadcastTo', cases: expandCases(false),
    run: ([x], { sizes }) => x!.broadcastTo(sizes), ref: ([x], { sizes }) => R.expand(x!, sizes) }),
  shapeRow('squeeze: all, one dim or several dims', shapes({ maxDim: 2 }), (s) => fc.oneof(
    fc.constant(null), dimOf(Math.max(s.length, 1)), s.length === 0 ? fc.constant(null) : someDims(s.length),
  ).map((dim) => ({ dim })),
  (x, { dim }) => (dim === null ? x.squeeze() : x.squeeze(dim)), (x, { dim }) => R.squeeze(x, dim ?? undefined)),
  shapeRow('unsqueeze', shapes(), (s) => fc.integer({ min: -s.length - 1, max: s.length }).map((dim) => ({ dim })),
    (x, { dim }) => x.unsqueeze(dim), (x, { dim }) => R.unsqueeze(x, dim)),
  row<{ dim: number }>({ name: 'cat: 2-3 tensors along any dim', cases: catCases,
    run: (xs, { dim }) => cat(xs, dim), ref: (xs, { dim }) => R.cat(xs, dim) }),
  row<{ dim: number }>({ name: 'stack: 2-3 tensors at any dim', cases: stackCases,
    run: (xs, { dim }) => stack(xs, dim), ref: (xs, { dim }) => R.stack(xs, dim) }),
  shapeRow('split: by size', shapes({ minRank: 1 }), (s) => fc.tuple(dimOf(s.length), size(1, 4)).map(([dim, n]) => ({ dim, n })),
    (x, { dim, n }) => x.split(n, dim), (x, { dim, n }) => R.split(x, n, dim)),
  shapeRow('split: by sections (empty ones included)', shapes({ minRank: 1 }),
    (s) => dimOf(s.length).chain((dim) => sectionsOf(s[R.normDim(dim, s.length)]!).map((sections) => ({ dim, sections }))),
    (x, { dim, sections }) => x.split(sections, dim), (x, { dim, sections }) => R.split(x, sections, dim)),
  shapeRow('chunk', shapes({ minRank: 1 }), (s) => fc.tuple(dimOf(s.length), size(1, 4)).map(([dim, chunks]) => ({ dim, chunks })),
    (x, { dim, chunks }) => x.chunk(chunks, dim), (x, { dim, chunks }) => R.chunk(x, chunks, dim)),
  shapeRow('narrow: negative start, zero length', shapes({ minRank: 1 }), (s) => dimOf(s.length).chain((dim) => {
    const n = s[R.normDim(dim, s.length)]!;
    return fc.integer({ min: -n, max: n }).chain((start) => size(0, n - (start < 0 ? start + n : start)).map((length) => ({ dim, start, length })));
  }), (x, { dim, start, length }) => x.narrow(dim, start, length), (x, { dim, start, length }) => R.narrow(x, dim, start, length)),
  shapeRow('slice: step > 1, negative and out-of-range start/end', shapes({ minRank: 1 }), (s) => dimOf(s.length).chain((dim) => {
    const n = s[R.normDim(dim, s.length)]!;
    const bound = fc.option(fc.integer({ min: -n - 2, max: n + 2 }));
    return fc.record({ dim: fc.constant(dim), start: bound, end: bound, step: size(1, 3) });
  }), (x, { dim, start, end, step }) => x.slice(dim, start, end, step), (x, { dim, start, end, step }) => R.slice(x, dim, start, end, step)),
  shapeRow('select: negative index', shapes({ minRank: 1 }), (s) => dimOf(s.length).chain((dim) => {
    const n = s[R.normDim(dim, s.length)]!;
    return fc.integer({ min: -n, max: n - 1 }).map((index) => ({ dim, index }));
  }), (x, { dim, index }) => x.select(dim, index), (x, { dim, index }) => R.select(x, dim, index)),
  row<{ dim: number }>({ name: 'indexSelect: repeated indices', cases: indexSelectCases,
    run: ([x, i], { dim }) => indexSelect(x!, dim, i!), ref: ([x, i], { dim }) => R.indexSelect(x!, dim, i!.data) }),
  row<{ dim: number }>({ name: 'gather', cases: gatherCases.map(([x, index, dim]) => ({ inputs: [x, index], attrs: { dim } })),
    run: ([x, i], { dim }) => gather(x!, dim, i!), ref: ([x, i], { dim }) => R.gather(x!, dim, i!) }),
  row<{ dim: number }>({ name: 'scatterAdd: repeated indices accumulate', cases: scatterAddCases(false),
    run: ([x, i, src], { dim }) => scatterAdd(x!, dim, i!, src!), ref: ([x, i, src], { dim }) => R.scatterAdd(x!, dim, i!, src!) }),
  // src may be larger than index (only the part index covers is added): the rest of src gets gradient 0
  row<{ dim: number }>({ name: 'scatterAdd: src larger than index', cases: scatterAddCases(true),
    run: ([x, i, src], { dim }) => scatterAdd(x!, dim, i!, src!), ref: ([x, i, src], { dim }) => R.scatterAdd(x!, dim, i!, src!) }),
  row<{ dim: number }>({ name: 'indexAdd: repeated indices accumulate', cases: indexAddCases,
    run: ([x, i, src], { dim }) => indexAdd(x!, dim, i!, src!), ref: ([x, i, src], { dim }) => R.indexAdd(x!, dim, i!.data, src!) }),
  shapeRow('pad: last dim, constant value', shapes({ minRank: 1, maxNumel: 8 }),
    () => fc.record({ pads: fc.array(size(0, 2), { minLength: 2, maxLength: 2 }), value: grid(-2, 2, 4)(1).map(([v]) => v!) }),
    (x, { pads, value }) => x.pad(pads, value), (x, { pads, value }) => R.pad(x, pads, value)),
  shapeRow('pad: last two dims, constant value', shapes({ minRank: 2, maxNumel: 8 }),
    () => fc.record({ pads: fc.array(size(0, 2), { minLength: 4, maxLength: 4 }), value: grid(-2, 2, 4)(1).map(([v]) => v!) }),
    (x, { pads, value }) => x.pad(pads, value), (x, { pads, value }) => R.pad(x, pads, value)),
  ...windowRows(),
  shapeRow('flip: one or several dims', shapes({ minRank: 1 }), (s) => someDims(s.length).map((dims) => ({ dims })),
    (x, { dims }) => x.flip(dims), (x, { dims }) => R.flip(x, dims)),
  shapeRow('repeat: extra leading dims', shapes({ maxRank: 2, maxNumel: 6 }),
    (s) => fc.integer({ min: s.length, max: s.length + 1 }).chain((n) => fc.array(size(1, 3), { minLength: n, maxLength: n }))
      .filter((sizes) => numel(sizes) * numel(s) <= 24).map((sizes) => ({ sizes })),
    (x, { sizes }) => x.repeat(sizes), (x, { sizes }) => R.repeat(x, sizes)),
  shapeRow('tril: diagonal -2..2, batched', shapes({ minRank: 2 }), () => fc.integer({ min: -2, max: 2 }).map((diagonal) => ({ diagonal })),
    (x, { diagonal }) => x.tril(diagonal), (x, { diagonal }) => R.triangle(x, diagonal, true)),
  shapeRow('triu: diagonal -2..2, batched', shapes({ minRank: 2 }), () => fc.integer({ min: -2, max: 2 }).map((diagonal) => ({ diagonal })),
    (x, { diagonal }) => x.triu(diagonal), (x, { diagonal }) => R.triangle(x, diagonal, false)),
  unary('contiguous: of a transposed view', (x) => x.transpose(0, -1).contiguous(), (x) => x, uniform(-3, 3), {
    cases: oneInput(uniform(-3, 3), shapes({ minRank: 1 })), ref: ([x]) => R.transpose(x!, 0, -1),
  }),
  unary('clone', (x) => x.clone(), (x) => x, uniform(-3, 3)),
  unary('to: float32', (x) => x.to('float32'), Math.fround, uniform(-3, 3), { out: 'float32', gradcheck: { eps: 1e-3 } }),
  unary('to: float64', (x) => x.to('float64'), (x) => x, uniform(-3, 3), { out: 'float64' }),
  unary('to: int32 (truncates)', (x) => x.to('int32'), R.toInt32, grid(-3, 3, 4), { out: 'int32', grad: false }),
  unary('to: bool', (x) => x.to('bool'), R.toBool, grid(-1, 1, 2), { out: 'bool', grad: false }),
];

/** Every row of the table (test/browser/page.ts runs a subset of them in a browser page). */
export function opTableRows(): OpRow[] {
  return [...unaryRows, ...binaryRows, ...comparisonRows, ...selectionRows, ...reductionTableRows, ...linalgRows, ...shapeRows, ...cellRows, ...fusedRows, ...attentionRows];
}

/** Registers the whole op spec table and the pinned hand-computed cases (run once per backend). */
export function defineOpTable(options: SuiteOptions = {}): void {
  specSuite(opTableRows(), options);
  pinnedSemantics();
}

// ── pinned semantics (hand-computed) ────────────────────────────────────────────────────────

const f64 = (data: number | number[] | number[][]) => tensor(data, { dtype: 'float64', requiresGrad: true });

/** Nested arrays with -0 turned into 0 (toEqual tells them apart; PyTorch does not pin the sign of a zero gradient). */
const plain = (v: unknown): unknown => (Array.isArray(v) ? v.map(plain) : typeof v === 'number' ? v + 0 : v);

/** The gradients of sum(f(...xs)) w.r.t. xs, as nested arrays. */
function gradsOf(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): unknown[] {
  return autograd.grad(f(...xs).sum(), xs).map((g) => plain(g!.toArray()));
}

/** Row `i` of the Hessian of the scalar f at x (by double backward). */
function hessianRow(f: (x: Tensor) => Tensor, x: Tensor, i: number): number[] {
  const [g] = autograd.grad(f(x), [x], { createGraph: true });
  const [h] = autograd.grad(g!.flatten().select(0, i), [x], { allowUnused: true });
  return Array.from(h === null ? new Float64Array(x.numel()) : h!.toTypedArray(), (v) => v + 0);
}

function pinnedSemantics(): void {
describe('pinned semantics (hand-computed)', () => {
  it('maximum/minimum: ties split the gradient in half', () => {
    expect(gradsOf((a, b) => a.maximum(b), f64([1, 2, 5]), f64([1, 3, 5]))).toEqual([[0.5, 0, 0.5], [0.5, 1, 0.5]]);
    expect(gradsOf((a, b) => a.minimum(b), f64([1, 2, 5]), f64([1, 3, 4]))).toEqual([[0.5, 1, 0], [0.5, 0, 1]]);
  });

  it('max/min reductions: ties share the gradient evenly', () => {
    const x = () => f64([[3, 1, 3], [2, 2, 2]]);
    expect(gradsOf((t) => t.max(), x())).toEqual([[[0.5, 0, 0.5], [0, 0, 0]]]);
    const [g] = gradsOf((t) => t.max(1), x()) as number[][][];
    expect(g![0]).toEqual([0.5, 0, 0.5]);
    g![1]!.forEach((v) => expect(v).toBeCloseTo(1 / 3, 15));
    expect(gradsOf((t) => t.min(0), f64([[1, 2, 3], [1, 0, 3]]))).toEqual([[[0.5, 0, 0.5], [0.5, 1, 0.5]]]);
  });

  it('max/maximum: NaN propagates', () => {
    expect(tensor([1, NaN, 2]).max().item()).toBeNaN();
    expect(tensor([NaN, 1]).maximum(tensor([0, NaN])).toArray()).toEqual([NaN, NaN]);
  });

  it('prod: gradient with one zero is the product of the others there, 0 elsewhere', () => {
    expect(gradsOf((t) => t.prod(), f64([2, 0, 3]))).toEqual([[0, 6, 0]]);
    expect(gradsOf((t) => t.prod(1), f64([[2, 0, 3], [1, 2, 3], [0, 5, 0]]))).toEqual([[[0, 6, 0], [6, 3, 2], [0, 0, 0]]]);
  });

  it('prod: gradient with two zeros is 0', () => {
    expect(gradsOf((t) => t.prod(), f64([0, 2, 0]))).toEqual([[0, 0, 0]]);
  });

  it('prod: second derivatives with one zero (Hessian entries are products of the other entries)', () => {
    // f = x0·x1·x2 at [2, 0, 3]: H = [[0, 3, 0], [3, 0, 2], [0, 2, 0]]
    expect(hessianRow((t) => t.prod(), f64([2, 0, 3]), 0)).toEqual([0, 3, 0]);
    expect(hessianRow((t) => t.prod(), f64([2, 0, 3]), 1)).toEqual([3, 0, 2]);
    expect(hessianRow((t) => t.prod(0), f64([2, 0, 3]), 2)).toEqual([0, 2, 0]);
  });

  it('prod: second derivatives with two zeros', () => {
    // f = x0·x1·x2 at [0, 2, 0]: H = [[0, 0, 2], [0, 0, 0], [2, 0, 0]]
    expect(hessianRow((t) => t.prod(), f64([0, 2, 0]), 0)).toEqual([0, 0, 2]);
    expect(hessianRow((t) => t.prod(0), f64([0, 2, 0]), 2)).toEqual([2, 0, 0]);
  });

  it("relu'(0) = 0 and abs'(0) = 0 (PyTorch's subgradients)", () => {
    expect(gradsOf((t) => t.relu(), f64([-1, 0, 2]))).toEqual([[0, 0, 1]]);
    expect(gradsOf((t) => t.abs(), f64([-1, 0, 2]))).toEqual([[-1, 0, 1]]);
  });

  it('clamp: the gradient passes at the bounds (min <= x <= max)', () => {
    expect(gradsOf((t) => t.clamp(0, 1), f64([0, 0.5, 1, -1, 2]))).toEqual([[1, 1, 1, 0, 0]]);
  });

  it('pow(0, 0) = 1 with gradient 0 for base and exponent', () => {
    const [a, b] = [f64([0]), f64([0])];
    expect(pow(a, b).toArray()).toEqual([1]);
    expect(gradsOf((x, y) => x.pow(y), a, b)).toEqual([[0], [0]]);
    expect(gradsOf((x) => x.pow(0), f64([0, 2]))).toEqual([[0, 0]]);
    // base 0, positive exponent: d/da = b·0^(b−1) = 0 and d/db = 0 (PyTorch masks log(0))
    expect(gradsOf((x, y) => x.pow(y), f64([0]), f64([2]))).toEqual([[0], [0]]);
  });

  it('logSoftmax/softmax/logsumexp are stable at ±1000', () => {
    expect(f64([1000, 0]).logSoftmax(0).toArray()).toEqual([0, -1000]);
    expect(gradsOf((t) => t.logSoftmax(0), f64([1000, 0]))).toEqual([[-1, 1]]);
    expect(tensor([1000, 0]).logSoftmax(0).toArray()).toEqual([0, -1000]);
    expect(f64([1000, 0]).softmax(0).toArray()).toEqual([1, 0]);
    expect(f64([-1000, -1000]).softmax(0).toArray()).toEqual([0.5, 0.5]);
    expect(f64([1000, 1000]).logsumexp(0).item()).toBeCloseTo(1000 + Math.LN2, 12);
    expect(f64([-Infinity, -Infinity]).logsumexp(0).item()).toBe(-Infinity);
  });

  it('round: half to even', () => {
    expect(plain(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49]).round().toArray())).toEqual([0, 2, 2, 0, -2, -2, 0]);
  });

  it('sign and to(int32): sign(0) = 0, conversion truncates toward 0', () => {
    expect(tensor([-2, 0, 3]).sign().toArray()).toEqual([-1, 0, 1]);
    expect(tensor([1.7, -1.7, 0.2]).to('int32').toArray()).toEqual([1, -1, 0]);
  });

  it('argmax/argmin: the first index among ties', () => {
    expect(tensor([1, 3, 3, 2]).argmax().item()).toBe(1);
    expect(tensor([2, 1, 1]).argmin().item()).toBe(1);
    expect(tensor([[1, 1], [0, 2]]).argmax(1, true).toArray()).toEqual([[0], [1]]);
  });

  it('var/std: correction 1 by default, 0 on request', () => {
    expect(tensor([1, 2, 3, 4], { dtype: 'float64' }).var().item()).toBeCloseTo(5 / 3, 14);
    expect(tensor([1, 2, 3, 4], { dtype: 'float64' }).var(null, { correction: 0 }).item()).toBe(1.25);
    expect(tensor([1, 2, 3, 4], { dtype: 'float64' }).std({ correction: 0 }).item()).toBeCloseTo(Math.sqrt(1.25), 14);
  });

  it('norm: p = 1, 2, 3, Infinity', () => {
    const x = tensor([3, -4], { dtype: 'float64' });
    expect([x.norm(1).item(), x.norm().item(), x.norm(Infinity).item()]).toEqual([7, 5, 4]);
    expect(x.norm(3).item()).toBeCloseTo(Math.cbrt(91), 14);
  });

  it('where: the unselected branch gets exactly 0', () => {
    const c = tensor([true, false, true]);
    expect(gradsOf((a, b) => where(c, a, b), f64([1, 2, 3]), f64([4, 5, 6]))).toEqual([[1, 0, 1], [0, 1, 0]]);
  });

  it('indexAdd/scatterAdd: repeated indices accumulate', () => {
    expect(indexAdd(zeros([3]), 0, tensor([0, 0, 2], { dtype: 'int32' }), tensor([1, 2, 3])).toArray()).toEqual([3, 0, 3]);
    expect(scatterAdd(zeros([2, 2]), 1, tensor([[1, 1], [0, 1]], { dtype: 'int32' }), ones([2, 2])).toArray()).toEqual([[0, 2], [1, 1]]);
    // and the gradient of indexSelect adds back the repeated rows
    expect(gradsOf((x) => indexSelect(x, 0, tensor([1, 1, 0], { dtype: 'int32' })), f64([5, 6, 7]))).toEqual([[1, 2, 0]]);
  });

  it('matmul: batch dims broadcast ([2,1,3,4]·[5,4,2] → [2,5,3,2])', () => {
    expect(matmul(ones([2, 1, 3, 4]), ones([5, 4, 2])).shape).toEqual([2, 5, 3, 2]);
    expect(matmul(tensor([1, 2]), tensor([3, 4])).shape).toEqual([]);
  });

  it('view shares storage; reshape of a non-contiguous tensor copies; view of one throws', () => {
    const x = arange(6).reshape([2, 3]);
    x.view([3, 2]).add_(1);
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const y = x.t().reshape([6]);
    expect(y.toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    y.add_(100);
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(() => x.t().view([6])).toThrow(ShapeError);
    expect(x.t().contiguous().isContiguous()).toBe(true);
  });

  it('comparisons give bool tensors that do not require grad', () => {
    const x = f64([1, 2, 3]);
    const y = x.gt(2);
    expect(y.dtype).toBe('bool');
    expect(y.requiresGrad).toBe(false);
    expect(y.toArray()).toEqual([false, false, true]);
  });
});
}
