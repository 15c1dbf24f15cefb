/**
 * The trace: one forward pass in eval mode under noGrad with a tracer set in `apply`, so that every
 * primitive op is seen with its inputs, attributes and output and lowered to ONNX nodes on the spot.
 *
 * Tensors are told apart by identity: the example inputs are the graph's inputs, parameters and
 * buffers (and views of them with the same layout, such as `weight.detach()`) are initializers
 * under their state-dict names, values computed from those are traced, and every other tensor is a
 * constant. An op whose inputs are all constants is not recorded: its output becomes a constant
 * itself when something traced uses it (constant folding for free: masks, position tables).
 *
 * Modules with an exporter (modules.ts) run their forward with the tracer off and write their own
 * nodes from their inputs and outputs.
 */
import { ShapeError, check } from '../../base/errors.js';
import { broadcastShapes, sameShape, showShape, type Shape } from '../../base/shape.js';
import { setTracer, type OpDef } from '../../core/autograd.js';
import { noGrad } from '../../core/grad-mode.js';
import type { Storage } from '../../core/storage.js';
import type { Tensor } from '../../core/tensor.js';
import type { Module } from '../../nn/module.js';
import { OnnxExportError, type GraphBuilder, type Value } from './graph.js';
import { ELEMENTWISE, LOWERINGS, unsupportedMessage } from './lowering.js';
import { moduleExporter, type ExportContext } from './modules.js';
import { showDim, sizeOf, type Dim } from './symbolic.js';

/** True when every element of `t` is the same (NaN included), so that it may stand as one number. */
function uniform(t: Tensor): boolean {
  if (t.numel() === 0) return false;
  const data = t.toTypedArray();
  const first = data[0]!;
  return data.every((v) => v === first || (Number.isNaN(v) && Number.isNaN(first)));
}

/** Whether two tensors view the same elements of one storage in the same layout. */
function sameLayout(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.offset === b.offset && sameShape(a.shape, b.shape) && a.strides.every((s, i) => s === b.strides[i]);
}

/**
 * Records one forward pass of a model as ONNX nodes (see the file comment).
 * @example
 * const tracer = new Tracer(g, model);
 * tracer.addInput(x, 'input', { 0: 'batch' });
 * const out = tracer.run(model, [x]);
 */
export class Tracer implements ExportContext {
  private readonly values = new Map<Tensor, Value>();
  private readonly versions = new Map<Tensor, number>();
  /** Traced tensors by storage, to recognise views of them made without an op (detach). */
  private readonly byStorage = new Map<Storage, Tensor[]>();
  private readonly params = new Map<Storage, [string, Tensor][]>();
  private readonly paramValues = new Map<string, Value>();
  private busy = false;
  /** > 0 while a module that exports as a whole runs (its inner modules then run as they are). */
  private exporting = 0;

