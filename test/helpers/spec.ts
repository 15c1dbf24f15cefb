/**
 * The runner of the op spec table (`test/ops-spec.test.ts`). Each row names an op, a fast-check
 * generator of cases (inputs and attributes), the op itself (`run`) and an independent float64
 * reference (`ref`, from reference.ts). For every row it checks:
 *   1. forward in float64 against the reference (1e-12 relative),
 *   2. forward in float32 against the reference on the float32-rounded inputs (float32 tolerance),
 *      and forward in float64 again with every input laid out non-contiguously (strided kernels),
 *   3. gradcheck and 4. gradgradcheck (float64, every float input; index and mask inputs are not differentiable),
 * or, for ops without a gradient, that the result is cut from the graph.
 * Failures name the row, the check, the shapes, the values and the attributes.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { autograd, gradcheck, gradgradcheck, keep, scope, tensor, wasmMemoryStats, type DType, type GradcheckOptions, type Tensor } from '../../src/index.js';
import { at, build, range, unravel, type Arr } from './reference.js';

export type Kind = 'float' | 'int32' | 'bool';

/** One input of a case: float inputs are made float64 or float32, the others keep their kind. */
export interface Input {
  kind: Kind;
  shape: number[];
  data: number[];
}

export interface Case<A> {
  inputs: Input[];
  attrs: A;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface OpRow<A = any> {
  name: string;
  /** Cases for the forward checks (and the gradient checks unless `gradCases` is given). */
  cases: fc.Arbitrary<Case<A>>;
  /** Cases for gradcheck/gradgradcheck when they must keep further off kinks and jumps. */
  gradCases?: fc.Arbitrary<Case<A>>;
  run: (xs: Tensor[], attrs: A) => Tensor | Tensor[];
  ref: (xs: Arr[], attrs: A) => Arr | Arr[];
  /** The result dtype: 'same' (the float inputs' dtype, the default) or a fixed one. */
  out?: 'same' | DType;
  /** False for ops without a gradient (comparisons, argmax, ...). */
  grad?: boolean;
  tol32?: Partial<Tolerance>;
  /** False for ops that need contiguous inputs (view). */
  nonContiguous?: boolean;
  gradcheck?: GradcheckOptions;
  runs?: Partial<Runs>;
}

interface Runs {
  forward: number;
  grad: number;
  gradgrad: number;
}

/** SPEC_RUNS=4 multiplies every numRuns (a longer local soak). */
const SCALE = Number(process.env.SPEC_RUNS ?? 1);
const RUNS: Runs = { forward: 25, grad: 15, gradgrad: 8 };
export const TOL64: Tolerance = { rtol: 1e-12, atol: 1e-12 };
export const TOL32: Tolerance = { rtol: 1e-5, atol: 1e-5 };

/** Identity, for type inference of a row's attributes. */
export function row<A>(r: OpRow<A>): OpRow<A> {
  return r;
}

export interface SuiteOptions {
  /**
   * Also check, on the wasm backend, that forward and backward inside a scope leave no heap block
   * behind (no kernel temporary or layout copy that only the garbage collector would free).
   */
  heapAccounting?: boolean;
}

/** Registers the tests of every row, one `describe` per row. */
export function specSuite(rows: readonly OpRow[], options: SuiteOptions = {}): void {
  for (const r of rows) describe(r.name, () => rowTests(r, options));
}

function rowTests(r: OpRow, options: SuiteOptions): void {
  const runs = { ...RUNS, ...r.runs };
  if (options.heapAccounting === true) {
    it('frees every heap block it allocates (forward and backward in a scope, contiguous and strided, float32 and float64)', () => {
      property(r, 'heap accounting', r.gradCases ?? r.cases, 6, (c) => {
        for (const dtype of ['float32', 'float64'] as const) {
          for (const strided of r.nonContiguous === false ? [false] : [false, true]) checkHeapFreed(r, c, dtype, strided);
        }
      });
    });
  }
  it('forward float64 matches the reference', () => {
    property(r, 'forward float64', r.cases, runs.forward, (c) => checkForward(r, c, 'float64', TOL64));
  });
  it('forward float32 is within float32 tolerance', () => {
    property(r, 'forward float32', r.cases, runs.forward, (c) => checkForward(r, c, 'float32', { ...TOL32, ...r.tol32 }));
  });
  if (r.nonContiguous !== false) {
    it('forward float64 on non-contiguous inputs matches the reference', () => {
      property(r, 'forward float64 (non-contiguous inputs)', r.cases, runs.forward, (c) => checkForward(r, c, 'float64', TOL64, true));
    });
  }
  if (r.grad === false) {
    it('records no gradient', () => property(r, 'no gradient', r.cases, 3, (c) => checkNoGrad(r, c)));
    return;
  }
  const gradCases = r.gradCases ?? r.cases;
  it('gradcheck', () => {
    property(r, 'gradcheck', gradCases, runs.grad, (c) => {
      gradcheck((...xs) => r.run(xs, c.attrs), tensorsOf(c, 'float64', true), { name: r.name, ...r.gradcheck });
    });
  });
  it('gradgradcheck', () => {
    property(r, 'gradgradcheck', gradCases, runs.gradgrad, (c) => {
      gradgradcheck((...xs) => r.run(xs, c.attrs), tensorsOf(c, 'float64', true), { name: r.name, ...r.gradcheck });
    });
  });
}

/** fc.assert over `cases`, with errors rethrown naming the row, the check and the case. */
function property<A>(r: OpRow<A>, check: string, cases: fc.Arbitrary<Case<A>>, numRuns: number, body: (c: Case<A>) => void): void {
  fc.assert(
    fc.property(cases, (c) => {
      try {
        body(c);
      } catch (e) {
        throw new Error(`'${r.name}' ${check} failed for ${describeCase(c)}\n${(e as Error).message}`);
      }
    }),
    { numRuns: Math.max(1, Math.round(numRuns * SCALE)) },
  );
}

/** The case's tensors: float inputs in `dtype` (all requiring grad when asked), the others as they are. */
export function tensorsOf<A>(c: Case<A>, dtype: 'float64' | 'float32', requiresGrad: boolean): Tensor[] {
  return c.inputs.map((inp) => {
    if (inp.kind === 'float') return tensor(Float64Array.from(inp.data), { shape: inp.shape, dtype, requiresGrad });
    return tensor(Float64Array.from(inp.data), { shape: inp.shape, dtype: inp.kind });
  });
}

/**
 * The same values laid out non-contiguously: 1-d as every other element of a buffer (offset 1,
 * stride 2), N-d as the permuted view of the transposed data (strides reversed).
 */
export function nonContiguous(t: Tensor): Tensor {
  if (t.ndim === 0) return t;
  const values = Array.from(t.toTypedArray(), Number);
  if (t.ndim === 1) {
    const buffer = new Float64Array(2 * values.length + 1);
    values.forEach((v, i) => (buffer[2 * i + 1] = v));
    return tensor(buffer, { dtype: t.dtype }).slice(0, 1, null, 2);
  }
  const reversed = range(t.ndim).reverse();
  const source: Arr = { shape: [...t.shape], data: values };
  const transposed = build(reversed.map((d) => t.shape[d]!), (idx) => at(source, [...idx].reverse()));
  return tensor(Float64Array.from(transposed.data), { shape: transposed.shape, dtype: t.dtype }).permute(reversed);
}

export function checkForward<A>(r: OpRow<A>, c: Case<A>, dtype: 'float64' | 'float32', tol: Tolerance, strided = false): void {
  const xs = tensorsOf(c, dtype, false);
  const out = r.run(strided ? xs.map(nonContiguous) : xs, c.attrs);
  const refInputs = c.inputs.map((inp) => ({
    shape: [...inp.shape],
    data: dtype === 'float32' && inp.kind === 'float' ? inp.data.map(Math.fround) : [...inp.data],
  }));
  const expected = r.ref(refInputs, c.attrs);
  const outs = Array.isArray(out) ? out : [out];
  const exps = Array.isArray(expected) ? expected : [expected];
  if (outs.length !== exps.length) throw new Error(`got ${outs.length} outputs, expected ${exps.length}`);
  const outDtype = r.out === undefined || r.out === 'same' ? dtype : r.out;
  outs.forEach((o, k) => compare(o, exps[k]!, outDtype, tol, outs.length > 1 ? `output ${k}` : 'output'));
}

/** Runs forward (and backward, for a row with a gradient) in a scope: the heap's bytes in use must come back. */
function checkHeapFreed<A>(r: OpRow<A>, c: Case<A>, dtype: 'float64' | 'float32', strided: boolean): void {
  const raw = tensorsOf(c, dtype, false);
  // kept: under memory pressure backward would move saved leaves off the heap (relocation), which frees blocks
  const xs = keep((strided ? raw.map(nonContiguous) : raw).map((x) => (x.dtype === dtype ? x.detach().requiresGrad_(r.grad !== false) : x)));
  const before = wasmMemoryStats().bytesInUse;
  scope(() => {
    const out = r.run(xs, c.attrs);
    const floats = (Array.isArray(out) ? out : [out]).filter((o) => o.requiresGrad);
    const wrt = xs.filter((x) => x.requiresGrad);
    if (floats.length > 0 && wrt.length > 0) {
      const total = floats.map((o) => o.sum()).reduce((a, b) => a.add(b));
      autograd.grad(total, wrt, { allowUnused: true });
    }
  });
  const left = wasmMemoryStats().bytesInUse - before;
  for (const x of [...raw, ...xs]) x.dispose();
  if (left !== 0) throw new Error(`${left} bytes of wasm heap blocks were not freed (${dtype}${strided ? ', strided inputs' : ''})`);
}

function checkNoGrad<A>(r: OpRow<A>, c: Case<A>): void {
  const xs = tensorsOf(c, 'float64', true);
  if (!xs.some((x) => x.requiresGrad)) return;
  const out = r.run(xs, c.attrs);
  for (const o of Array.isArray(out) ? out : [out]) {
    if (o.requiresGrad || o.gradFn !== null) throw new Error(`result requires grad (gradFn ${o.gradFn}) but the op has no gradient`);
  }
}

/** Throws unless `actual` has the expected dtype, shape and values (NaN matches NaN, ±∞ match exactly). */
export function compare(actual: Tensor, expected: Arr, dtype: DType, tol: Tolerance, label = 'output'): void {
  if (actual.dtype !== dtype) throw new Error(`${label} has dtype ${actual.dtype}, expected ${dtype}`);
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    throw new Error(`${label} has shape [${actual.shape.join(',')}], expected [${expected.shape.join(',')}]`);
  }
  const got = Array.from(actual.toTypedArray(), Number);
  got.forEach((g, i) => {
    const e = expected.data[i]!;
    if (!close(g, e, tol)) {
      throw new Error(
        `${label} mismatch at [${unravel(i, expected.shape).join(',')}]: got ${g}, expected ${e} ` +
          `(|diff| ${Math.abs(g - e)} > atol ${tol.atol} + rtol ${tol.rtol}·|expected|)\n` +
          `  got      ${showFlat(got, expected.shape)}\n  expected ${showFlat(expected.data, expected.shape)}`,
      );
    }
  });
}

export function close(got: number, expected: number, { rtol, atol }: Tolerance): boolean {
  if (Number.isNaN(got) || Number.isNaN(expected)) return Number.isNaN(got) && Number.isNaN(expected);
  if (!Number.isFinite(expected) || !Number.isFinite(got)) return got === expected;
  return Math.abs(got - expected) <= atol + rtol * Math.abs(expected);
}

/** Nested-array text of flat row-major values (NaN and ±Infinity spelled out). */
export function showFlat(data: readonly number[], shape: readonly number[]): string {
  if (shape.length === 0) return String(data[0]);
  const size = shape[0]!;
  const inner = data.length / Math.max(size, 1);
  const parts = Array.from({ length: size }, (_, i) => showFlat(data.slice(i * inner, (i + 1) * inner), shape.slice(1)));
  return `[${parts.join(', ')}]`;
}

export function describeCase<A>(c: Case<A>): string {
  const inputs = c.inputs.map((inp, i) => `input ${i}: ${inp.kind} [${inp.shape.join(',')}] ${showFlat(inp.data, inp.shape)}`);
  return `{ ${inputs.join('; ')}; attrs ${JSON.stringify(c.attrs, (_, v) => (v === Infinity ? 'Infinity' : v))} }`;
}
