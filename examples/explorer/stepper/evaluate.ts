/**
 * The same expression with nabla: float64 Tensors built from the AST (named inputs as leaves that
 * require grad, numbers as constants), `backward()`, and `gradcheck` (central differences), to check the
 * stepper's own schedule against the library. Scalar expressions also run on nabla's scalar engine
 * `Value` (JS numbers, float64), whose gradients are checked the same way.
 */
import { gradcheck, graphToSvg, tensor, Value, type Tensor } from 'nabla';
import type { Ast, InputValue } from './parser.js';
import type { Schedule, StepGraph } from './stepper.js';

/** The tensor `ast` computes from the named tensors. */
export function buildTensor(ast: Ast, env: ReadonlyMap<string, Tensor>): Tensor {
  switch (ast.kind) {
    case 'number': return tensor(Float64Array.of(ast.value), { shape: [], dtype: 'float64' });
    case 'input': {
      const t = env.get(ast.name);
      if (t === undefined) throw new Error(`no input named '${ast.name}'`);
      return t;
    }
    case 'unary': {
      const x = buildTensor(ast.arg, env);
      switch (ast.op) {
        case 'neg': return x.neg();
        case 'exp': return x.exp();
        case 'log': return x.log();
        case 'tanh': return x.tanh();
        case 'relu': return x.relu();
        case 'sigmoid': return x.sigmoid();
        case 'sum': return x.sum();
        case 'mean': return x.mean();
        case 'transpose': return x.t();
      }
      break;
    }
    case 'binary': {
      const a = buildTensor(ast.left, env);
      const b = buildTensor(ast.right, env);
      switch (ast.op) {
        case 'add': return a.add(b);
        case 'sub': return a.sub(b);
        case 'mul': return a.mul(b);
        case 'div': return a.div(b);
        case 'pow': return a.pow(b);
        case 'matmul': return a.matmul(b);
      }
    }
  }
  throw new Error('unknown expression node');
}

/** The inputs the expression uses, as float64 leaf tensors that require grad, in order of first use. */
export function leafTensors(graph: StepGraph): Map<string, Tensor> {
  const env = new Map<string, Tensor>();
  for (const node of graph.nodes) {
    if (node.kind === 'input') env.set(node.label, tensor(node.data.slice(), { shape: [...node.shape], dtype: 'float64', requiresGrad: true }));
  }
  return env;
}

/** The ops `Value` has; sum, mean, transpose and matmul are tensor-only. */
const VALUE_OPS: ReadonlySet<string> = new Set(['neg', 'exp', 'log', 'tanh', 'relu', 'sigmoid', 'add', 'sub', 'mul', 'div', 'pow']);

const usesInputs = (ast: Ast): boolean => ast.kind === 'input' || (ast.kind === 'unary' ? usesInputs(ast.arg) : ast.kind === 'binary' && (usesInputs(ast.left) || usesInputs(ast.right)));

/** Whether every op of `ast` exists on `Value`. */
export function valueOpsOnly(ast: Ast): boolean {
  if (ast.kind === 'unary') return VALUE_OPS.has(ast.op) && valueOpsOnly(ast.arg);
  if (ast.kind === 'binary') return VALUE_OPS.has(ast.op) && valueOpsOnly(ast.left) && valueOpsOnly(ast.right);
  return true;
}

/** The `Value` that `ast` computes from the named leaf Values (only ops `valueOpsOnly` accepts). */
export function buildValue(ast: Ast, env: ReadonlyMap<string, Value>): Value {
  switch (ast.kind) {
    case 'number': return new Value(ast.value);
    case 'input': {
      const v = env.get(ast.name);
      if (v === undefined) throw new Error(`no input named '${ast.name}'`);
      return v;
    }
    case 'unary': {
      const x = buildValue(ast.arg, env);
      switch (ast.op) {
        case 'neg': return x.neg();
        case 'exp': return x.exp();
        case 'log': return x.log();
        case 'tanh': return x.tanh();
        case 'relu': return x.relu();
        case 'sigmoid': return x.sigmoid();
        default: throw new Error(`Value has no ${ast.op}`);
      }
    }
    case 'binary': {
      const a = buildValue(ast.left, env);
      const b = buildValue(ast.right, env);
      switch (ast.op) {
        case 'add': return a.add(b);
        case 'sub': return a.sub(b);
        case 'mul': return a.mul(b);
        case 'div': return a.div(b);
        // a constant exponent as a number: only the base gets a gradient, and a negative base is fine
        case 'pow': return a.pow(usesInputs(ast.right) ? b : b.data);
        default: throw new Error(`Value has no ${ast.op}`);
      }
    }
  }
}

