/**
 * The stepper's own autograd, in plain float64 (no library): the graph of an expression (one node per
 * input, constant and op application; an input used twice is one node), its forward values, and the
 * backward schedule — the nodes in reverse topological order and, per step, the gradient each node
 * passes to each parent by its op's local rule (the same chain rule as nabla's vjps, broadcast gradients
 * summed back to the parent's shape). evaluate.ts checks the result against nabla's backward() and gradcheck.
 */
import { ParseError, type Ast, type BinaryOp, type InputValue, type UnaryOp } from './parser.js';

export type Shape = readonly number[];

export interface StepNode {
  /** `n0`, `n1`, …: the position in `StepGraph.nodes` (inputs first, root last). */
  id: string;
  kind: 'input' | 'constant' | 'op';
  /** The op ('add', 'tanh', …) or the input's name; a constant's value. */
  label: string;
  op: UnaryOp | BinaryOp | null;
  /** The nodes it reads, by index. */
  inputs: number[];
  shape: Shape;
  data: Float64Array;
  /** Whether gradients flow to it (an input, or an op with such an input somewhere below). */
  requiresGrad: boolean;
}

export interface StepGraph { nodes: StepNode[]; root: number }

/** What a node passes to one of its parents in one backward step. */
export interface Pass { parent: number; input: number; grad: Float64Array; rule: string }

/** One backward step: the node, its complete gradient, and what it passes to each parent that needs one. */
export interface Step { node: number; grad: Float64Array; passes: Pass[] }

export interface Schedule {
  /** Nodes in topological order (inputs first), only those the root depends on. */
  topo: number[];
  steps: Step[];
  /** Each node's gradient after all steps (null where none flows). */
  grads: (Float64Array | null)[];
}

const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
const showShape = (shape: Shape): string => `[${shape.join(', ')}]`;

/** The shape both broadcast to (numpy rules), or an error at `pos`. */
export function broadcastShape(a: Shape, b: Shape, pos: number, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ParseError(`${op}: shapes ${showShape(a)} and ${showShape(b)} do not broadcast`, pos);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** `x` (of `shape`) expanded to `out` by broadcasting. */
export function expand(x: Float64Array, shape: Shape, out: Shape): Float64Array {
  const n = size(out);
  if (x.length === n) return x;
  const result = new Float64Array(n);
  const pad = out.length - shape.length;
  for (let k = 0; k < n; k++) {
    let rest = k;
    let src = 0;
    let stride = 1;
    for (let d = out.length - 1; d >= 0; d--) {
      const i = rest % out[d]!;
      rest = Math.floor(rest / out[d]!);
      const dim = d - pad >= 0 ? shape[d - pad]! : 1;
      if (dim !== 1) src += i * stride;
      stride *= dim;
    }
    result[k] = x[src]!;
  }
  return result;
}

/** `g` (of `out`) summed down to `shape`: the reverse of broadcasting. */
export function unbroadcast(g: Float64Array, out: Shape, shape: Shape): Float64Array {
  if (size(shape) === g.length) return g;
  const result = new Float64Array(size(shape));
  const pad = out.length - shape.length;
  for (let k = 0; k < g.length; k++) {
    let rest = k;
    let dst = 0;
    let stride = 1;
    for (let d = out.length - 1; d >= 0; d--) {
      const i = rest % out[d]!;
      rest = Math.floor(rest / out[d]!);
      const dim = d - pad >= 0 ? shape[d - pad]! : 1;
      if (dim !== 1) dst += i * stride;
      stride *= dim;
    }
    result[dst] = result[dst]! + g[k]!;
  }
  return result;
}

function matmul(a: Float64Array, [n, k]: Shape, b: Float64Array, [, m]: Shape): Float64Array {
  const out = new Float64Array(n! * m!);
  for (let i = 0; i < n!; i++) for (let j = 0; j < m!; j++) {
    let s = 0;
    for (let p = 0; p < k!; p++) s += a[i * k! + p]! * b[p * m! + j]!;
    out[i * m! + j] = s;
  }
  return out;
}

function transpose(a: Float64Array, [n, m]: Shape): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < n!; i++) for (let j = 0; j < m!; j++) out[j * n! + i] = a[i * m! + j]!;
  return out;
}

