/**
 * RNN, LSTM and GRU as ONNX's RNN, LSTM and GRU ops, one node per layer (both directions in one
 * node), from the layer's own parameters under their state-dict names. The gate blocks are
 * reordered in the graph (Slice + Concat, folded by ONNX Runtime when the session loads):
 *
 *   PyTorch LSTM rows i, f, g, o  → ONNX i, o, f, c
 *   PyTorch GRU  rows r, z, n     → ONNX z, r, h, with linear_before_reset = 1 (PyTorch's n gate)
 *
 * ONNX runs time-major [T, B, ·] and gives Y as [T, directions, B, H]: a batch-first input is
 * transposed in and out, and the directions are joined as [T, B, directions·H] like PyTorch's output.
 */
import { Tensor } from '../../core/tensor.js';
import { PackedSequence } from '../../nn/layers/packed.js';
import type { RNNBase } from '../../nn/layers/rnn.js';
import type { Parameter } from '../../nn/module.js';
import { attr, OnnxExportError, type GraphBuilder } from './graph.js';
import type { Attribute } from './messages.js';
import type { ModuleExporter } from './modules.js';
import type { Dim } from './symbolic.js';

/** Per mode: the ONNX op and where each ONNX gate block sits among PyTorch's rows. */
const LAYOUT: Record<RNNBase['mode'], { op: string; order: number[] }> = {
  RNN_TANH: { op: 'RNN', order: [0] },
  RNN_RELU: { op: 'RNN', order: [0] },
  LSTM: { op: 'LSTM', order: [0, 3, 1, 2] },
  GRU: { op: 'GRU', order: [1, 0, 2] },
};

/** A parameter's gate blocks (rows of `h` each, along axis 0) in ONNX's order. */
function reorder(g: GraphBuilder, p: string, order: readonly number[], h: number): string {
  if (order.length === 1) return p;
  const blocks = order.map((k) => g.op('Slice', [p, g.int64([k * h]), g.int64([(k + 1) * h]), g.int64([0])]));
  return g.op('Concat', blocks, { axis: attr.int(0) });
}

/** The per-direction tensors stacked along a new axis 0 ([directions, ...]). */
function stackDirections(g: GraphBuilder, perDirection: readonly string[]): string {
  const parts = perDirection.map((t) => g.unsqueeze(t, 0));
  return parts.length === 1 ? parts[0]! : g.op('Concat', parts, { axis: attr.int(0) });
}

/** The node attributes of one layer. */
function layerAttributes(m: RNNBase): Record<string, Attribute> {
  const attributes: Record<string, Attribute> = {
    hidden_size: attr.int(m.hiddenSize),
    direction: attr.string(m.bidirectional ? 'bidirectional' : 'forward'),
  };
  if (m.mode === 'GRU') attributes.linear_before_reset = attr.int(1);
  if (m.mode.startsWith('RNN')) attributes.activations = attr.strings(Array(m.numDirections).fill(m.mode === 'RNN_RELU' ? 'Relu' : 'Tanh'));
  return attributes;
}

/** The [directions, ·] weight, recurrent weight and bias inputs of one layer. */
function layerWeights(ctx: Parameters<ModuleExporter>[0], m: RNNBase, layer: number): string[] {
  const { g } = ctx;
  const { order } = LAYOUT[m.mode];
  const fields = m as unknown as Record<string, Parameter>;
  const param = (kind: string, dir: number): string => ctx.resolve(fields[`${kind}L${layer}${dir === 1 ? 'Reverse' : ''}`]!).name;
  const dirs = Array.from({ length: m.numDirections }, (_, d) => d);
  const h = m.hiddenSize;
  const w = stackDirections(g, dirs.map((d) => reorder(g, param('weightIh', d), order, h)));
  const r = stackDirections(g, dirs.map((d) => reorder(g, param('weightHh', d), order, h)));
  if (!m.bias) return [w, r];
  const b = stackDirections(g, dirs.map((d) => g.op('Concat', [reorder(g, param('biasIh', d), order, h), reorder(g, param('biasHh', d), order, h)], { axis: attr.int(0) })));
  return [w, r, b];
}

