/**
 * The graph an export builds: nodes, initializers and the symbols of dynamic axes, with the helpers
 * every lowering uses (constants, casts, shape tensors that read dynamic sizes at run time).
 */
import { allocate, type DType, type TypedArray } from '../../base/dtype.js';
import { ArgumentError } from '../../base/errors.js';
import { numel } from '../../base/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { ONNX_TYPE_CODE, type Attribute, type NodeMessage, type OnnxType, type TensorMessage } from './messages.js';
import { isFixed, showDim, type Dim, type SymbolInfo } from './symbolic.js';

/** A value of the graph: its name, element type and (symbolic) dims. */
export interface Value {
  readonly name: string;
  readonly type: OnnxType;
  readonly dims: readonly Dim[];
  /** For a one-element constant: its number. */
  readonly constant?: number;
  /** For a sum over dims that include a dynamic axis: how many elements each output summed (see `mean`). */
  readonly count?: Dim;
}

/**
 * The error of an export that cannot be written: an op or module without an ONNX form, a tensor
 * modified in place during the trace. An ArgumentError (the model given cannot be exported).
 * @example
 * try { toOnnx(model, [x]); } catch (e) { if (e instanceof OnnxExportError) console.log(e.message); }
 */
export class OnnxExportError extends ArgumentError {
  override name = 'OnnxExportError';
}

/**
 * Attribute constructors, tagged with their AttributeProto type.
 * @example
 * g.op('LayerNormalization', [x, scale], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
 */
export const attr = {
  int: (value: number): Attribute => ({ type: 'int', value }),
  float: (value: number): Attribute => ({ type: 'float', value }),
  ints: (value: readonly number[]): Attribute => ({ type: 'ints', value }),
  string: (value: string): Attribute => ({ type: 'string', value }),
  strings: (value: readonly string[]): Attribute => ({ type: 'strings', value }),
};

/**
 * The largest int64: Slice's "to the end".
 * @example
 * g.op('Slice', [x, g.int64([1]), g.int64([INT64_MAX]), g.int64([0])]); // x[1:]
 */
export const INT64_MAX = 9223372036854775807n;

/**
 * Nodes, initializers and symbols of one export, and the helpers lowerings build with.
 * @example
 * const [y] = g.node('Relu', [x.name]);
 */
