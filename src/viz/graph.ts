/**
 * The graph behind a result, as plain data: `graphOf` walks what autograd recorded for a `Tensor`
 * (its `_node` chain) or what a scalar `Value` remembers (`_parents`, `_op`) and lists one node per
 * tensor and one per op application, in topological order. `toDot` and `graphToSvg` draw this data,
 * and an app can lay it out its own way.
 *
 * NOTE: autograd keeps shapes and dtypes of every recorded tensor but not the intermediate tensors
 * themselves: their values (and `.grad`) are known only for the root, leaves, tensors passed in
 * `names`, and tensors that called `retainGrad()`. An input that needed no gradient is not recorded
 * at all beyond its shape and dtype: it appears as a `constant` node, one per use.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { showShape, type Shape } from '../base/shape.js';
import type { DType } from '../base/dtype.js';
import { VALUE_BRAND } from '../base/value-brand.js';
import { Node } from '../core/autograd.js';
import { noGrad } from '../core/grad-mode.js';
import { Tensor } from '../core/tensor.js';

/** A scalar `Value` as the graph walker reads it (any `Value` of `nabla` is one). */
export interface ValueLike {
  readonly data: number;
  readonly grad: number;
  readonly label: string;
  /** The op that produced it ('' for a leaf). */
  readonly _op: string;
  readonly _parents: readonly ValueLike[];
}

/** A tensor's gradient: its shape, and its values when the tensor is small (`maxValues`). */
export interface GraphGrad {
  readonly shape: Shape;
  readonly values?: readonly number[];
}

/** One node of a `Graph`: a tensor, a scalar `Value`, or one application of an op. */
export interface GraphNode {
  /** `n0`, `n1`, …: the node's position in `Graph.nodes`. */
  readonly id: string;
  readonly kind: 'tensor' | 'value' | 'op';
  /** The op's name for an op; the name given in `names` (or a Value's label) for data; else ''. */
  readonly label: string;
  /** A tensor's shape (`[]` for a Value); null for an op. */
  readonly shape: Shape | null;
  /** A tensor's dtype; null for a Value or an op. */
  readonly dtype: DType | null;
  /** The elements in row-major order, when known and at most `maxValues` of them. */
  readonly data?: readonly number[];
  /** The gradient, when the tensor has one (after `backward()`: leaves and `retainGrad()` tensors). */
  readonly grad?: GraphGrad;
  /** Data nodes: not produced by a recorded op (a leaf or a constant). */
  readonly leaf?: boolean;
  /** Data nodes: whether gradients flow to it (false for a constant input). */
  readonly requiresGrad?: boolean;
}

/** An edge: data → the op that reads it (`input` is the argument position), or op → its output. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly input?: number;
}

/** A computation graph as plain data: nodes in topological order (inputs first, root last). */
export interface Graph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** Options of `graphOf` (and of `toDot` and `graphToSvg`). */
export interface GraphOptions {
  /**
   * Names shown on tensors: `{ a, b, h }` labels each with its key; a non-leaf is found by the op that
   * made it (and shows its values). An input that needs no gradient was not recorded and stays unnamed.
   */
  names?: Readonly<Record<string, Tensor>>;
  /** Most elements whose values (data and grad) are listed; larger tensors show their shape only (default 8). */
  maxValues?: number;
}

type DataNode = Omit<GraphNode, 'id'>;

/** Collects nodes and edges, numbering nodes in the order they are added. */
class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];

  add(node: DataNode): string {
    const id = `n${this.nodes.length}`;
    this.nodes.push({ id, ...node });
    return id;
  }

  op(name: string, inputs: readonly string[]): string {
    const id = this.add({ kind: 'op', label: name, shape: null, dtype: null });
    inputs.forEach((from, input) => this.edges.push({ from, to: id, input }));
    return id;
  }

  edge(from: string, to: string): void {
    this.edges.push({ from, to });
  }
}

/**
 * The graph that produced `root` as plain data: one node per tensor (shape, dtype, small values,
 * gradient after `backward()`) and one per op application, with edges input → op → output, in
 * topological order. It is what `toDot` and `graphToSvg` draw; a scalar `Value` works too.
 * @example
 * const a = tensor([1, 2], { requiresGrad: true });
 * const y = a.mul(a).sum();
 * y.backward();
 * const { nodes, edges } = graphOf(y, { names: { a, y } });
 * nodes.map((n) => n.label); // ['a', 'mul', '', 'sum', 'y']
 */
