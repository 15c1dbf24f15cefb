/**
 * Op-table rows of the fused row ops (softmax, logSoftmax, F.layerNorm, F.gelu, F.crossEntropy of
 * class indices) with independent float64 references written from their definitions (PyTorch's
 * semantics). Rows reach 9 elements, so that the wasm kernels' SIMD groups of 4 and their tails both run.
 */
import fc from 'fast-check';
import { F, tensor, type Tensor } from '../../src/index.js';
import * as R from './reference.js';
import type { Arr } from './reference.js';
import { floats, inputOf, integers, uniform } from './spec-gen.js';
import type { Case, OpRow } from './spec.js';

// ── references ──────────────────────────────────────────────────────────────────────────────

/** Layer norm over the last `k` dims (biased variance), then weight and bias (flat, or null). */
function layerNormRef(x: Arr, k: number, w: Arr | null, b: Arr | null, eps: number): Arr {
  const n = x.shape.slice(x.shape.length - k).reduce((p, s) => p * s, 1);
  const out: number[] = [];
  for (let r = 0; r < x.data.length / n; r++) {
    const v = x.data.slice(r * n, (r + 1) * n);
    const mean = R.meanOf(v);
    const rstd = 1 / Math.sqrt(R.varOf(0)(v) + eps);
    v.forEach((xi, j) => out.push((xi - mean) * rstd * (w === null ? 1 : w.data[j]!) + (b === null ? 0 : b.data[j]!)));
  }
  return { shape: [...x.shape], data: out };
}

const gelu = (x: number): number => 0.5 * x * (1 + R.erf(x / Math.SQRT2));
const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

interface CrossEntropyAttrs {
  ignoreIndex: number;
  labelSmoothing: number;
  reduction: 'mean' | 'sum' | 'none';
  /** Class weights (a constant of the case), or null. */
  weight: number[] | null;
}

/**
 * PyTorch's cross-entropy of logits [N, C, ...] and class indices [N, ...]: per position
 * (1 − ε)·w_t·(−logp_t) + (ε/C)·Σ_c w_c·(−logp_c), 0 where ignored; 'mean' divides by Σ w_t over the kept targets.
 */
function crossEntropyRef(x: Arr, t: Arr, { ignoreIndex, labelSmoothing: eps, reduction, weight }: CrossEntropyAttrs): Arr {
  const c = x.shape[1]!;
  const inner = x.data.length / (x.shape[0]! * c);
  const w = (j: number): number => (weight === null ? 1 : weight[j]!);
  const losses: number[] = [];
  let denominator = 0;
  t.data.forEach((target, pos) => {
    const n = Math.floor(pos / inner);
    const logits = R.range(c).map((j) => x.data[(n * c + j) * inner + (pos % inner)]!);
    const lse = R.logsumexpOf(logits);
    if (target === ignoreIndex) {
      losses.push(0);
      return;
    }
    denominator += w(target);
    const smooth = logits.reduce((s, l, j) => s - w(j) * (l - lse), 0);
    losses.push((1 - eps) * -w(target) * (logits[target]! - lse) + (eps / c) * smooth);
  });
  if (reduction === 'none') return { shape: [...t.shape], data: losses };
  const total = R.sumOf(losses);
  return R.scalar(reduction === 'sum' ? total : total / denominator);
}

// ── cases ───────────────────────────────────────────────────────────────────────────────────

/** A leading shape (rank 0..2, dims 1..3) and a row length 1..9. */
const rowShapes = fc.tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.integer({ min: 1, max: 9 }));

/** One float input [..., n] and a dim (the last one, or any). */
function softmaxCases(): fc.Arbitrary<Case<{ dim: number }>> {
  return rowShapes.chain(([lead, n]) => {
    const shape = [...lead, n];
    return fc.record({ x: floats(shape, uniform(-4, 4)), dim: fc.oneof(fc.constant(-1), fc.integer({ min: -shape.length, max: shape.length - 1 })) });
  }).map(({ x, dim }) => ({ inputs: [x], attrs: { dim } }));
}

interface NormAttrs {
  k: number;
  weight: boolean;
  bias: boolean;
}