/** nabla's scalar engine on the same expression, or why it does not apply. */
export type ValueCheck =
  | {
    applicable: true;
    /** Per input: `Value.grad` after backward() and its largest difference from the stepper's. */
    inputs: { name: string; grad: number; maxDiff: number }[];
    /** Whether every stepper gradient equals Value's to 1e-9 (relative); false when Value threw. */
    matches: boolean;
    /** Value's error (e.g. a DomainError for a NaN result), else ''. */
    error: string;
    /** graphToSvg of the Value root after backward(); '' when Value threw. */
    svg: string;
  }
  | { applicable: false; reason: string };

/** Builds the expression with `Value` when every input is a scalar and every op exists on Value, runs backward() and compares. */
export function verifyValue(ast: Ast, graph: StepGraph, schedule: Schedule): ValueCheck {
  const leaves = graph.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.kind === 'input');
  if (!leaves.every(([n]) => n.shape.length === 0) || !valueOpsOnly(ast)) {
    return { applicable: false, reason: 'the Value engine applies to scalar expressions only (scalar inputs; + − × ÷ ^, exp, log, tanh, relu, sigmoid)' };
  }
  const env = new Map(leaves.map(([n]) => [n.label, new Value(n.data[0]!, n.label)]));
  let root: Value;
  try {
    root = buildValue(ast, env);
    root.backward();
  } catch (error) {
    return { applicable: true, inputs: [], matches: false, error: error instanceof Error ? error.message : String(error), svg: '' };
  }
  const inputs = leaves.map(([n, i]) => {
    const grad = env.get(n.label)!.grad;
    const stepper = schedule.grads[i]?.[0] ?? 0;
    return { name: n.label, grad, maxDiff: Math.abs(stepper - grad) };
  });
  const matches = inputs.every((x) => x.maxDiff <= 1e-9 * Math.max(1, Math.abs(x.grad)));
  return { applicable: true, inputs, matches, error: '', svg: graphToSvg(root, { id: 'nabla-value-graph' }) };
}

export interface Verification {
  /** nabla's forward value of the root. */
  value: number;
  /** Per input: the stepper's final gradient, nabla's `.grad`, and the largest difference. */
  inputs: { name: string; stepper: number[]; nabla: number[]; maxDiff: number }[];
  /** Whether every stepper gradient equals nabla's to 1e-9 (relative). */
  matches: boolean;
  /** gradcheck's verdict: true, or its error message. */
  gradcheck: true | string;
  /** nabla's own drawing of the graph after backward() (graphToSvg). */
  svg: string;
  /** The same with nabla's scalar engine `Value`, for scalar expressions. */
  valueEngine: ValueCheck;
}

/** Runs the expression in nabla, backward() from the root, gradcheck, and compares with the stepper's schedule. */
export function verify(ast: Ast, graph: StepGraph, schedule: Schedule, _inputs?: readonly InputValue[]): Verification {
  const env = leafTensors(graph);
  const root = buildTensor(ast, env);
  root.backward();
  const inputs = graph.nodes.filter((n) => n.kind === 'input').map((node) => {
    const index = graph.nodes.indexOf(node);
    const stepper = Array.from(schedule.grads[index] ?? new Float64Array(node.data.length));
    const grad = env.get(node.label)!.grad;
    const nabla = grad === null ? stepper.map(() => 0) : Array.from(grad.toTypedArray(), Number);
    const maxDiff = Math.max(0, ...stepper.map((v, i) => Math.abs(v - nabla[i]!)));
    return { name: node.label, stepper, nabla, maxDiff, scale: Math.max(1, ...nabla.map(Math.abs)) };
  });
  const matches = inputs.every((x) => x.maxDiff <= 1e-9 * x.scale);
  let check: true | string;
  try {
    const names = [...env.keys()];
    check = gradcheck((...xs: Tensor[]) => buildTensor(ast, new Map(names.map((n, i) => [n, xs[i]!]))), [...env.values()].map((t) => t.detach().requiresGrad_()), { name: 'expression' });
  } catch (error) {
    check = error instanceof Error ? error.message : String(error);
  }
  const svg = graphToSvg(root, { names: Object.fromEntries(env), id: 'nabla-graph' });
  return { value: Number(root.item()), inputs: inputs.map(({ scale: _, ...x }) => x), matches, gradcheck: check, svg, valueEngine: verifyValue(ast, graph, schedule) };
}