const map = (x: Float64Array, f: (v: number, i: number) => number): Float64Array => x.map(f);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The local gradient rule of each op, as the details panel shows it (y is the op's output, g its gradient). */
export const RULES: Record<UnaryOp | BinaryOp, readonly string[]> = {
  add: ['∂y/∂a = 1 → g', '∂y/∂b = 1 → g'],
  sub: ['∂y/∂a = 1 → g', '∂y/∂b = −1 → −g'],
  mul: ['∂y/∂a = b → g·b', '∂y/∂b = a → g·a'],
  div: ['∂y/∂a = 1/b → g/b', '∂y/∂b = −a/b² → −g·a/b²'],
  pow: ['∂y/∂a = b·a^(b−1) → g·b·a^(b−1)', '∂y/∂b = y·ln a → g·y·ln a'],
  matmul: ['∂y/∂A → g @ Bᵀ', '∂y/∂B → Aᵀ @ g'],
  neg: ['∂y/∂a = −1 → −g'],
  exp: ['∂y/∂a = exp(a) = y → g·y'],
  log: ['∂y/∂a = 1/a → g/a'],
  tanh: ['∂y/∂a = 1 − tanh²(a) = 1 − y² → g·(1 − y²)'],
  relu: ['∂y/∂a = [a > 0] → g·[a > 0] (0 at a = 0)'],
  sigmoid: ['∂y/∂a = σ(a)(1 − σ(a)) = y(1 − y) → g·y·(1 − y)'],
  sum: ['∂y/∂a = 1 for every element → g broadcast'],
  mean: ['∂y/∂a = 1/n for every element → g/n broadcast'],
  transpose: ['∂y/∂a → gᵀ'],
};

/** The graph of `ast` with these inputs, and its forward values. Shape errors are ParseErrors at the op. */
export function buildGraph(ast: Ast, inputs: readonly InputValue[]): StepGraph {
  const nodes: StepNode[] = [];
  const byName = new Map<string, number>();
  const add = (node: Omit<StepNode, 'id'>): number => {
    nodes.push({ id: `n${nodes.length}`, ...node });
    return nodes.length - 1;
  };
  const visit = (e: Ast): number => {
    if (e.kind === 'number') return add({ kind: 'constant', label: String(e.value), op: null, inputs: [], shape: [], data: Float64Array.of(e.value), requiresGrad: false });
    if (e.kind === 'input') {
      const known = byName.get(e.name);
      if (known !== undefined) return known;
      const value = inputs.find((x) => x.name === e.name);
      if (value === undefined) throw new ParseError(`no input named '${e.name}': give it a value`, e.pos);
      const id = add({ kind: 'input', label: e.name, op: null, inputs: [], shape: value.shape, data: Float64Array.from(value.values), requiresGrad: true });
      byName.set(e.name, id);
      return id;
    }
    if (e.kind === 'unary') {
      const a = visit(e.arg);
      const x = nodes[a]!;
      const [shape, data] = unaryForward(e.op, x.data, x.shape, e.pos);
      return add({ kind: 'op', label: e.op, op: e.op, inputs: [a], shape, data, requiresGrad: x.requiresGrad });
    }
    const a = visit(e.left);
    const b = visit(e.right);
    const x = nodes[a]!;
    const y = nodes[b]!;
    const [shape, data] = binaryForward(e.op, x, y, e.pos);
    return add({ kind: 'op', label: e.op, op: e.op, inputs: [a, b], shape, data, requiresGrad: x.requiresGrad || y.requiresGrad });
  };
  const root = visit(ast);
  return { nodes, root };
}

function unaryForward(op: UnaryOp, x: Float64Array, shape: Shape, pos: number): [Shape, Float64Array] {
  switch (op) {
    case 'neg': return [shape, map(x, (v) => -v)];
    case 'exp': return [shape, map(x, Math.exp)];
    case 'log': return [shape, map(x, Math.log)];
    case 'tanh': return [shape, map(x, Math.tanh)];
    case 'relu': return [shape, map(x, (v) => (v > 0 ? v : 0))];
    case 'sigmoid': return [shape, map(x, sigmoid)];
    case 'sum': return [[], Float64Array.of(x.reduce((s, v) => s + v, 0))];
    case 'mean': return [[], Float64Array.of(x.reduce((s, v) => s + v, 0) / x.length)];
    case 'transpose':
      if (shape.length !== 2) throw new ParseError(`transpose needs a 2-d tensor, got shape ${showShape(shape)}`, pos);
      return [[shape[1]!, shape[0]!], transpose(x, shape)];
  }
}

function binaryForward(op: BinaryOp, x: StepNode, y: StepNode, pos: number): [Shape, Float64Array] {
  if (op === 'matmul') {
    if (x.shape.length !== 2 || y.shape.length !== 2 || x.shape[1] !== y.shape[0]) {
      throw new ParseError(`matmul needs [n, k] @ [k, m], got ${showShape(x.shape)} @ ${showShape(y.shape)}`, pos);
    }
    return [[x.shape[0]!, y.shape[1]!], matmul(x.data, x.shape, y.data, y.shape)];
  }
  const shape = broadcastShape(x.shape, y.shape, pos, op);
  const a = expand(x.data, x.shape, shape);
  const b = expand(y.data, y.shape, shape);
  const f = { add: (p: number, q: number) => p + q, sub: (p: number, q: number) => p - q, mul: (p: number, q: number) => p * q, div: (p: number, q: number) => p / q, pow: Math.pow }[op];
  return [shape, map(a, (v, i) => f(v, b[i]!))];
}

/** The gradient `node` passes to its input `k`, given its own gradient `g`, before unbroadcasting. */
function localVjp(graph: StepGraph, node: StepNode, k: number, g: Float64Array): Float64Array {
  const y = node.data;
  const x = graph.nodes[node.inputs[0]!]!;
  const op = node.op!;
  if (node.inputs.length === 1) {
    switch (op) {
      case 'neg': return map(g, (v) => -v);
      case 'exp': return map(g, (v, i) => v * y[i]!);
      case 'log': return map(g, (v, i) => v / x.data[i]!);
      case 'tanh': return map(g, (v, i) => v * (1 - y[i]! * y[i]!)); // from the output: d tanh = (1 − y²)·g
      case 'relu': return map(g, (v, i) => (x.data[i]! > 0 ? v : 0)); // NOTE: 0 at the kink, as nabla
      case 'sigmoid': return map(g, (v, i) => v * y[i]! * (1 - y[i]!));
      case 'sum': return new Float64Array(x.data.length).fill(g[0]!);
      case 'mean': return new Float64Array(x.data.length).fill(g[0]! / x.data.length);
      case 'transpose': return transpose(g, node.shape);
      default: throw new Error(`no unary rule for ${op}`);
    }
  }
  const z = graph.nodes[node.inputs[1]!]!;
  if (op === 'matmul') {
    return k === 0 ? matmul(g, node.shape, transpose(z.data, z.shape), [z.shape[1]!, z.shape[0]!])
      : matmul(transpose(x.data, x.shape), [x.shape[1]!, x.shape[0]!], g, node.shape);
  }
  const a = expand(x.data, x.shape, node.shape);
  const b = expand(z.data, z.shape, node.shape);
  switch (op) {
    case 'add': return g.slice();
    case 'sub': return k === 0 ? g.slice() : map(g, (v) => -v);
    case 'mul': return map(g, (v, i) => v * (k === 0 ? b[i]! : a[i]!));
    case 'div': return map(g, (v, i) => (k === 0 ? v / b[i]! : -v * a[i]! / (b[i]! * b[i]!)));
    case 'pow': return map(g, (v, i) => (k === 0 ? v * b[i]! * Math.pow(a[i]!, b[i]! - 1) : v * y[i]! * Math.log(a[i]!)));
    default: throw new Error(`no binary rule for ${op}`);
  }
}

/** Nodes the root depends on, inputs first: an iterative depth-first post-order. */
export function topologicalOrder(graph: StepGraph): number[] {
  const post: number[] = [];
  const seen = new Set<number>([graph.root]);
  const stack: [number, number][] = [[graph.root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = graph.nodes[top[0]]!.inputs;
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++]!;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      post.push(top[0]);
      stack.pop();
    }
  }
  return post;
}

