/**
 * Recurrent layers with PyTorch's equations, gate order, parameter shapes, initialisation and
 * state-dict names: RNN (tanh or relu), LSTM (gates i, f, g, o) and GRU (gates r, z, n).
 *
 * How a layer runs: the input projection of all time steps is one matrix product up front; each
 * step then costs one product for the hidden state and one fused kernel (`lstmCell`, `gruCell`) for
 * the gates and the state update. Sequences of a `PackedSequence` stop at their own lengths: past
 * the end the state is held and the output is zero; the reverse direction reads each sequence from
 * its own last step.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import type { DType } from '../../base/dtype.js';
import { showShape } from '../../base/shape.js';
import { tensor, zeros } from '../../core/creation.js';
import { Tensor } from '../../core/tensor.js';
import { cat, stack } from '../../ops/copy.js';
import { where } from '../../ops/elementwise.js';
import { indexSelect } from '../../ops/indexing.js';
import { gruCell, lstmCell } from '../../ops/rnn.js';
import { dropout } from '../functional/misc.js';
import { uniform_ } from '../init.js';
import { Module, Parameter } from '../module.js';
import { PackedSequence } from './packed.js';
import { empty } from './util.js';

/** The recurrence a layer runs. */
export type RNNMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Options of RNN, LSTM and GRU (PyTorch's keyword arguments, camelCased). */
export interface RNNOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as [B, T, *] instead of [T, B, *] (default false; states stay [L·D, B, H]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of each layer but the last, in training mode (default 0). */
  dropout?: number;
  /** A second direction reading the sequence backwards; outputs concatenated (default false). */
  bidirectional?: boolean;
  dtype?: DType;
}

const GATES: Record<RNNMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** The state passed between steps: h, and c for the LSTM. */
interface State {
  h: Tensor;
  c: Tensor | null;
}

/** What a layer needs to run a batch of variable-length sequences. */
interface Lengths {
  lengths: readonly number[];
  /** Per step t, a [B, 1] mask "t < length" (null where every sequence is still running). */
  masks: (Tensor | null)[];
  /** Row index that reverses each sequence within its length ([T·B], an involution). */
  reverse: Tensor;
}

/**
 * The shared machinery of RNN, LSTM and GRU; use those classes.
 * @example
 * new LSTM(10, 20, { numLayers: 2 }).allWeights.length; // 2 (per layer and direction: weights and biases)
 */
export abstract class RNNBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(readonly mode: RNNMode, readonly inputSize: number, readonly hiddenSize: number, options: RNNOptions = {}) {
    super();
    const name = this.constructor.name;
    check(options !== null && typeof options === 'object', ArgumentError, () => `[${name}] options must be an object, got ${fmt(options)}`);
    const { numLayers = 1, bias = true, batchFirst = false, dropout: p = 0, bidirectional = false, dtype = 'float32' } = options;
    for (const [arg, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize], ['numLayers', numLayers]] as const) {
      check(Number.isSafeInteger(v) && v > 0, ArgumentError, () => `[${name}] ${arg} must be a positive integer, got ${fmt(v)}`);
    }
    check(typeof p === 'number' && p >= 0 && p <= 1, ArgumentError, () => `[${name}] dropout must be a number in [0, 1], got ${fmt(p)}`);
    for (const [arg, v] of [['bias', bias], ['batchFirst', batchFirst], ['bidirectional', bidirectional]] as const) {
      check(typeof v === 'boolean', ArgumentError, () => `[${name}] ${arg} must be a boolean, got ${fmt(v)}`);
    }
    check(dtype === 'float32' || dtype === 'float64', DTypeError, () => `[${name}] dtype must be float32 or float64, got ${fmt(dtype)}`);
    this.numLayers = numLayers;
    this.bias = bias;
    this.batchFirst = batchFirst;
    this.dropout = p;
    this.bidirectional = bidirectional;
    const gates = GATES[mode] * hiddenSize;
    const k = 1 / Math.sqrt(hiddenSize);
    const fields = this as unknown as Record<string, Parameter>;
    // PyTorch's order and names: per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh (fields camelCased)
    for (let layer = 0; layer < numLayers; layer++) {
      for (const suffix of bidirectional ? ['', 'Reverse'] : ['']) {
        const inputs = layer === 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1);
        const param = (shape: number[]): Parameter => new Parameter(uniform_(empty(shape, dtype), -k, k));
        fields[`weightIhL${layer}${suffix}`] = param([gates, inputs]);
        fields[`weightHhL${layer}${suffix}`] = param([gates, hiddenSize]);
        if (bias) {
          fields[`biasIhL${layer}${suffix}`] = param([gates]);
          fields[`biasHhL${layer}${suffix}`] = param([gates]);
        }
      }
    }
  }

  /** The number of directions (2 when bidirectional). */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * The parameters of each layer and direction (index layer·D + direction): [weight_ih, weight_hh]
   * and, with biases, [bias_ih, bias_hh] after them.
   */
  get allWeights(): Parameter[][] {
    const fields = this as unknown as Record<string, Parameter>;
    const out: Parameter[][] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (const suffix of this.bidirectional ? ['', 'Reverse'] : ['']) {
        const names = ['weightIh', 'weightHh', ...(this.bias ? ['biasIh', 'biasHh'] : [])];
        out.push(names.map((n) => fields[`${n}L${layer}${suffix}`]!));
      }
    }
    return out;
  }

  /**
   * Runs the stack over `input` ([T, B, inputSize], [B, T, inputSize] with batchFirst, [T, inputSize]
   * unbatched, or a PackedSequence) from `state` (zeros when absent); returns the last layer's output
   * at every step and the final state of every layer and direction.
   */
  protected run(input: Tensor | PackedSequence, h0: Tensor | null | undefined, c0: Tensor | null | undefined): [Tensor | PackedSequence, Tensor, Tensor | null] {
    const name = this.constructor.name;
    const packed = input instanceof PackedSequence ? input : null;
    check(packed !== null || input instanceof Tensor, ArgumentError, () => `[${name}] input must be a Tensor or a PackedSequence, got ${fmt(input)}`);
    let x = packed !== null ? packed.data : (input as Tensor);
    const batched = packed !== null || x.ndim === 3;
    check(x.ndim === 3 || (x.ndim === 2 && packed === null), ShapeError,
      () => `[${name}] expected a 3-d input ([T, B, ${this.inputSize}]${this.batchFirst ? ' or, with batchFirst, [B, T, …]' : ''}) or a 2-d unbatched one, got shape ${showShape(x.shape)}`);
    if (!batched) x = x.unsqueeze(1);
    else if (this.batchFirst && packed === null) x = x.transpose(0, 1);
    const [steps, batch, features] = x.shape as [number, number, number];
    check(features === this.inputSize, ShapeError, () => `[${name}] input.size(-1) must be equal to inputSize: expected ${this.inputSize}, got ${features} (input shape ${showShape(x.shape)})`);
    const dtype = this.weightOf('weightIh', 0, 0).dtype;
    check(x.dtype === dtype, DTypeError, () => `[${name}] input must be ${dtype} (the parameters' dtype), got ${x.dtype}`);
    const h = this.initialState(h0, 'h0', batch, batched, dtype);
    const c = this.mode === 'LSTM' ? this.initialState(c0, 'c0', batch, batched, dtype) : null;
    const lengths = packed !== null ? lengthMasks(packed.lengths, steps, batch) : null;
    const finalH: Tensor[] = [];
    const finalC: Tensor[] = [];
    let layerInput = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      if (layer > 0 && this.dropout > 0 && this.training) layerInput = dropout(layerInput, this.dropout, { training: true });
      const outs: Tensor[] = [];
      for (let dir = 0; dir < this.numDirections; dir++) {
        const k = layer * this.numDirections + dir;
        const start: State = { h: h.select(0, k), c: c === null ? null : c.select(0, k) };
        const [out, last] = this.runDirection(layerInput, layer, dir, start, lengths);
        outs.push(out);
        finalH.push(last.h);
        if (last.c !== null) finalC.push(last.c);
      }
      layerInput = outs.length === 1 ? outs[0]! : cat(outs, 2);
    }
    let output = layerInput;
    let hN = stack(finalH, 0);
    let cN = finalC.length > 0 ? stack(finalC, 0) : null;
    if (!batched) {
      output = output.squeeze(1);
      hN = hN.squeeze(1);
      cN = cN?.squeeze(1) ?? null;
    }
    if (packed !== null) return [new PackedSequence(output, packed.lengths), hN, cN];
    return [this.batchFirst && batched ? output.transpose(0, 1) : output, hN, cN];
  }

  private weightOf(kind: string, layer: number, dir: number): Parameter {
    return (this as unknown as Record<string, Parameter>)[`${kind}L${layer}${dir === 1 ? 'Reverse' : ''}`]!;
  }

  private initialState(given: Tensor | null | undefined, arg: string, batch: number, batched: boolean, dtype: DType): Tensor {
    const shape = [this.numLayers * this.numDirections, batch, this.hiddenSize];
    if (given === null || given === undefined) return zeros(shape, { dtype });
    const name = this.constructor.name;
    check(given instanceof Tensor, ArgumentError, () => `[${name}] ${arg} must be a Tensor, got ${fmt(given)}`);
    const want = batched ? shape : [shape[0]!, shape[2]!];
    check(showShape(given.shape) === showShape(want), ShapeError,
      () => `[${name}] expected ${arg} of shape ${showShape(want)} ([numLayers·numDirections, ${batched ? 'B, ' : ''}hiddenSize]), got ${showShape(given.shape)}`);
    check(given.dtype === dtype, DTypeError, () => `[${name}] ${arg} must be ${dtype}, got ${given.dtype}`);
    return batched ? given : given.unsqueeze(1);
  }

  /** One layer in one direction over the whole sequence: its outputs [T, B, H] and final state. */
  private runDirection(x: Tensor, layer: number, dir: number, start: State, lengths: Lengths | null): [Tensor, State] {
    const [steps, batch] = x.shape as [number, number];
    const wIh = this.weightOf('weightIh', layer, dir);
    const wHhT = this.weightOf('weightHh', layer, dir).t();
    const bIh = this.bias ? this.weightOf('biasIh', layer, dir) : null;
    const bHh = this.bias ? this.weightOf('biasHh', layer, dir) : null;
    // the input projection of every step in one product; b_hh joins it except for GRU (b_hn sits inside r·(…))
    let gi = x.reshape(steps * batch, x.shape[2]!).matmul(wIh.t());
    if (bIh !== null) gi = gi.add(this.mode === 'GRU' ? bIh : bIh.add(bHh!));
    const reverse = dir === 1;
    if (reverse && lengths !== null) gi = indexSelect(gi, 0, lengths.reverse);
    const projected = gi.reshape(steps, batch, gi.shape[1]!);
    const outs: Tensor[] = new Array<Tensor>(steps);
    let state = start;
    for (let s = 0; s < steps; s++) {
      // without lengths the reverse direction walks the steps backwards; with them, gi is already reversed per sequence
      const t = reverse && lengths === null ? steps - 1 - s : s;
      let gh = state.h.matmul(wHhT);
      if (this.mode === 'GRU' && bHh !== null) gh = gh.add(bHh);
      const next = this.step(projected.select(0, t), gh, state);
      const mask = lengths?.masks[t] ?? null;
      if (mask === null) {
        outs[t] = next.h;
        state = next;
      } else {
        outs[t] = next.h.mul(mask);
        state = { h: where(mask, next.h, state.h), c: next.c === null ? null : where(mask, next.c, state.c!) };
      }
    }
    let out = stack(outs, 0);
    if (reverse && lengths !== null) out = indexSelect(out.reshape(steps * batch, this.hiddenSize), 0, lengths.reverse).reshape(steps, batch, this.hiddenSize);
    return [out, state];
  }

  /** One step of the recurrence from the two projections. */
  private step(gi: Tensor, gh: Tensor, state: State): State {
    switch (this.mode) {
      case 'LSTM': {
        const [h, c] = lstmCell(gi, gh, state.c!);
        return { h, c };
      }
      case 'GRU':
        return { h: gruCell(gi, gh, state.h), c: null };
      case 'RNN_TANH':
        return { h: gi.add(gh).tanh(), c: null };
      case 'RNN_RELU':
        return { h: gi.add(gh).relu(), c: null };
    }
  }

  override extraRepr(): string {
    const opts = [
      this.numLayers !== 1 ? `numLayers=${this.numLayers}` : '',
      this.bias ? '' : 'bias=false',
      this.batchFirst ? 'batchFirst=true' : '',
      this.dropout !== 0 ? `dropout=${this.dropout}` : '',
      this.bidirectional ? 'bidirectional=true' : '',
    ].filter((s) => s !== '');
    return [`${this.inputSize}, ${this.hiddenSize}`, ...opts].join(', ');
  }
}

/** The masks and the per-sequence reversal of a batch with lengths (time-major, T steps, B sequences). */
function lengthMasks(lengths: readonly number[], steps: number, batch: number): Lengths {
  const masks = Array.from({ length: steps }, (_, t) => (lengths.every((n) => t < n)
    ? null
    : tensor(lengths.map((n) => [t < n]), { dtype: 'bool' })));
  const index = new Int32Array(steps * batch);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const n = lengths[b]!;
      index[t * batch + b] = (t < n ? n - 1 - t : t) * batch + b;
    }
  }
  return { lengths, masks, reverse: tensor(index, { dtype: 'int32' }) };
}
