/**
 * Op-table rows of F.scaledDotProductAttention (the fused kernels) with an independent float64
 * reference: softmax(q·kᵀ·scale + mask)·v written as loops, batch dims broadcast, a row that may
 * attend to nothing giving zeros.
 */
import fc from 'fast-check';
import { F, tensor, type Tensor } from '../../src/index.js';
import { at, broadcastShape, build, type Arr } from './reference.js';
import { floats, uniform } from './spec-gen.js';
import type { Case, Input, OpRow } from './spec.js';

type MaskKind = 'none' | 'causal' | 'bool' | 'float';

interface AttentionAttrs {
  mask: MaskKind;
  /** The float mask's values (shape [L, S]), in attrs so that gradcheck does not differentiate it. */
  floatMask: number[];
  scale: number | null;
}

/** Element idx of `a`, its leading dims broadcast against a longer index (NumPy's rule). */
function atB(a: Arr, idx: readonly number[]): number {
  const lead = idx.length - a.shape.length;
  return at(a, a.shape.map((s, d) => (s === 1 ? 0 : idx[d + lead]!)));
}

/** The reference: inputs q, k, v (and a bool mask [L, S] for mask 'bool'). */
function attentionRef(inputs: Arr[], a: AttentionAttrs): Arr {
  const [q, k, v, mask] = inputs as [Arr, Arr, Arr, Arr | undefined];
  const nd = (x: Arr): number => x.shape.length;
  const batch = broadcastShape(q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2));
  const [l, e] = q.shape.slice(-2) as [number, number];
  const s = k.shape[nd(k) - 2]!;
  const ev = v.shape[nd(v) - 1]!;
  const scale = a.scale ?? 1 / Math.sqrt(e);
  return build([...batch, l, ev], (idx) => {
    const b = idx.slice(0, -2);
    const [i, x] = idx.slice(-2) as [number, number];
    const scores = Array.from({ length: s }, (_, j) => {
      if (a.mask === 'causal' && j > i) return -Infinity;
      if (a.mask === 'bool' && at(mask!, [i, j]) === 0) return -Infinity;
      let dot = 0;
      for (let c = 0; c < e; c++) dot += atB(q, [...b, i, c]) * atB(k, [...b, j, c]);
      return dot * scale + (a.mask === 'float' ? a.floatMask[i * s + j]! : 0);
    });
    const m = Math.max(...scores);
    if (m === -Infinity) return 0;
    const p = scores.map((sc) => Math.exp(sc - m));
    const total = p.reduce((t, y) => t + y, 0);
    return p.reduce((acc, pj, j) => acc + pj * atB(v, [...b, j, x]), 0) / total;
  });
}

const dims = (min: number, max: number) => fc.integer({ min, max });

/** Shapes with 0–2 batch dims (some broadcast), L, S in 1–6, E, Ev in 1–6 (SIMD groups and tails). */
function attentionCases(mask: MaskKind): fc.Arbitrary<Case<AttentionAttrs>> {
  return fc.record({
    batch: fc.array(dims(1, 2), { maxLength: 2 }),
    stretch: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    l: dims(1, 5), s: dims(1, 6), e: dims(1, 6), ev: dims(1, 6),
    scale: fc.constantFrom<number | null>(null, 0.7),
  }).chain(({ batch, stretch, l, s, e, ev, scale }) => {
    // some operands drop or shrink batch dims to 1: broadcast
    const lead = (k: number): number[] => (stretch[k] ? batch.map(() => 1) : batch);
    const parts: fc.Arbitrary<Input>[] = [floats([...batch, l, e], uniform(-2, 2)), floats([...lead(1), s, e], uniform(-2, 2)), floats([...lead(2), s, ev], uniform(-2, 2))];
    if (mask === 'bool') parts.push(fc.array(fc.boolean(), { minLength: l * s, maxLength: l * s }).map((bits) => ({ kind: 'bool', shape: [l, s], data: bits.map(Number) })));
    const floatMask: fc.Arbitrary<number[]> = mask === 'float' ? fc.array(fc.integer({ min: -20, max: 20 }).map((x) => x / 10), { minLength: l * s, maxLength: l * s }) : fc.constant([]);
    return fc.tuple(fc.tuple(...parts), floatMask).map(([inputs, fm]): Case<AttentionAttrs> => ({ inputs, attrs: { mask, floatMask: fm, scale } }));
  });
}

function run(xs: Tensor[], a: AttentionAttrs): Tensor {
  const [q, k, v, mask] = xs as [Tensor, Tensor, Tensor, Tensor | undefined];
  const [l, s] = [q.shape[q.ndim - 2]!, k.shape[k.ndim - 2]!];
  const attnMask = a.mask === 'bool' ? mask! : a.mask === 'float' ? tensor(a.floatMask, { dtype: q.dtype }).reshape(l, s) : null;
  return F.scaledDotProductAttention(q, k, v, { attnMask, isCausal: a.mask === 'causal', scale: a.scale });
}

/**
 * The attention rows: no mask, causal, a boolean mask (rows that see nothing included) and a float mask.
 * @example
 * specSuite([...attentionRows]);
 */
export const attentionRows: OpRow<AttentionAttrs>[] = (['none', 'causal', 'bool', 'float'] as const).map((mask) => ({
  name: `scaledDotProductAttention (fused): ${mask === 'none' ? 'no mask' : `${mask} mask`}`,
  cases: attentionCases(mask),
  run,
  ref: attentionRef,
  tol32: { rtol: 1e-4, atol: 1e-5 },
  runs: { grad: 10, gradgrad: 4 },
}));