/**
 * The backward schedule from a scalar root (gradient 1): reverse topological order, each node's complete
 * gradient when its turn comes, and what it passes to each parent that needs a gradient.
 */
export function backwardSchedule(graph: StepGraph): Schedule {
  const root = graph.nodes[graph.root]!;
  if (root.data.length !== 1) throw new ParseError(`backward needs a scalar result, got shape ${showShape(root.shape)}: wrap it in sum(...) or mean(...)`, 0);
  const topo = topologicalOrder(graph);
  const grads: (Float64Array | null)[] = graph.nodes.map(() => null);
  grads[graph.root] = Float64Array.of(1);
  const steps: Step[] = [];
  for (const id of [...topo].reverse()) {
    const node = graph.nodes[id]!;
    const g = grads[id];
    if (!node.requiresGrad || g === null || g === undefined) continue;
    const passes: Pass[] = [];
    node.inputs.forEach((parentId, k) => {
      const parent = graph.nodes[parentId]!;
      if (!parent.requiresGrad) return;
      const local = localVjp(graph, node, k, g);
      const grad = node.op === 'matmul' ? local : unbroadcast(local, node.shape, parent.shape);
      passes.push({ parent: parentId, input: k, grad, rule: RULES[node.op!][k] ?? '' });
      const prev = grads[parentId];
      grads[parentId] = prev === null || prev === undefined ? grad.slice() : prev.map((v, i) => v + grad[i]!);
    });
    steps.push({ node: id, grad: g.slice(), passes });
  }
  return { topo, steps, grads };
}

/** Each node's gradient accumulated after the first `k` steps (the root has 1 from the start). */
export function gradsAfter(graph: StepGraph, schedule: Schedule, k: number): (Float64Array | null)[] {
  const grads: (Float64Array | null)[] = graph.nodes.map(() => null);
  grads[graph.root] = Float64Array.of(1);
  for (const step of schedule.steps.slice(0, k)) {
    for (const pass of step.passes) {
      const prev = grads[pass.parent];
      grads[pass.parent] = prev === null || prev === undefined ? pass.grad.slice() : prev.map((v, i) => v + pass.grad[i]!);
    }
  }
  return grads;
}
