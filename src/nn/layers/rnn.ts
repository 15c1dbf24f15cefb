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
import { checkOptionNames } from '../../base/options.js';
import type { DType } from '../../base/dtype.js';
import { showShape } from '../../base/shape.js';
import { tensor, zeros } from '../../core/creation.js';
import { Tensor } from '../../core/tensor.js';
import { cat, stack } from '../../ops/copy.js';
import { indexSelect } from '../../ops/indexing.js';
import { rnnSequence, type CellKind } from '../../ops/rnn-sequence.js';
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

const OPTION_NAMES = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype'];
const GATES: Record<RNNMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** The state passed between steps: h, and c for the LSTM. */
interface State {
  h: Tensor;
  c: Tensor | null;
}

/** What a layer needs to run a batch of variable-length sequences (sorted by decreasing length). */
interface Lengths {
  /** Sequences still running at each step (a prefix of the sorted batch). */
  batchSizes: number[];
  /** [T, B, 1]: 1 before a sequence's end, 0 after (zeroes the padded outputs). */
  mask: Tensor;
}

const KIND: Record<RNNMode, CellKind> = { RNN_TANH: 'tanh', RNN_RELU: 'relu', LSTM: 'lstm', GRU: 'gru' };

/**
 * The shared machinery of RNN, LSTM and GRU; use those classes.
 * @example
 * new LSTM(10, 20, { numLayers: 2 }).allWeights.length; // 2 (per layer and direction: weights and biases)
 */
export abstract class RNNBase extends Module {
  /** The parameters by field, PyTorch's names camelCased: `weightIhL0`, `weightHhL1Reverse`, `biasIhL0`, … (biases only with `bias`). */
  readonly [field: `${'weight' | 'bias'}${'Ih' | 'Hh'}L${number}${'' | 'Reverse'}`]: Parameter;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(readonly mode: RNNMode, readonly inputSize: number, readonly hiddenSize: number, options: RNNOptions = {}) {
    super();
    const name = this.constructor.name;
    checkOptionNames(options as unknown, mode.startsWith('RNN') ? [...OPTION_NAMES, 'nonlinearity'] : OPTION_NAMES, name);
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
    check(steps > 0, ShapeError, () => `[${name}] expected a sequence length larger than 0, got input shape ${showShape(x.shape)}`);
    check(features === this.inputSize, ShapeError, () => `[${name}] input.size(-1) must be equal to inputSize: expected ${this.inputSize}, got ${features} (input shape ${showShape(x.shape)})`);
    const dtype = this.weightOf('weightIh', 0, 0).dtype;
    check(x.dtype === dtype, DTypeError, () => `[${name}] input must be ${dtype} (the parameters' dtype), got ${x.dtype}`);
    let h = this.initialState(h0, 'h0', batch, batched, dtype);
    let c = this.mode === 'LSTM' ? this.initialState(c0, 'c0', batch, batched, dtype) : null;
    // variable lengths: sequences sorted by decreasing length (each step then updates a prefix of the batch)
    const sorting = packed !== null ? sortByLength(packed.lengths) : null;
    if (sorting?.order) {
      x = indexSelect(x, 1, sorting.order);
      h = indexSelect(h, 1, sorting.order);
      c = c === null ? null : indexSelect(c, 1, sorting.order);
    }
    const lengths = sorting !== null ? lengthInfo(sorting.sorted, steps, dtype) : null;
    // what lies past a sequence's end is never read, as in PyTorch's packed layout (NaN or ∞ padding included)
    if (lengths !== null && lengths.batchSizes.some((n) => n < batch)) x = x.maskedFill(lengths.mask.eq(0), 0);
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
    if (sorting?.inverse) {
      output = indexSelect(output, 1, sorting.inverse);
      hN = indexSelect(hN, 1, sorting.inverse);
      cN = cN === null ? null : indexSelect(cN, 1, sorting.inverse);
    }
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

  /** One layer in one direction over the whole sequence (one op, see ops/rnn-sequence.ts): its outputs [T, B, H] and final state. */
  private runDirection(x: Tensor, layer: number, dir: number, start: State, lengths: Lengths | null): [Tensor, State] {
    const [steps, batch] = x.shape as [number, number];
    const h = this.hiddenSize;
    const wIh = this.weightOf('weightIh', layer, dir);
    const bIh = this.bias ? this.weightOf('biasIh', layer, dir) : null;
    const bHh = this.bias ? this.weightOf('biasHh', layer, dir) : null;
    // the input projection of every step in one product; b_hh joins it except for GRU (b_hn sits inside r·(…))
    let gi = x.reshape(steps * batch, x.shape[2]!).matmul(wIh.t());
    if (bIh !== null) gi = gi.add(this.mode === 'GRU' ? bIh : bIh.add(bHh!));
    const lstm = this.mode === 'LSTM';
    const y = rnnSequence(KIND[this.mode], gi.reshape(steps, batch, gi.shape[1]!), this.weightOf('weightHh', layer, dir),
      lstm ? cat([start.h, start.c!], 1) : start.h, this.mode === 'GRU' ? bHh : null, { reverse: dir === 1, batchSizes: lengths?.batchSizes ?? null });
    // the last step processed holds every sequence's final state (finished rows hold theirs)
    const last = y.select(0, dir === 1 ? 0 : steps - 1);
    let out = lstm ? y.narrow(2, 0, h) : y;
    if (lengths !== null) out = out.mul(lengths.mask);
    return [out, lstm ? { h: last.narrow(1, 0, h), c: last.narrow(1, h, h) } : { h: last, c: null }];
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

/** The step counts and output mask of a batch with lengths sorted in decreasing order (T steps). */
function lengthInfo(sorted: readonly number[], steps: number, dtype: DType): Lengths {
  const batchSizes = Array.from({ length: steps }, (_, t) => sorted.filter((n) => n > t).length);
  const mask = tensor(Array.from({ length: steps }, (_, t) => sorted.map((n) => [t < n ? 1 : 0])), { dtype });
  return { batchSizes, mask };
}

/** The lengths in decreasing order, with the permutation that sorts the batch and its inverse (null when sorted already). */
function sortByLength(lengths: readonly number[]): { sorted: number[]; order: Tensor | null; inverse: Tensor | null } {
  const idx = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  if (idx.every((v, i) => v === i)) return { sorted: [...lengths], order: null, inverse: null };
  const inverse = new Array<number>(idx.length);
  idx.forEach((v, i) => (inverse[v] = i));
  return { sorted: idx.map((i) => lengths[i]!), order: tensor(idx, { dtype: 'int32' }), inverse: tensor(inverse, { dtype: 'int32' }) };
}