/** x [...lead, ...norm] with norm of 1 or 2 dims, and weight/bias (shaped like norm) or not. */
function layerNormCases(): fc.Arbitrary<Case<NormAttrs>> {
  return fc.tuple(rowShapes, fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.boolean()).chain(([[lead, n], k, weight, bias]) => {
    const norm = k === 1 ? [n] : [2, Math.ceil(n / 2)];
    return fc.tuple(floats([...lead, ...norm], uniform(-3, 3)), floats(norm, uniform(0.5, 2)), floats(norm, uniform(-1, 1)))
      .map(([x, w, b]) => ({ inputs: [x, ...(weight ? [w] : []), ...(bias ? [b] : [])], attrs: { k, weight, bias } }));
  });
}

/** Logits [N, C] or [N, C, d] (C 1..9), targets in [0, C), ignoreIndex −100 or a class, smoothing, weights. */
function crossEntropyCases(): fc.Arbitrary<Case<CrossEntropyAttrs>> {
  return fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 }))
    .chain(([n, c, rest]) => fc.record({
      x: floats([n, c, ...rest], uniform(-4, 4)),
      t: inputOf('int32', [n, ...rest], integers(0, c - 1)),
      ignoreIndex: fc.constantFrom(-100, 0, c - 1),
      labelSmoothing: fc.constantFrom(0, 0.1, 0.3),
      reduction: fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
      weight: fc.option(fc.array(fc.integer({ min: 10, max: 200 }).map((v) => v / 100), { minLength: c, maxLength: c }), { nil: null }),
    }))
    .map(({ x, t, ...attrs }) => ({ inputs: [x, t], attrs }));
}

/** Cases whose loss is defined (with 'mean', some target is kept). */
const definedLoss = (c: Case<CrossEntropyAttrs>): boolean => c.attrs.reduction !== 'mean' || c.inputs[1]!.data.some((t) => t !== c.attrs.ignoreIndex);

function runCrossEntropy([x, t]: Tensor[], attrs: CrossEntropyAttrs): Tensor {
  const weight = attrs.weight === null ? null : tensor(attrs.weight, { dtype: x!.dtype });
  return F.crossEntropy(x!, t!, { ...attrs, weight });
}

/**
 * The fused ops' rows.
 * @example
 * specSuite([...fusedRows]);
 */
export const fusedRows: OpRow[] = [
  {
    name: 'softmax (fused): rows of 1..9, any dim', cases: softmaxCases(),
    run: ([x], { dim }) => x!.softmax(dim), ref: ([x], { dim }) => R.alongDim(x!, dim, R.softmaxOf),
  },
  {
    name: 'logSoftmax (fused): rows of 1..9, any dim', cases: softmaxCases(),
    run: ([x], { dim }) => x!.logSoftmax(dim), ref: ([x], { dim }) => R.alongDim(x!, dim, R.logSoftmaxOf),
  },
  {
    name: 'layerNorm (fused): last 1 or 2 dims, weight and bias optional', cases: layerNormCases(), runs: { grad: 10, gradgrad: 6 },
    run: (xs, { k, weight, bias }: NormAttrs) => {
      const shape = xs[0]!.shape.slice(xs[0]!.ndim - k);
      return F.layerNorm(xs[0]!, shape, weight ? xs[1]! : null, bias ? xs[weight ? 2 : 1]! : null, 1e-5);
    },
    ref: (xs, { k, weight, bias }: NormAttrs) => layerNormRef(xs[0]!, k, weight ? xs[1]! : null, bias ? xs[weight ? 2 : 1]! : null, 1e-5),
  },
  {
    // (|x| <= 4: the reference erf's range)
    name: 'gelu (fused): exact', cases: rowShapes.chain(([lead, n]) => floats([...lead, n], uniform(-4, 4))).map((x) => ({ inputs: [x], attrs: {} })),
    run: ([x]) => F.gelu(x!), ref: ([x]) => R.map(x!, gelu),
  },
  {
    name: 'gelu (fused): tanh approximation', cases: rowShapes.chain(([lead, n]) => floats([...lead, n], uniform(-5, 5))).map((x) => ({ inputs: [x], attrs: {} })),
    run: ([x]) => F.gelu(x!, { approximate: 'tanh' }), ref: ([x]) => R.map(x!, geluTanh),
  },
  {
    name: 'crossEntropy (fused): class indices, ignoreIndex, labelSmoothing, weight, each reduction',
    cases: crossEntropyCases(), gradCases: crossEntropyCases().filter(definedLoss), runs: { grad: 12, gradgrad: 6 },
    run: runCrossEntropy, ref: ([x, t], attrs: CrossEntropyAttrs) => crossEntropyRef(x!, t!, attrs),
  },
];

export { crossEntropyRef, layerNormRef, type CrossEntropyAttrs };
