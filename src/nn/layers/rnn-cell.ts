/**
 * Single-step recurrent cells with PyTorch's parameters (`weight_ih`, `weight_hh`, `bias_ih`,
 * `bias_hh`), initialisation U(−1/√H, 1/√H) and equations: RNNCell, LSTMCell, GRUCell.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import type { DType } from '../../base/dtype.js';
import { showShape } from '../../base/shape.js';
import { zeros } from '../../core/creation.js';
import { Tensor } from '../../core/tensor.js';
import { gruCell, lstmCell } from '../../ops/rnn.js';
import { uniform_ } from '../init.js';
import { Module, Parameter } from '../module.js';
import { empty } from './util.js';

/** Options of the cells. */
export interface RNNCellOptions {
  /** Biases b_ih and b_hh (default true). */
  bias?: boolean;
  dtype?: DType;
}

abstract class CellBase extends Module {
  readonly weightIh: Parameter;
  readonly weightHh: Parameter;
  readonly biasIh: Parameter | null;
  readonly biasHh: Parameter | null;

  constructor(readonly inputSize: number, readonly hiddenSize: number, gates: number, options: RNNCellOptions) {
    super();
    const name = this.constructor.name;
    checkOptionNames(options as unknown, name === 'RNNCell' ? ['bias', 'dtype', 'nonlinearity'] : ['bias', 'dtype'], name);
    for (const [arg, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      check(Number.isSafeInteger(v) && v > 0, ArgumentError, () => `[${name}] ${arg} must be a positive integer, got ${fmt(v)}`);
    }
    const { bias = true, dtype = 'float32' } = options;
    check(typeof bias === 'boolean', ArgumentError, () => `[${name}] bias must be a boolean, got ${fmt(bias)}`);
    check(dtype === 'float32' || dtype === 'float64', DTypeError, () => `[${name}] dtype must be float32 or float64, got ${fmt(dtype)}`);
    const k = 1 / Math.sqrt(hiddenSize);
    const param = (shape: number[]): Parameter => new Parameter(uniform_(empty(shape, dtype), -k, k));
    this.weightIh = param([gates * hiddenSize, inputSize]);
    this.weightHh = param([gates * hiddenSize, hiddenSize]);
    this.biasIh = bias ? param([gates * hiddenSize]) : null;
    this.biasHh = bias ? param([gates * hiddenSize]) : null;
  }

  /** The input as [B, inputSize] (an unbatched [inputSize] gets a batch of 1) and whether it was batched. */
  protected batchOf(x: Tensor): [Tensor, boolean] {
    const name = this.constructor.name;
    check(x instanceof Tensor, ArgumentError, () => `[${name}] input must be a Tensor, got ${fmt(x)}`);
    check((x.ndim === 1 || x.ndim === 2) && x.shape[x.ndim - 1] === this.inputSize, ShapeError,
      () => `[${name}] expected an input of shape [B, ${this.inputSize}] or [${this.inputSize}], got ${showShape(x.shape)}`);
    check(x.dtype === this.weightIh.dtype, DTypeError, () => `[${name}] input must be ${this.weightIh.dtype} (the parameters' dtype), got ${x.dtype}`);
    return x.ndim === 1 ? [x.unsqueeze(0), false] : [x, true];
  }

  /** A state argument as [B, H] (zeros when absent), checked. */
  protected stateOf(given: Tensor | null | undefined, arg: string, batch: number, batched: boolean): Tensor {
    if (given === null || given === undefined) return zeros([batch, this.hiddenSize], { dtype: this.weightIh.dtype });
    const name = this.constructor.name;
    const want = batched ? [batch, this.hiddenSize] : [this.hiddenSize];
    check(given instanceof Tensor && showShape(given.shape) === showShape(want), ShapeError,
      () => `[${name}] expected ${arg} of shape ${showShape(want)}, got ${given instanceof Tensor ? showShape(given.shape) : fmt(given)}`);
    check(given.dtype === this.weightIh.dtype, DTypeError, () => `[${name}] ${arg} must be ${this.weightIh.dtype}, got ${given.dtype}`);
    return batched ? given : given.unsqueeze(0);
  }

  /** x·W_ihᵀ + b_ih and h·W_hhᵀ + b_hh. */
  protected projections(x: Tensor, h: Tensor): [Tensor, Tensor] {
    let gi = x.matmul(this.weightIh.t());
    let gh = h.matmul(this.weightHh.t());
    if (this.biasIh !== null) gi = gi.add(this.biasIh);
    if (this.biasHh !== null) gh = gh.add(this.biasHh);
    return [gi, gh];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.biasIh === null ? ', bias=false' : ''}`;
  }
}

/**
 * One Elman RNN step: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or relu).
 * @example
 * const cell = new RNNCell(10, 20);
 * let h = cell.forward(randn([3, 10])); // [3, 20]
 * h = cell.forward(randn([3, 10]), h);
 */
export class RNNCell extends CellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    super(inputSize, hiddenSize, 1, options);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    check(nonlinearity === 'tanh' || nonlinearity === 'relu', ArgumentError, () => `[RNNCell] nonlinearity must be 'tanh' or 'relu', got ${fmt(nonlinearity)}`);
    this.nonlinearity = nonlinearity;
  }

  forward(input: Tensor, h?: Tensor | null): Tensor {
    const [x, batched] = this.batchOf(input);
    const [gi, gh] = this.projections(x, this.stateOf(h, 'h', x.shape[0]!, batched));
    const out = this.nonlinearity === 'tanh' ? gi.add(gh).tanh() : gi.add(gh).relu();
    return batched ? out : out.squeeze(0);
  }
}

/**
 * One LSTM step (gates i, f, g, o; fused kernel): returns [h', c'].
 * @example
 * const cell = new LSTMCell(10, 20);
 * let [h, c] = cell.forward(randn([3, 10]));
 * [h, c] = cell.forward(randn([3, 10]), [h, c]);
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super(inputSize, hiddenSize, 4, options);
  }

  forward(input: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    check(state === undefined || state === null || (Array.isArray(state) && state.length === 2), ArgumentError,
      () => `[LSTMCell] the state must be a pair [h, c] of tensors, got ${fmt(state)}`);
    const [x, batched] = this.batchOf(input);
    const h = this.stateOf(state?.[0], 'h', x.shape[0]!, batched);
    const c = this.stateOf(state?.[1], 'c', x.shape[0]!, batched);
    const [gi, gh] = this.projections(x, h);
    const [h1, c1] = lstmCell(gi, gh, c);
    return batched ? [h1, c1] : [h1.squeeze(0), c1.squeeze(0)];
  }
}

/**
 * One GRU step (gates r, z, n; fused kernel): h' = (1 − z)·n + z·h.
 * @example
 * const cell = new GRUCell(10, 20);
 * const h = cell.forward(randn([3, 10])); // [3, 20]
 */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super(inputSize, hiddenSize, 3, options);
  }

  forward(input: Tensor, h?: Tensor | null): Tensor {
    const [x, batched] = this.batchOf(input);
    const h0 = this.stateOf(h, 'h', x.shape[0]!, batched);
    const [gi, gh] = this.projections(x, h0);
    const out = gruCell(gi, gh, h0);
    return batched ? out : out.squeeze(0);
  }
}
