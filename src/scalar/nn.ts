/**
 * A tiny neural-network library on scalar `Value`s (micrograd's): Neuron, Layer, MLP.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { defaultGenerator, type Generator } from '../base/random.js';
import { Value, type Scalar } from './value.js';

/**
 * Base class of the scalar modules: something with parameters whose gradients can be reset.
 * @example
 * class Affine extends ScalarModule { w = new Value(1); parameters() { return [this.w]; } }
 */
export abstract class ScalarModule {
  /** Every trainable `Value` of the module. */
  abstract parameters(): Value[];

  /**
   * Sets every parameter's `grad` to 0.
   * @example
   * model.zeroGrad();
   */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = 0;
  }
}

/** Options of `Neuron`, `Layer` and `MLP`. */
export interface ScalarLayerOptions {
  /** Apply ReLU to the output (default true). */
  nonlin?: boolean;
  /** Generator for the weights, uniform in [-1, 1) (default: the global one). */
  generator?: Generator;
}

/**
 * One neuron: `relu(b + Σ wᵢ·xᵢ)` (or linear with `nonlin: false`); weights uniform in [-1, 1), bias 0.
 * @example
 * const n = new Neuron(2);
 * const y = n.forward([1, -2]);
 */
export class Neuron extends ScalarModule {
  readonly w: Value[];
  readonly b: Value;
  readonly nonlin: boolean;

  constructor(nin: number, options: ScalarLayerOptions = {}) {
    super();
    checkSize(nin, 'Neuron', 'nin');
    const g = options.generator ?? defaultGenerator;
    this.w = Array.from({ length: nin }, () => new Value(g.uniform(-1, 1)));
    this.b = new Value(0);
    this.nonlin = options.nonlin ?? true;
  }

  /** The neuron's output for inputs `x` (one mul and one add node per input). */
  forward(x: readonly Scalar[]): Value {
    check(x.length === this.w.length, ArgumentError, () => `[Neuron] expected ${this.w.length} inputs, got ${x.length}`);
    let act = this.b;
    for (let i = 0; i < this.w.length; i++) act = act.add(this.w[i]!.mul(x[i]!));
    return this.nonlin ? act.relu() : act;
  }

  parameters(): Value[] {
    return [...this.w, this.b];
  }

  override toString(): string {
    return `${this.nonlin ? 'ReLU' : 'Linear'}Neuron(${this.w.length})`;
  }
}

/**
 * `nout` neurons reading the same `nin` inputs.
 * @example
 * const layer = new Layer(2, 3);
 * const ys = layer.forward([0.5, -1]); // 3 Values
 */
export class Layer extends ScalarModule {
  readonly neurons: Neuron[];

  constructor(nin: number, nout: number, options: ScalarLayerOptions = {}) {
    super();
    checkSize(nout, 'Layer', 'nout');
    this.neurons = Array.from({ length: nout }, () => new Neuron(nin, options));
  }

  /** Every neuron's output for inputs `x`. */
  forward(x: readonly Scalar[]): Value[] {
    return this.neurons.map((n) => n.forward(x));
  }

  parameters(): Value[] {
    return this.neurons.flatMap((n) => n.parameters());
  }

  override toString(): string {
    return `Layer of [${this.neurons.join(', ')}]`;
  }
}

/**
 * A multi-layer perceptron: ReLU on the hidden layers, a linear last layer.
 * @example
 * const model = new MLP(2, [16, 16, 1]); // 337 parameters
 * const [score] = model.forward([0.3, -0.7]);
 */
export class MLP extends ScalarModule {
  readonly layers: Layer[];

  constructor(nin: number, nouts: readonly number[], options: Omit<ScalarLayerOptions, 'nonlin'> = {}) {
    super();
    check(nouts.length > 0, ArgumentError, () => '[MLP] nouts must name at least one layer size');
    const sizes = [nin, ...nouts];
    this.layers = nouts.map((nout, i) => new Layer(sizes[i]!, nout, { ...options, nonlin: i < nouts.length - 1 }));
  }

  /** The network's outputs for inputs `x`. */
  forward(x: readonly Scalar[]): Value[] {
    let h: readonly Scalar[] = x;
    for (const layer of this.layers) h = layer.forward(h);
    return h as Value[];
  }

  parameters(): Value[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  override toString(): string {
    return `MLP of [${this.layers.join(', ')}]`;
  }
}

function checkSize(n: number, op: string, name: string): void {
  check(Number.isSafeInteger(n) && n > 0, ArgumentError, () => `[${op}] ${name} must be a positive integer, got ${fmt(n)}`);
}
