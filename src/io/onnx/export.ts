/**
 * ONNX export: `toOnnx(model, exampleInputs, options)` → the bytes of an ONNX model.
 *
 * Design. One forward pass runs in eval mode under noGrad with a tracer set in `apply` (the one
 * hook in the core: a null check per op when off). Every primitive op it sees is lowered on the spot
 * to ONNX nodes by a table keyed by op name (lowering.ts); parameters and buffers become initializers
 * under their state-dict names, other constants anonymous initializers, and ops on constants alone
 * are folded. Layers whose primitives do not map well (convolution and pooling run as im2col and
 * gathers, RNN/LSTM/GRU as fused time loops) export as a whole, keyed by class: their forward runs
 * untraced and they write Conv/MaxPool/AveragePool/RNN/LSTM/GRU nodes (modules.ts). Everything else,
 * MultiheadAttention and the Transformer layers included, is traced through its primitives
 * (attention as MatMul/Softmax/MatMul). Dynamic axes are followed symbolically (symbolic.ts), so
 * that reshapes and expands of a dynamic size read it at run time instead of baking in the example's.
 * The protobuf is written by a small writer of our own (proto.ts, messages.ts).
 */
import { ArgumentError, ShapeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import { Tensor } from '../../core/tensor.js';
import { Module } from '../../nn/module.js';
import { GraphBuilder } from './graph.js';
import { encodeModel, type ValueInfoMessage } from './messages.js';
import { isFixed } from './symbolic.js';
import { Tracer } from './tracer.js';

/** Options of `toOnnx` (torch.onnx.export's keyword arguments, camelCased). */
export interface OnnxExportOptions {
  /** Names of the graph inputs, one per Tensor in `exampleInputs` (default `input_0`, `input_1`, …). */
  inputNames?: readonly string[];
  /** Names of the graph outputs, one per Tensor the model returns, nested arrays flattened (default `output_0`, …). */
  outputNames?: readonly string[];
  /**
   * Axes whose size may change at run time, by input or output name: `{ input: { 0: 'batch' } }`
   * names them, `{ input: [0] }` lets them be named `input_dynamic_axes_1`.
   */
  dynamicAxes?: Readonly<Record<string, Readonly<Record<number, string>> | readonly number[]>>;
  /** The default-domain opset, 17 to 21 (default 17, the first with LayerNormalization). */
  opsetVersion?: number;
}

const OPTION_NAMES = ['inputNames', 'outputNames', 'dynamicAxes', 'opsetVersion'];
/** The ONNX IR version that goes with each opset. */
const IR_VERSION: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

/** The checked names: `given` or `prefix_i`, one per item, unique strings. */
function namesOf(given: readonly string[] | undefined, count: number, prefix: string, what: string): string[] {
  const names = given === undefined ? Array.from({ length: count }, (_, i) => `${prefix}_${i}`) : [...given];
  check(Array.isArray(names) && names.every((n) => typeof n === 'string' && n !== ''), ArgumentError,
    () => `[toOnnx] ${what}Names must be a list of non-empty strings, got ${fmt(given)}`);
  check(names.length === count, ArgumentError, () => `[toOnnx] ${names.length} ${what}Names for ${count} ${what}${count === 1 ? '' : 's'}: ${fmt(names)}`);
  check(new Set(names).size === names.length, ArgumentError, () => `[toOnnx] ${what}Names repeat a name: ${fmt(names)}`);
  return names;
}

/** One name's dynamic axes as axis → label, checked against the rank. */
function axesOf(spec: Readonly<Record<number, string>> | readonly number[], name: string, rank: number): Record<number, string> {
  const entries: [number, string][] = Array.isArray(spec)
    ? spec.map((a: number) => [a, `${name}_dynamic_axes_${a + 1}`])
    : Object.entries(spec as Record<string, unknown>).map(([a, label]) => [Number(a), label as string]);
  const out: Record<number, string> = {};
  for (const [axis, label] of entries) {
    check(Number.isSafeInteger(axis) && typeof label === 'string' && label !== '', ArgumentError,
      () => `[toOnnx] dynamicAxes['${name}'] must map axes to names (or list axes), got ${fmt(spec)}`);
    check(axis >= 0 && axis < rank, ShapeError, () => `[toOnnx] dynamic axis ${axis} of '${name}' is out of range for its ${rank} dims`);
    out[axis] = label;
  }
  return out;
}

/** The tensors a model returned, in order (nested arrays flattened, null entries skipped). */
function flattenOutputs(out: unknown): Tensor[] {
  if (out instanceof Tensor) return [out];
  if (out === null || out === undefined) return [];
  check(Array.isArray(out), ArgumentError, () => `[toOnnx] the model must return a Tensor or (nested) arrays of Tensors, got ${fmt(out)}`);
  return out.flatMap(flattenOutputs);
}

/**
 * Exports a model as ONNX bytes by tracing one forward pass on `exampleInputs` (one Tensor or the
 * list of forward's arguments: each Tensor becomes a graph input, other arguments are passed as they
 * are and tensors inside them are constants). Parameters and buffers become initializers named as in
 * the state dict. Runs in eval mode without recording gradients; the model's mode is restored.
 * Throws an OnnxExportError naming an op or layer that has no ONNX form.
 * @example
 * const bytes = toOnnx(model, [randn([2, 784])], {
 *   inputNames: ['input'], outputNames: ['logits'],
 *   dynamicAxes: { input: { 0: 'batch' }, logits: { 0: 'batch' } },
 * });
 * writeFileSync('model.onnx', bytes); // then: await ort.InferenceSession.create(bytes)
 */
export function toOnnx(model: Module, exampleInputs: Tensor | readonly unknown[], options: OnnxExportOptions = {}): Uint8Array {
  check(model instanceof Module, ArgumentError, () => `[toOnnx] model must be an nn.Module, got ${fmt(model)}`);
  checkOptionNames(options as unknown, OPTION_NAMES, 'toOnnx');
  check(exampleInputs instanceof Tensor || Array.isArray(exampleInputs), ArgumentError,
    () => `[toOnnx] exampleInputs must be a Tensor or a list of forward's arguments, got ${fmt(exampleInputs)}`);
  const { opsetVersion = 17, dynamicAxes = {} } = options;
  check(Number.isSafeInteger(opsetVersion) && opsetVersion in IR_VERSION, ArgumentError,
    () => `[toOnnx] opsetVersion must be an integer from 17 to 21, got ${fmt(opsetVersion)}`);
  check(typeof dynamicAxes === 'object' && dynamicAxes !== null, ArgumentError, () => `[toOnnx] dynamicAxes must be an object, got ${fmt(dynamicAxes)}`);
  const args = exampleInputs instanceof Tensor ? [exampleInputs] : [...exampleInputs];
  const tensors = args.filter((a): a is Tensor => a instanceof Tensor);
  check(new Set(tensors).size === tensors.length, ArgumentError, () => '[toOnnx] the same Tensor is passed as two inputs; clone() one of them');
  const inputNames = namesOf(options.inputNames, tensors.length, 'input', 'input');

  const g = new GraphBuilder(opsetVersion);
  const tracer = new Tracer(g, model);
  const params = new Set(tracer.paramNames());
  const inputs: ValueInfoMessage[] = tensors.map((t, i) => {
    const name = inputNames[i]!;
    check(!params.has(name), ArgumentError, () => `[toOnnx] input name '${name}' is also the name of a parameter or buffer`);
    g.reserve(name);
    const axes = name in dynamicAxes ? axesOf(dynamicAxes[name]!, name, t.ndim) : {};
    tracer.addInput(t, name, axes);
    return { name, type: t.dtype, dims: t.shape.map((s, a) => axes[a] ?? s) };
  });

  const results = flattenOutputs(tracer.run(model, args));
  const outputNames = namesOf(options.outputNames, results.length, 'output', 'output');
  for (const key of Object.keys(dynamicAxes)) {
    check(inputNames.includes(key) || outputNames.includes(key), ArgumentError,
      () => `[toOnnx] dynamicAxes names '${key}', which is neither an input (${inputNames.join(', ')}) nor an output (${outputNames.join(', ')})`);
  }
  const outputs: ValueInfoMessage[] = results.map((t, i) => {
    const name = outputNames[i]!;
    check(!params.has(name) && !inputNames.includes(name), ArgumentError, () => `[toOnnx] output name '${name}' is also the name of an input, a parameter or a buffer`);
    const value = tracer.resolve(t);
    g.node('Identity', [value.name], {}, [name]);
    const axes = name in dynamicAxes ? axesOf(dynamicAxes[name]!, name, t.ndim) : {};
    return { name, type: t.dtype, dims: value.dims.map((d, a) => axes[a] ?? (isFixed(d) ? d : g.dimParam(d))) };
  });

  return encodeModel({
    irVersion: IR_VERSION[opsetVersion]!,
    opsetVersion,
    producerName: 'nabla',
    producerVersion: '0.1.0',
    graph: { name: model.constructor.name, nodes: g.nodes, initializers: g.initializers, inputs, outputs },
  });
}
