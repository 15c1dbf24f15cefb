/**
 * The same expression with nabla: float64 Tensors built from the AST (named inputs as leaves that
 * require grad, numbers as constants), `backward()`, and `gradcheck` (central differences), to check the
 * stepper's own schedule against the library.
 */
import { gradcheck, graphToSvg, tensor, type Tensor } from 'nabla';
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
  return { value: Number(root.item()), inputs: inputs.map(({ scale: _, ...x }) => x), matches, gradcheck: check, svg };
}