export function graphOf(root: Tensor | ValueLike, options: GraphOptions = {}): Graph {
  return buildGraph(root, options, 'graphOf');
}

/**
 * `graphOf` for the function `fn`, which its error messages name (internal: the drawings call it).
 * @example
 * const graph = buildGraph(y, {}, 'toDot');
 */
export function buildGraph(root: Tensor | ValueLike, options: GraphOptions, fn: string): Graph {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${fn}] options must be an object, got ${fmt(options)}`);
  const { maxValues = 8 } = options;
  check(Number.isSafeInteger(maxValues) && maxValues >= 0, ArgumentError,
    () => `[${fn}] maxValues must be a non-negative integer, got ${fmt(maxValues)}`);
  if (root instanceof Tensor) return tensorGraph(root, namesByKey(options.names, fn), maxValues);
  check(typeof root === 'object' && root !== null && VALUE_BRAND in root, ArgumentError,
    () => `[${fn}] root must be a Tensor or a Value, got ${fmt(root)}`);
  return valueGraph(root);
}

/** The given names by what identifies a tensor in the graph: its node, or itself for a leaf. */
function namesByKey(names: GraphOptions['names'], fn: string): Map<Node | Tensor, { label: string; tensor: Tensor }> {
  const out = new Map<Node | Tensor, { label: string; tensor: Tensor }>();
  if (names === undefined) return out;
  check(typeof names === 'object' && names !== null, ArgumentError, () => `[${fn}] names must be an object of tensors, got ${fmt(names)}`);
  for (const [label, tensor] of Object.entries(names)) {
    check(tensor instanceof Tensor, ArgumentError, () => `[${fn}] names.${label} must be a Tensor, got ${fmt(tensor)}`);
    const key = tensor._node ?? tensor;
    const prev = out.get(key);
    out.set(key, { label: prev === undefined ? label : `${prev.label}, ${label}`, tensor });
  }
  return out;
}

/** Each item after everything it depends on: an iterative depth-first search (deep graphs don't overflow the stack). */
function postOrder<T>(root: T, inputsOf: (x: T) => readonly T[]): T[] {
  const seen = new Set<T>([root]);
  const post: T[] = [];
  const stack: T[] = [root];
  const inputs: (readonly T[])[] = [inputsOf(root)];
  const next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const i = next[top]!;
    if (i < inputs[top]!.length) {
      next[top] = i + 1;
      const x = inputs[top]![i]!;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(x);
      inputs.push(inputsOf(x));
      next.push(0);
    } else {
      post.push(stack.pop()!);
      inputs.pop();
      next.pop();
    }
  }
  return post;
}

const recordedInputs = (node: Node): Node[] => node.next.filter((e): e is Node => e instanceof Node);

function tensorGraph(root: Tensor, names: ReturnType<typeof namesByKey>, maxValues: number): Graph {
  const b = new GraphBuilder();
  // key: what names the tensor (null for a constant input: nothing recorded it)
  const tensorNode = (t: Tensor | null, shape: Shape, dtype: DType, key: Node | Tensor | null, leaf: boolean): string => {
    const named = key === null ? undefined : names.get(key);
    const known = t ?? named?.tensor ?? null;
    const requiresGrad = key === root ? root.requiresGrad : key !== null;
    return b.add({ kind: 'tensor', label: named?.label ?? '', shape, dtype, ...contents(known, maxValues), leaf, requiresGrad });
  };
  if (root._node === null) {
    tensorNode(root, root.shape, root.dtype, root, true);
    return { nodes: b.nodes, edges: b.edges };
  }
  const leafIds = new Map<Tensor, string>();
  const outIds = new Map<Node, string>();
  for (const node of postOrder(root._node, recordedInputs)) {
    const inputs = node.next.map((edge, i) => {
      if (edge === null) return tensorNode(null, node.inputShapes[i]!, node.inputDtypes[i]!, null, true);
      if (edge instanceof Node) return outIds.get(edge)!;
      let id = leafIds.get(edge);
      if (id === undefined) leafIds.set(edge, (id = tensorNode(edge, edge.shape, edge.dtype, edge, true)));
      return id;
    });
    const op = b.op(node.op.name, inputs);
    const out = tensorNode(node === root._node ? root : node.retained, node.outShape, node.outDtype, node, false);
    b.edge(op, out);
    outIds.set(node, out);
  }
  return { nodes: b.nodes, edges: b.edges };
}

/** A tensor's values and gradient, as far as they are known and small enough to list. */
function contents(t: Tensor | null, maxValues: number): { data?: number[]; grad?: GraphGrad } {
  if (t === null) return {};
  const out: { data?: number[]; grad?: GraphGrad } = {};
  const data = valuesOf(t, maxValues);
  if (data !== undefined) out.data = data;
  const g = t.grad;
  if (g !== null && !g.disposed) {
    const values = valuesOf(g, maxValues);
    out.grad = values === undefined ? { shape: g.shape } : { shape: g.shape, values };
  }
  return out;
}

function valuesOf(t: Tensor, maxValues: number): number[] | undefined {
  if (t.disposed || t.numel() > maxValues) return undefined;
  // reading a strided view makes a contiguous copy: an op, which must not join the graph drawn
  return Array.from(noGrad(() => t.toTypedArray()));
}

function valueGraph(root: ValueLike): Graph {
  const b = new GraphBuilder();
  const ids = new Map<ValueLike, string>();
  for (const v of postOrder(root, (x) => x._parents)) {
    const op = v._op === '' ? null : b.op(v._op, v._parents.map((p) => ids.get(p)!));
    const id = b.add({
      kind: 'value', label: v.label, shape: [], dtype: null,
      data: [v.data], grad: { shape: [], values: [v.grad] }, leaf: op === null, requiresGrad: true,
    });
    if (op !== null) b.edge(op, id);
    ids.set(v, id);
  }
  return { nodes: b.nodes, edges: b.edges };
}

/**
 * The text lines that describe a node in a drawing: the op's name; or a data node's label, dtype and
 * shape, values and gradient (values to `digits` places, else the gradient's dtype and shape).
 * @example
 * nodeLines(graphOf(y).nodes[0]!, 4); // ['float32 [2]', 'data [1.0000, 2.0000]', 'grad [2.0000, 4.0000]']
 */
export function nodeLines(node: GraphNode, digits: number): string[] {
  if (node.kind === 'op') return [node.label];
  const lines = node.label === '' ? [] : [node.label];
  const shape = node.shape ?? [];
  const show = (values: readonly number[]): string => nested(values, shape, (x) => formatNumber(x, node.dtype, digits));
  if (node.dtype !== null) lines.push(`${node.dtype} ${showShape(shape)}`);
  if (node.data !== undefined) lines.push(`data ${show(node.data)}`);
  if (node.grad !== undefined) {
    const { values } = node.grad;
    lines.push(values === undefined ? `grad ${node.dtype ?? ''} ${showShape(node.grad.shape)}` : `grad ${show(values)}`);
  }
  return lines;
}

/** Row-major `values` as nested brackets: `[[1, 2], [3, 4]]`; a 0-d tensor as its one number. */
function nested(values: readonly number[], shape: Shape, format: (x: number) => string): string {
  let k = 0;
  const dim = (d: number): string => {
    if (d === shape.length) return format(values[k++]!);
    return `[${Array.from({ length: shape[d]! }, () => dim(d + 1)).join(', ')}]`;
  };
  return dim(0);
}

function formatNumber(x: number, dtype: DType | null, digits: number): string {
  if (dtype === 'bool') return x !== 0 ? 'true' : 'false';
  if (dtype === 'int32' || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  // NOTE: fixed notation would show 1e-7 as 0.0000 and 1e12 as 13 digits
  if (a !== 0 && (a >= 1e6 || a < 10 ** -digits)) return x.toExponential(2);
  return x.toFixed(digits);
}

/**
 * Checks the `digits` option of a drawing (0 to 20) and returns it (default 4).
 * @example
 * checkDigits(options.digits, 'toDot'); // 4 when not given
 */
export function checkDigits(digits: number | undefined, fn: string): number {
  const d = digits ?? 4;
  check(Number.isInteger(d) && d >= 0 && d <= 20, ArgumentError, () => `[${fn}] digits must be an integer from 0 to 20, got ${fmt(digits)}`);
  return d;
}
