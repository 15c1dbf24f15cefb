/**
 * The recurrent layers users build with: RNN, LSTM and GRU (see rnn.ts for how they run).
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import { Tensor } from '../../core/tensor.js';
import type { PackedSequence } from './packed.js';
import { RNNBase, type RNNOptions } from './rnn.js';

/** Options of `RNN`: those of every recurrent layer and the nonlinearity. */
export interface RNNLayerOptions extends RNNOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/**
 * An Elman RNN, h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or relu), stacked and
 * optionally bidirectional, with PyTorch's parameters (`weight_ih_l0`, …) and initialisation.
 * `forward(x, h0?)` returns `[output, hN]`.
 * @example
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [out, hN] = rnn.forward(randn([5, 3, 10])); // out [5, 3, 20], hN [2, 3, 20]
 */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNLayerOptions = {}) {
    const nonlinearity = options?.nonlinearity ?? 'tanh';
    check(nonlinearity === 'tanh' || nonlinearity === 'relu', ArgumentError, () => `[RNN] nonlinearity must be 'tanh' or 'relu', got ${fmt(nonlinearity)}`);
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, h] = this.run(input, h0, null);
    return [out, h];
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : '');
  }
}

/**
 * A long short-term memory layer with PyTorch's equations and gate order (i, f, g, o):
 * c_t = σ(f)·c_{t−1} + σ(i)·tanh(g), h_t = σ(o)·tanh(c_t). `forward(x, [h0, c0]?)` returns
 * `[output, [hN, cN]]`.
 * @example
 * const lstm = new LSTM(64, 256, { batchFirst: true });
 * const [out, [h, c]] = lstm.forward(randn([32, 64, 64])); // out [32, 64, 256], h and c [1, 32, 256]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, state?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: PackedSequence, state?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(input: Tensor | PackedSequence, state?: readonly [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    check(state === undefined || state === null || (Array.isArray(state) && state.length === 2 && state.every((t) => t instanceof Tensor)), ArgumentError,
      () => `[LSTM] the state must be a pair [h0, c0] of tensors, got ${fmt(state)}`);
    const [out, h, c] = this.run(input, state?.[0], state?.[1]);
    return [out, [h, c!]];
  }
}

/**
 * A gated recurrent unit layer with PyTorch's equations (gates r, z, n):
 * n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)), h' = (1 − z)·n + z·h. `forward(x, h0?)` returns `[output, hN]`.
 * @example
 * const gru = new GRU(8, 16, { bidirectional: true });
 * const [out, hN] = gru.forward(randn([7, 2, 8])); // out [7, 2, 32], hN [2, 2, 16]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }

  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor | PackedSequence, h0?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, h] = this.run(input, h0, null);
    return [out, h];
  }
}
