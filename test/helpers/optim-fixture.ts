/**
 * The optimiser fixture (test/fixtures/optim.json, written by scripts/fixtures/optim.py with real
 * PyTorch 1.13) and the nabla side of its problem: a tiny linear regression
 * loss = mean((X·w + b − Y)²) with fixed data, in float64 (or float32).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DType, type NestedArray, Tensor, optim, tensor } from '../../src/index.js';

const { Adagrad, Adam, AdamW, RMSprop, SGD } = optim;
type Optimizer = optim.Optimizer;
type ParamGroupSpec = optim.ParamGroupSpec;

export type Nested = number | Nested[];
export type Snapshot = Record<'w' | 'b', Nested>;

export interface GroupSpec {
  params: ('w' | 'b')[];
  options?: Record<string, unknown>;
}

export interface OptimizerCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  groups: GroupSpec[] | null;
  negate: boolean;
  steps: number;
  losses: number[];
  trajectory: Snapshot[];
}

export interface SchedulerSpec {
  kind: string;
  args: unknown[];
  options: Record<string, unknown>;
}

export interface SchedulerCase {
  name: string;
  optimizer: string;
  options: Record<string, unknown>;
  groups: GroupSpec[] | null;
  schedulers: SchedulerSpec[];
  steps: number;
  metrics?: number[];
  lrs: number[][];
  momenta: (number | null)[][];
  trajectory: Snapshot[];
}

export interface ClipCase {
  kind: 'norm' | 'value';
  options: { maxNorm?: number; normType?: number | 'Infinity'; clipValue?: number };
  gradsBefore: Snapshot;
  gradsAfter: Snapshot;
  totalNorm?: number;
}

export interface Fixture {
  torch: string;
  problem: { X: number[][]; Y: number[][]; w: number[][]; b: number[] };
  optimizers: OptimizerCase[];
  schedulers: SchedulerCase[];
  clip: ClipCase[];
}

export const fixture: Fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/optim.json', import.meta.url)), 'utf8'),
) as Fixture;

export interface Params {
  w: Tensor;
  b: Tensor;
}

/** Fresh leaves w and b at the fixture's initial values (or at `start`). */
export function makeParams(dtype: DType = 'float64', start: Snapshot = fixture.problem): Params {
  return {
    w: tensor(start.w as number[][], { dtype, requiresGrad: true }),
    b: tensor(start.b as number[], { dtype, requiresGrad: true }),
  };
}

/** mean((X·w + b − Y)²), negated for the maximize cases. */
export function lossOf(params: Params, negate = false): Tensor {
  const dtype = params.w.dtype;
  const X = tensor(fixture.problem.X, { dtype });
  const Y = tensor(fixture.problem.Y, { dtype });
  const loss = X.matmul(params.w).add(params.b).sub(Y).square().mean();
  return negate ? loss.neg() : loss;
}

/** zeroGrad, backward, step; returns the loss before the step. */
export function trainStep(optimizer: Optimizer, params: Params, negate = false): number {
  optimizer.zeroGrad();
  const loss = lossOf(params, negate);
  loss.backward();
  optimizer.step();
  return loss.item();
}

type OptimizerClass = new (params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options?: Record<string, unknown>) => Optimizer;

export const OPTIMIZERS: Record<string, OptimizerClass> = {
  SGD: SGD as unknown as OptimizerClass,
  Adam: Adam as unknown as OptimizerClass,
  AdamW: AdamW as unknown as OptimizerClass,
  RMSprop: RMSprop as unknown as OptimizerClass,
  Adagrad: Adagrad as unknown as OptimizerClass,
};

/** The optimiser of a fixture case, over w and b (in one group, or in the case's groups). */
export function makeOptimizer(spec: { optimizer: string; options: Record<string, unknown>; groups: GroupSpec[] | null }, params: Params): Optimizer {
  const Class = OPTIMIZERS[spec.optimizer]!;
  if (spec.groups === null) return new Class([params.w, params.b], spec.options);
  const groups = spec.groups.map((g) => ({ ...(g.options ?? {}), params: g.params.map((n) => params[n]) }));
  return new Class(groups as ParamGroupSpec[], spec.options);
}

export function snapshot(params: Params): Snapshot {
  return { w: params.w.toArray() as Nested, b: params.b.toArray() as Nested };
}

function flatten(x: Nested | NestedArray | boolean): number[] {
  if (Array.isArray(x)) return (x as (Nested | boolean)[]).flatMap((v) => flatten(v));
  return [Number(x)];
}

/**
 * Throws unless |actual − expected| <= atol + rtol·|expected| everywhere (NaNs must match);
 * the message names `where` and the first index that differs.
 */
export function assertClose(actual: Nested | NestedArray, expected: Nested, where: string, rtol = 1e-10, atol = 1e-13): void {
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.length !== e.length) throw new Error(`${where}: ${a.length} values, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = Number.isNaN(e[i]!) ? Number.isNaN(a[i]!) : Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!);
    if (!ok) throw new Error(`${where}: element ${i} is ${a[i]}, expected ${e[i]} (difference ${Math.abs(a[i]! - e[i]!)})`);
  }
}