export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  readonly symbols = new Map<string, SymbolInfo>();
  /** Dims that reshapes merged into one dynamic dim (see ReshapeContext). */
  readonly merged = new Map<string, Dim[][]>();
  /** The module path ops are emitted under (`encoder/layers.0/self_attn`), for readable names. */
  scope = '';
  private readonly taken = new Set<string>();
  private readonly memo = new Map<string, string>();
  private readonly tensorConstants = new Map<Tensor, string>();
  private counter = 0;
  private constants = 0;

  constructor(readonly opset: number) {}

  /** A fresh value name based on `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.taken.has(name)) name = `${hint}_${++this.counter}`;
    this.taken.add(name);
    return name;
  }

  /** Reserves a name given by the user (an input, an output, a state-dict key). */
  reserve(name: string): void {
    this.taken.add(name);
  }

  /** Emits a node; returns its output names (fresh unless given). */
  node(opType: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, outputs: number | readonly string[] = 1): string[] {
    const base = `${this.scope === '' ? '' : `/${this.scope}`}/${opType}`;
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => this.fresh(`${base}_output_${i}`)) : [...outputs];
    this.nodes.push({ opType, name: this.fresh(base), inputs, outputs: names, attributes });
    return names;
  }

  /** Emits a one-output node; returns its output name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}): string {
    return this.node(opType, inputs, attributes)[0]!;
  }

  /** Adds an initializer under `name` (taken as is). */
  initializer(name: string, type: OnnxType, dims: readonly number[], data: TypedArray | BigInt64Array): string {
    this.reserve(name);
    this.initializers.push({ name, type, dims: [...dims], data });
    return name;
  }

  /** A constant initializer with a fresh name, shared between uses with the same `key`. */
  private constantOnce(key: string, make: () => [OnnxType, readonly number[], TypedArray | BigInt64Array]): string {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const [type, dims, data] = make();
    const name = this.initializer(this.fresh(`onnx::Constant_${this.constants++}`), type, dims, data);
    this.memo.set(key, name);
    return name;
  }

  /** An int64 constant (1-d by default): shapes, axes, pads, starts. */
  int64(values: readonly (number | bigint)[], dims: readonly number[] = [values.length]): string {
    return this.constantOnce(`i64:${dims.join(',')}:${values.join(',')}`, () => ['int64', dims, BigInt64Array.from(values, (v) => BigInt(v))]);
  }

  /** A constant of `type` holding `value` (0-d unless `dims` are given). */
  scalar(value: number | boolean, type: DType, dims: readonly number[] = []): string {
    return this.constantOnce(`s:${type}:${dims.join(',')}:${String(value)}`, () => {
      const data = allocate(type, numel(dims));
      data.fill(Number(value));
      return [type, dims, data];
    });
  }

  /**
   * A tensor's elements as an anonymous constant: once per tensor, and once per content for small
   * ones (a mask a layer builds on every call is written once).
   */
  constant(t: Tensor): string {
    let name = this.tensorConstants.get(t);
    if (name === undefined) {
      const data = t.toTypedArray();
      const key = data.length <= 4096 ? `t:${t.dtype}:${t.shape.join(',')}:${data.join(',')}` : `t:${this.constants}`;
      name = this.constantOnce(key, () => [t.dtype, t.shape, data]);
      this.tensorConstants.set(t, name);
    }
    return name;
  }

  /** `v` converted to `type` (v itself when it has it). */
  cast(v: Value, type: OnnxType): string {
    return v.type === type ? v.name : this.op('Cast', [v.name], { to: attr.int(ONNX_TYPE_CODE[type]) });
  }

  /** `x` with a size-1 axis inserted at `axis`. */
  unsqueeze(x: string, axis: number): string {
    return this.op('Unsqueeze', [x, this.int64([axis])]);
  }

  /** `x` without its size-1 axis `axis`. */
  squeeze(x: string, axis: number): string {
    return this.op('Squeeze', [x, this.int64([axis])]);
  }

  /** A [1] int64 tensor holding the run-time size of a dim (a constant when fixed). */
  dimValue(d: Dim): string {
    if (isFixed(d)) return this.int64([d]);
    const key = `dim:${d.k}:${d.syms.join('*')}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    let out: string | null = d.k === 1 ? null : this.int64([d.k]);
    for (const s of d.syms) {
      const { source } = this.symbols.get(s)!;
      const size = this.memoized(`sym:${s}`, () => this.op('Shape', [source.value], { start: attr.int(source.axis), end: attr.int(source.axis + 1) }));
      out = out === null ? size : this.op('Mul', [out, size]);
    }
    this.memo.set(key, out!);
    return out!;
  }

  private memoized(key: string, make: () => string): string {
    let name = this.memo.get(key);
    if (name === undefined) {
      name = make();
      this.memo.set(key, name);
    }
    return name;
  }

  /**
   * A 1-d int64 shape tensor: each entry a number (fixed) or a dim read at run time. All fixed: a
   * constant; otherwise the pieces concatenated.
   */
  shapeTensor(entries: readonly (number | Dim)[]): string {
    if (entries.every(isFixed)) return this.int64(entries);
    return this.op('Concat', entries.map((e) => this.dimValue(e)), { axis: attr.int(0) });
  }

  /** A new symbol whose source is axis `axis` of value `value` (a size no product of the others). */
  freshSymbol(value: string, axis: number, size: number, label: string): Dim {
    const id = `s${this.symbols.size}`;
    this.symbols.set(id, { size, source: { value, axis }, label });
    return { k: 1, syms: [id] };
  }

  /** A dim's name for a ValueInfo: its size, or a dim_param. */
  dimParam(d: Dim): number | string {
    return isFixed(d) ? d : showDim(d, this.symbols);
  }
}