  constructor(readonly g: GraphBuilder, model: Module) {
    for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
      const list = this.params.get(t._storage) ?? [];
      list.push([name, t]);
      this.params.set(t._storage, list);
    }
  }

  /** The state-dict names of the parameters and buffers (for checking user names against them). */
  paramNames(): string[] {
    return [...this.params.values()].flat().map(([name]) => name);
  }

  /** Makes `t` the graph input `name`; `axes` names its dynamic axes. */
  addInput(t: Tensor, name: string, axes: Readonly<Record<number, string>>): Value {
    const dims: Dim[] = t.shape.map((size, axis) => {
      const label = axes[axis];
      if (label === undefined) return size;
      check(size > 1, ShapeError, () =>
        `[toOnnx] the dynamic axis '${label}' (dim ${axis} of input '${name}') has size ${size} in the example; give an example of size 2 or more, so that the trace can tell it from fixed sizes`);
      const id = `in:${label}`;
      const known = this.g.symbols.get(id);
      check(known === undefined || known.size === size, ShapeError, () =>
        `[toOnnx] the dynamic axis '${label}' has size ${known!.size} in one input and ${size} in input '${name}'`);
      if (known === undefined) this.g.symbols.set(id, { size, source: { value: name, axis }, label });
      return { k: 1, syms: [id] };
    });
    const value: Value = { name, type: t.dtype, dims };
    this.define(t, value);
    return value;
  }

  /** The parameter or buffer `t` is (or is a same-layout view of), by state-dict name. */
  private paramOf(t: Tensor): [string, Tensor] | null {
    const list = this.params.get(t._storage);
    if (list === undefined) return null;
    return list.find(([, p]) => p === t) ?? list.find(([, p]) => sameLayout(p, t)) ?? null;
  }

  /** The traced tensor `t` is, or is a same-layout view of (`x.detach()`), or undefined. */
  private tracedOf(t: Tensor): Tensor | undefined {
    if (this.values.has(t)) return t;
    return this.byStorage.get(t._storage)?.find((u) => sameLayout(u, t));
  }

  private isTraced(t: Tensor): boolean {
    return this.tracedOf(t) !== undefined || this.paramOf(t) !== null;
  }

  /** The graph value of a tensor: traced, a parameter (initializer under its name) or a constant. */
  resolve(t: Tensor): Value {
    const same = this.tracedOf(t);
    const traced = same === undefined ? undefined : this.values.get(same);
    if (traced !== undefined) {
      if (t._storage.version !== this.versions.get(same!)) {
        throw new OnnxExportError(`[toOnnx] a traced tensor of shape ${showShape(t.shape)} (${traced.name}) was modified in place; in-place ops cannot be exported, use their out-of-place forms`);
      }
      return traced;
    }
    const param = this.paramOf(t);
    if (param !== null) {
      const [name, p] = param;
      let value = this.paramValues.get(name);
      if (value === undefined) {
        value = { name: this.g.initializer(name, p.dtype, p.shape, p.toTypedArray()), type: p.dtype, dims: [...p.shape] };
        this.paramValues.set(name, value);
      }
      return value;
    }
    const constant = t.numel() === 1 ? Number(t.toTypedArray()[0]!) : undefined;
    return { name: this.g.constant(t), type: t.dtype, dims: [...t.shape], constant };
  }

  /** Records that `value` stands for `t` (its dims checked against t's shape). */
  define(t: Tensor, value: Value): void {
    const sizes = value.dims.map((d) => sizeOf(d, this.g.symbols));
    check(sameShape(sizes, t.shape), OnnxExportError, () =>
      `[toOnnx] internal error: ${value.name} was traced as [${value.dims.map((d) => showDim(d, this.g.symbols)).join(',')}] for a tensor of shape ${showShape(t.shape)}`);
    this.values.set(t, value);
    this.versions.set(t, t._storage.version);
    const list = this.byStorage.get(t._storage) ?? [];
    list.push(t);
    this.byStorage.set(t._storage, list);
  }

  /** An op's input; a uniform constant in an elementwise op, covered by the other operands, is one number. */
  private input(op: string, inputs: readonly Tensor[], i: number, out: Shape): Value {
    const t = inputs[i]!;
    if (ELEMENTWISE.has(op) && inputs.length > 1 && !this.isTraced(t) && uniform(t)) {
      const others = inputs.filter((_, j) => j !== i).reduce<Shape>((s, x) => broadcastShapes(s, x.shape, op), []);
      const value = Number(t.toTypedArray()[0]!);
      if (sameShape(others, out)) return { name: this.g.scalar(value, t.dtype), type: t.dtype, dims: [], constant: value };
    }
    return this.resolve(t);
  }

  private readonly onOp = (op: OpDef<unknown>, inputs: readonly Tensor[], attrs: unknown, out: Tensor): void => {
    if (this.busy || !inputs.some((t) => this.isTraced(t))) return;
    this.busy = true;
    try {
      const lower = LOWERINGS[op.name];
      if (lower === undefined) throw new OnnxExportError(unsupportedMessage(op.name));
      const ins = inputs.map((_, i) => this.input(op.name, inputs, i, out.shape));
      this.define(out, lower(this.g, ins, attrs as never, out));
    } finally {
      this.busy = false;
    }
  };

  /** Runs `model.forward(...args)` in eval mode under noGrad, tracing it; returns what it returned. */
  run(model: Module, args: readonly unknown[]): unknown {
    const restore = this.wrapModules(model);
    const modes = model.modules().map((m) => [m, m.training] as const);
    model.eval();
    const previous = setTracer(this.onOp);
    try {
      return noGrad(() => model.forward(...args));
    } finally {
      setTracer(previous);
      restore();
      for (const [m, training] of modes) m.training = training;
    }
  }

  /**
   * Wraps each module's forward for the pass (as `summary` does): ops are named under the module's
   * path, and a module with an exporter runs untraced and writes its own nodes. Returns the undo.
   */
  private wrapModules(model: Module): () => void {
    const undo: (() => void)[] = [];
    for (const [path, m] of model.namedModules()) {
      const own = Object.getOwnPropertyDescriptor(m, 'forward');
      const original = m.forward;
      const exporter = moduleExporter(m);
      m.forward = (...args: unknown[]): unknown => {
        const scope = this.g.scope;
        this.g.scope = path;
        try {
          if (exporter === null || this.exporting > 0) return original.apply(m, args);
          this.exporting++;
          const previous = setTracer(null);
          let out: unknown;
          try {
            out = original.apply(m, args);
          } finally {
            setTracer(previous);
            this.exporting--;
          }
          exporter(this, m, args, out);
          return out;
        } finally {
          this.g.scope = scope;
        }
      };
      undo.push(() => {
        if (own === undefined) delete (m as { forward?: unknown }).forward;
        else Object.defineProperty(m, 'forward', own);
      });
    }
    return () => undo.forEach((u) => u());
  }
}
