/**
 * Modules that export as a whole, because their primitive ops do not map well to ONNX: convolutions
 * and pooling run as im2col (unfold) and gathers, recurrent layers as fused time loops. Each exporter
 * gets the module's arguments and outputs (its forward ran untraced) and writes the ONNX op that the
 * layer is: Conv, MaxPool, AveragePool, RNN, LSTM, GRU. Keyed by class (instanceof), so nn stays
 * unaware of ONNX.
 */
import type { Tensor } from '../../core/tensor.js';
import { pairArg } from '../../ops/window.js';
import type { Module } from '../../nn/module.js';
import { Conv1d, Conv2d } from '../../nn/layers/conv.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../nn/layers/pooling.js';
import { RNNBase } from '../../nn/layers/rnn.js';
import { attr, type GraphBuilder, type Value } from './graph.js';
import type { Attribute } from './messages.js';
import { exportRecurrent } from './modules-rnn.js';
import { isFixed, type Dim } from './symbolic.js';

/** What an exporter works with: the graph, and the graph values of tensors. */
export interface ExportContext {
  readonly g: GraphBuilder;
  /** The value standing for a tensor (traced, a parameter or a constant). */
  resolve(t: Tensor): Value;
  /** Records that `value` stands for the tensor `t`. */
  define(t: Tensor, value: Value): void;
}

/** Writes a module call as ONNX nodes and defines its outputs. */
export type ModuleExporter = (ctx: ExportContext, module: Module, args: readonly unknown[], out: unknown) => void;

/** The output dims of a windowed op: batch and channels, then each spatial dim (fresh when the input's is dynamic). */
function windowedDims(g: GraphBuilder, x: Value, y: string, out: Tensor, channels: number, batched: boolean): Dim[] {
  const spatial = out.shape.slice(batched ? 2 : 1);
  const first = batched ? 2 : 1;
  const dims = spatial.map((s, i): Dim => (isFixed(x.dims[first + i]!) ? s : g.freshSymbol(y, first + i, s, `spatial_${i}`)));
  return batched ? [x.dims[0]!, channels, ...dims] : [channels, ...dims];
}

/** Runs `make` on x with a batch axis (added for an unbatched input and removed again). */
function batchedNode(g: GraphBuilder, x: Value, spatial: number, make: (input: string) => string): { y: string; batched: boolean } {
  const batched = x.dims.length === spatial + 2;
  const y = make(batched ? x.name : g.unsqueeze(x.name, 0));
  return { y: batched ? y : g.squeeze(y, 0), batched };
}

/** Conv1d and Conv2d as Conv ('same' padding resolved to explicit, possibly uneven pads as PyTorch). */
const conv: ModuleExporter = (ctx, module, [input], out) => {
  const m = module as Conv1d | Conv2d;
  const { g } = ctx;
  const x = ctx.resolve(input as Tensor);
  const w = ctx.resolve(m.weight);
  const kernel = w.dims.slice(2) as number[];
  const n = kernel.length;
  const list = (v: number | readonly number[] | undefined, fallback: number): number[] =>
    v === undefined ? kernel.map(() => fallback) : typeof v === 'number' ? kernel.map(() => v) : [...v];
  const { padding } = m.options;
  const strides = list(m.options.stride, 1);
  const dilations = list(m.options.dilation, 1);
  let pads: number[];
  if (padding === 'same') {
    const total = kernel.map((k, i) => dilations[i]! * (k - 1));
    pads = [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
  } else {
    const p = list(padding === 'valid' ? 0 : padding, 0);
    pads = [...p, ...p];
  }
  const attributes: Record<string, Attribute> = {
    kernel_shape: attr.ints(kernel), strides: attr.ints(strides), dilations: attr.ints(dilations), pads: attr.ints(pads), group: attr.int(m.options.groups ?? 1),
  };
  const inputs = [w.name, ...(m.bias === null ? [] : [ctx.resolve(m.bias).name])];
  const { y, batched } = batchedNode(g, x, n, (xs) => g.op('Conv', [xs, ...inputs], attributes));
  ctx.define(out as Tensor, { name: y, type: x.type, dims: windowedDims(g, x, y, out as Tensor, m.outChannels, batched) });
};

/** MaxPool2d as MaxPool and AvgPool2d as AveragePool (a divisorOverride rescales the window mean). */
const pool: ModuleExporter = (ctx, module, [input], out) => {
  const m = module as MaxPool2d | AvgPool2d;
  const { g } = ctx;
  const x = ctx.resolve(input as Tensor);
  const options = m.options ?? {};
  const kernel = pairArg(m.kernelSize, 'toOnnx', 'kernelSize', 1);
  const strides = pairArg(options.stride ?? kernel, 'toOnnx', 'stride', 1);
  const padding = pairArg(options.padding ?? 0, 'toOnnx', 'padding', 0);
  const attributes: Record<string, Attribute> = { kernel_shape: attr.ints(kernel), strides: attr.ints(strides), pads: attr.ints([...padding, ...padding]) };
  const c = (out as Tensor).shape[(out as Tensor).ndim - 3]!;
  const { y, batched } = batchedNode(g, x, 2, (xs) => {
    if (m instanceof MaxPool2d) return g.op('MaxPool', [xs], { ...attributes, dilations: attr.ints(pairArg(m.options.dilation ?? 1, 'toOnnx', 'dilation', 1)) });
    const { countIncludePad = true, divisorOverride } = m.options ?? {};
    const include = countIncludePad || divisorOverride !== undefined;
    const mean = g.op('AveragePool', [xs], { ...attributes, count_include_pad: attr.int(include ? 1 : 0) });
    return divisorOverride === undefined ? mean : g.op('Mul', [mean, g.scalar((kernel[0] * kernel[1]) / divisorOverride, x.type as 'float32')]);
  });
  ctx.define(out as Tensor, { name: y, type: x.type, dims: windowedDims(g, x, y, out as Tensor, c, batched) });
};

/** AdaptiveAvgPool2d to 1×1 as GlobalAveragePool, which any input size fits (other sizes are traced: two products). */
const globalPool: ModuleExporter = (ctx, _, [input], out) => {
  const x = ctx.resolve(input as Tensor);
  const { y, batched } = batchedNode(ctx.g, x, 2, (xs) => ctx.g.op('GlobalAveragePool', [xs]));
  const c = x.dims[batched ? 1 : 0]!;
  ctx.define(out as Tensor, { name: y, type: x.type, dims: batched ? [x.dims[0]!, c, 1, 1] : [c, 1, 1] });
};

const isGlobal = (m: AdaptiveAvgPool2d): boolean => {
  const size = m.outputSize;
  return size === 1 || (Array.isArray(size) && size[0] === 1 && size[1] === 1);
};

/**
 * The exporter of a module that exports as a whole, or null (its ops are traced).
 * @example
 * moduleExporter(new nn.Conv2d(1, 8, 3)); // the Conv exporter
 */
export function moduleExporter(m: Module): ModuleExporter | null {
  if (m instanceof Conv1d || m instanceof Conv2d) return conv;
  if (m instanceof MaxPool2d || m instanceof AvgPool2d) return pool;
  if (m instanceof AdaptiveAvgPool2d && isGlobal(m)) return globalPool;
  if (m instanceof RNNBase) return exportRecurrent;
  return null;
}

