/**
 * Lowerings of the fused primitives: softmax and log-softmax, layer norm, GELU, scaled-dot-product
 * attention and the LSTM/GRU cells (the last three written out as the ONNX ops they stand for).
 */
import type { DType } from '../../base/dtype.js';
import { attr, type GraphBuilder, type Value } from './graph.js';
import { reduceNode, result, type Lowering } from './lower-elementwise.js';
import { broadcastDims } from './symbolic.js';

const softmax = (opType: 'Softmax' | 'LogSoftmax'): Lowering => (g, [x], { dim }: { dim: number }, out) =>
  result(g.op(opType, [x!.name], { axis: attr.int(dim) }), out, x!.dims);

/** LayerNormalization over the last dim of x [R, N] (ONNX needs a scale: ones when there is no weight). */
const layerNorm: Lowering = (g, ins, { eps, hasWeight, hasBias }: { eps: number; hasWeight: boolean; hasBias: boolean }, out) => {
  const [x] = ins;
  const n = out.shape[1]!;
  const scale = hasWeight ? ins[1]!.name : g.scalar(1, out.dtype, [n]);
  const inputs = [x!.name, scale, ...(hasBias ? [ins[hasWeight ? 2 : 1]!.name] : [])];
  return result(g.op('LayerNormalization', inputs, { axis: attr.int(-1), epsilon: attr.float(eps) }), out, x!.dims);
};

/** GELU: the op from opset 20, before that x·Φ(x) with Erf (or the tanh approximation). */
const gelu: Lowering = (g, [x], { tanh }: { tanh: boolean }, out) => {
  const type = out.dtype;
  if (g.opset >= 20) return result(g.op('Gelu', [x!.name], { approximate: attr.string(tanh ? 'tanh' : 'none') }), out, x!.dims);
  const c = (v: number): string => g.scalar(v, type);
  let inner: string;
  if (tanh) {
    const cube = g.op('Mul', [g.op('Mul', [x!.name, x!.name]), x!.name]);
    inner = g.op('Tanh', [g.op('Mul', [g.op('Add', [x!.name, g.op('Mul', [cube, c(0.044715)])]), c(Math.sqrt(2 / Math.PI))])]);
  } else {
    inner = g.op('Erf', [g.op('Mul', [x!.name, c(Math.SQRT1_2)])]);
  }
  return result(g.op('Mul', [g.op('Mul', [x!.name, c(0.5)]), g.op('Add', [inner, c(1)])]), out, x!.dims);
};

/** The [L, S] additive causal mask (−∞ above the diagonal), built at run time so that L and S may be dynamic. */
function causalBias(g: GraphBuilder, q: Value, k: Value, type: DType): string {
  const full = g.op('Expand', [g.scalar(-Infinity, type), g.shapeTensor([q.dims[q.dims.length - 2]!, k.dims[k.dims.length - 2]!])]);
  return g.op('Trilu', [full, g.int64([1], [])], { upper: attr.int(1) });
}

/**
 * softmax(q·kᵀ·scale + mask)·v; with an additive mask, rows that may attend to nothing get zero
 * weights (as nabla and PyTorch ≥ 2.5) rather than Softmax's NaN.
 */
const attention: Lowering = (g, ins, { causal, scale }: { causal: boolean; scale: number }, out) => {
  const [q, k, v, bias] = ins as [Value, Value, Value, Value | undefined];
  const type = out.dtype;
  const rank = k.dims.length;
  const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  let scores = g.op('Mul', [g.op('MatMul', [q.name, g.op('Transpose', [k.name], { perm: attr.ints(perm) })]), g.scalar(scale, type)]);
  if (causal) scores = g.op('Add', [scores, causalBias(g, q, k, type)]);
  if (bias !== undefined) scores = g.op('Add', [scores, g.cast(bias, type)]);
  let weights = g.op('Softmax', [scores], { axis: attr.int(-1) });
  if (bias !== undefined) {
    const none = g.op('Equal', [reduceNode(g, 'ReduceMax', scores, [-1], true), g.scalar(-Infinity, type)]);
    weights = g.op('Where', [none, g.scalar(0, type), weights]);
  }
  const batch = broadcastDims([q, k, v, ...(bias ? [bias] : [])].map((t) => t.dims.slice(0, -2)), g.symbols, 'scaledDotProductAttention');
  return result(g.op('MatMul', [weights, v.name]), out, [...batch, q.dims[q.dims.length - 2]!, v.dims[v.dims.length - 1]!]);
};

/** Columns start..start+size of a 2-d value. */
const columns = (g: GraphBuilder, x: string, start: number, size: number): string =>
  g.op('Slice', [x, g.int64([start]), g.int64([start + size]), g.int64([1])]);

/** The LSTM cell (gates i, f, g, o of gi + gh): its output is h' | c'. */
const lstmCell: Lowering = (g, [gi, gh, c], _, out) => {
  const h = c!.dims[1] as number;
  const [batch] = broadcastDims([gi!.dims.slice(0, 1), gh!.dims.slice(0, 1), c!.dims.slice(0, 1)], g.symbols, 'lstmCell');
  const gates = g.op('Add', [gi!.name, gh!.name]);
  const [i, f, cell, o] = [0, 1, 2, 3].map((k) => columns(g, gates, k * h, h));
  const [si, sf, so] = [i!, f!, o!].map((t) => g.op('Sigmoid', [t]));
  const cNext = g.op('Add', [g.op('Mul', [sf!, c!.name]), g.op('Mul', [si!, g.op('Tanh', [cell!])])]);
  const hNext = g.op('Mul', [so!, g.op('Tanh', [cNext])]);
  return result(g.op('Concat', [hNext, cNext], { axis: attr.int(1) }), out, [batch!, 2 * h]);
};

/** The GRU cell (gates r, z, n): h' = n + z·(h − n) with n = tanh(gi_n + r·gh_n). */
const gruCell: Lowering = (g, [gi, gh, hPrev], _, out) => {
  const h = hPrev!.dims[1] as number;
  const [batch] = broadcastDims([gi!.dims.slice(0, 1), gh!.dims.slice(0, 1), hPrev!.dims.slice(0, 1)], g.symbols, 'gruCell');
  const gate = (k: number): string => g.op('Sigmoid', [g.op('Add', [columns(g, gi!.name, k * h, h), columns(g, gh!.name, k * h, h)])]);
  const [r, z] = [gate(0), gate(1)];
  const n = g.op('Tanh', [g.op('Add', [columns(g, gi!.name, 2 * h, h), g.op('Mul', [r, columns(g, gh!.name, 2 * h, h)])])]);
  return result(g.op('Add', [n, g.op('Mul', [z, g.op('Sub', [hPrev!.name, n])])]), out, [batch!, h]);
};

/**
 * The lowerings of the fused primitives, by op name.
 * @example
 * FUSED_LOWERINGS.softmax!(g, [x], { dim: 1 } as never, out);
 */
export const FUSED_LOWERINGS: Record<string, Lowering> = {
  softmax: softmax('Softmax'),
  logSoftmax: softmax('LogSoftmax'),
  layerNorm,
  gelu,
  scaledDotProductAttention: attention,
  lstmCell,
  gruCell,
};