/** Rows layer·D .. (layer+1)·D of an initial state [L·D, B, H], or '' (zeros) when none was given. */
function initialState(g: GraphBuilder, state: string | null, layer: number, directions: number): string {
  if (state === null) return '';
  return g.op('Slice', [state, g.int64([layer * directions]), g.int64([(layer + 1) * directions]), g.int64([0])]);
}

/**
 * Writes an RNN, LSTM or GRU call: one ONNX node per layer (see the file comment).
 * @example
 * moduleExporter(new nn.LSTM(8, 16)) === exportRecurrent; // true
 */
export const exportRecurrent: ModuleExporter = (ctx, module, [input, state], outputs) => {
  const m = module as RNNBase;
  const { g } = ctx;
  if (input instanceof PackedSequence) throw new OnnxExportError(`[toOnnx] ${m.constructor.name} with a PackedSequence input cannot be exported; pass the padded tensor`);
  const x = ctx.resolve(input as Tensor);
  const lstm = m.mode === 'LSTM';
  const batched = x.dims.length === 3;
  const given = (t: unknown): string | null => {
    if (!(t instanceof Tensor)) return null;
    const v = ctx.resolve(t).name;
    return batched ? v : g.unsqueeze(v, 1);
  };
  const h0 = given(lstm ? (state as Tensor[] | null | undefined)?.[0] : state);
  const c0 = lstm ? given((state as Tensor[] | null | undefined)?.[1]) : null;
  let seq = !batched ? g.unsqueeze(x.name, 1) : m.batchFirst ? g.op('Transpose', [x.name], { perm: attr.ints([1, 0, 2]) }) : x.name;
  const directions = m.numDirections;
  const finalH: string[] = [];
  const finalC: string[] = [];
  for (let layer = 0; layer < m.numLayers; layer++) {
    const [w, r, b = ''] = layerWeights(ctx, m, layer);
    const inputs = [seq, w!, r!, b, '', initialState(g, h0, layer, directions), ...(lstm ? [initialState(g, c0, layer, directions)] : [])];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const [y, yh, yc] = g.node(LAYOUT[m.mode].op, inputs, layerAttributes(m), lstm ? 3 : 2);
    // Y [T, D, B, H] → [T, B, D·H]
    seq = g.op('Reshape', [g.op('Transpose', [y!], { perm: attr.ints([0, 2, 1, 3]) }), g.int64([0, 0, directions * m.hiddenSize])]);
    finalH.push(yh!);
    if (yc !== undefined) finalC.push(yc);
  }
  const joined = (states: string[]): string => {
    const all = states.length === 1 ? states[0]! : g.op('Concat', states, { axis: attr.int(0) });
    return batched ? all : g.squeeze(all, 1);
  };
  const out = !batched ? g.squeeze(seq, 1) : m.batchFirst ? g.op('Transpose', [seq], { perm: attr.ints([1, 0, 2]) }) : seq;
  const [outT, stateOut] = outputs as [Tensor, Tensor | [Tensor, Tensor]];
  const steps = x.dims[batched && m.batchFirst ? 1 : 0]!;
  const batch: Dim[] = batched ? [x.dims[m.batchFirst ? 0 : 1]!] : [];
  const width = directions * m.hiddenSize;
  ctx.define(outT, { name: out, type: x.type, dims: !batched ? [steps, width] : m.batchFirst ? [...batch, steps, width] : [steps, ...batch, width] });
  const stateDims = [m.numLayers * directions, ...batch, m.hiddenSize];
  if (lstm) {
    const [hN, cN] = stateOut as [Tensor, Tensor];
    ctx.define(hN, { name: joined(finalH), type: x.type, dims: stateDims });
    ctx.define(cN, { name: joined(finalC), type: x.type, dims: stateDims });
  } else {
    ctx.define(stateOut as Tensor, { name: joined(finalH), type: x.type, dims: stateDims });
  }
};
