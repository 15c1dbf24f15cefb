/**
 * The cases of test/fixtures/checkpoints/cases.json (written by scripts/fixtures/checkpoints.py) on the
 * nabla side: a case's module built from its spec, its inputs as tensors, its forward run in eval mode
 * and the tensors it returns, flattened in order. Shared by test/checkpoints.test.ts and
 * scripts/fixtures/checkpoints-nabla.ts, so both build exactly the same modules.
 */
import { cat, nn, noGrad, randn, tensor, type Tensor } from '../../src/index.js';

/** A stored tensor: float32 unless `dtype` says otherwise (PyTorch's int64 indices are int32 here). */
export interface Arr { shape: number[]; data: (number | boolean)[]; dtype?: 'int32' | 'bool' }
/** A causal mask over `causal` positions (`generateSquareSubsequentMask`: −∞ above the diagonal). */
export interface Causal { causal: number }
/** A positional input: a tensor, a tuple of them (an LSTM's [h0, c0]) or a mask. */
export type Input = Arr | Causal | Input[];
/** A nabla constructor call: class name, positional arguments, camelCase options (a nested spec is a submodule). */
export interface Spec { class: string; args: unknown[]; options: Record<string, unknown> }

export interface Case {
  name: string;
  module: Spec;
  inputs: Input[];
  forwardOptions: Record<string, Input>;
  /** PyTorch's state-dict keys, in PyTorch's order. */
  keys: string[];
  /** PyTorch's eval-mode outputs with its own weights (every tensor the forward returns). */
  output: Arr[];
  /** PyTorch's eval-mode outputs with the weights of nabla's file. */
  torchOutputOfNablaFile?: Arr[];
}

/**
 * Sequential, ModuleList and ModuleDict in one model, as `SmallCNN` in checkpoints.py: features →
 * blocks (each followed by relu) → the two heads, concatenated.
 */
export class SmallCNN extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten());
  blocks = new nn.ModuleList([new nn.Linear(36, 8), new nn.Linear(8, 8)]);
  heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), box: new nn.Linear(8, 2) });

  forward(x: Tensor): Tensor {
    let h = this.features.forward(x) as Tensor;
    for (const block of this.blocks) h = (block.forward(h) as Tensor).relu();
    return cat([this.heads.get('cls').forward(h) as Tensor, this.heads.get('box').forward(h) as Tensor], 1);
  }
}

type ModuleClass = new (...args: unknown[]) => nn.Module;
const CLASSES: Record<string, ModuleClass | undefined> = { ...(nn as unknown as Record<string, ModuleClass>), SmallCNN: SmallCNN as unknown as ModuleClass };

const isSpec = (v: unknown): v is Spec => typeof v === 'object' && v !== null && 'class' in v;

/** A spec's module (and nested specs' submodules); other values as they are. */
export function build(value: unknown): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (isSpec(value)) {
    const Class = CLASSES[value.class];
    if (typeof Class !== 'function' || !(Class.prototype instanceof nn.Module)) throw new Error(`no nabla module class ${value.class}`);
    const options = Object.fromEntries(Object.entries(value.options).map(([k, v]) => [k, build(v)]));
    return new Class(...value.args.map(build), ...(Object.keys(options).length > 0 ? [options] : []));
  }
  if (Array.isArray(value)) return value.map(build);
  return value;
}

/** A stored input as tensors. */
export function decode(input: Input): Tensor | Tensor[] {
  if (Array.isArray(input)) return input.map((i) => decode(i) as Tensor);
  if ('causal' in input) return nn.generateSquareSubsequentMask(input.causal);
  const { shape, data, dtype = 'float32' } = input;
  if (dtype === 'bool') return tensor(Uint8Array.from(data, Number), { shape, dtype });
  return tensor(dtype === 'int32' ? Int32Array.from(data as number[]) : Float64Array.from(data as number[]), { shape, dtype });
}

/** Every tensor a forward returned, in order (nested arrays flattened, nulls skipped). */
export function flatten(out: unknown): Tensor[] {
  if (out === null || out === undefined) return [];
  return Array.isArray(out) ? out.flatMap(flatten) : [out as Tensor];
}

/** The case's forward in eval mode, without recording a graph. */
export function runCase(model: nn.Module, c: Case): Tensor[] {
  model.eval();
  const options = Object.fromEntries(Object.entries(c.forwardOptions).map(([k, v]) => [k, decode(v)]));
  const args = [...c.inputs.map(decode), ...(Object.keys(options).length > 0 ? [options] : [])];
  return noGrad(() => flatten(model.forward(...args)));
}

/**
 * A few training-mode forwards on random inputs of the case's shapes (scaled and shifted), so a
 * model's batch norms get running statistics of their own; then eval mode. Models without one are left alone.
 */
export function warmBatchNorm(model: nn.Module, c: Case): void {
  if (!model.modules().some((m) => m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d)) return;
  model.train();
  noGrad(() => {
    for (let i = 0; i < 3; i++) model.forward(...c.inputs.map((x) => randn((x as Arr).shape).mul(2).add(0.5)));
  });
  model.eval();
}
